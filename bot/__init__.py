"""Channels of Stadtlotse: the launcher for `make run`, a terminal chat, later Telegram and the web widget."""
