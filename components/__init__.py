"""Custom Rasa NLU components of Stadtlotse (referenced by module path in config.yml)."""
