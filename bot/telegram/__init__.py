"""The Telegram channel: python-telegram-bot (v22, async) in front of the assistant's REST channel."""
