"""Whitespace tokenizer whose tokens carry a spelling-normalised lemma for the featurizers."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from components.normalize import normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalizingTokenizer(WhitespaceTokenizer):
    """Splits on whitespace like Rasa's tokenizer; ``lemma`` is the folded form ("Bürgerbüro" -> "burgerburo")."""

    @staticmethod
    def not_supported_languages() -> None:
        return None

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = normalize(token.text)
        return tokens
