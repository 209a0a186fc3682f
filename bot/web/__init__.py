"""The web chat: an embeddable widget (one script tag) and the thin backend it talks to."""
