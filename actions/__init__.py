"""Stadtlotse's custom actions and the modules they share (catalogue, opening hours, languages, texts)."""
