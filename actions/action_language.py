"""Switch the conversation's language, or show the language menu."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions import languages
from actions.base import Reply, StadtlotseAction, Turn
from actions.catalogue import Catalogue
from actions.i18n import texts
from actions.language_detection import requested_language


class ActionChooseLanguage(StadtlotseAction):
    """A language named in the message or chosen with a button switches at once; otherwise a menu."""

    def name(self) -> str:
        return "action_choose_language"

    def start_turn(self, tracker: Tracker, language: str, catalogue: Catalogue) -> Turn:
        turn = super().start_turn(tracker, language, catalogue)
        chosen = self.chosen(turn)
        if chosen is not None and chosen != turn.language:
            turn.language, turn.t = chosen, texts(chosen)
        return turn

    @staticmethod
    def chosen(turn: Turn) -> str | None:
        from_button = languages.resolve(turn.entities.get("language"))
        if from_button:
            return from_button
        if turn.text.startswith("/"):
            return None
        return requested_language(turn.text)

    def answer(self, turn: Turn) -> Reply:
        chosen = self.chosen(turn)
        if chosen is not None:
            # Translators: name YOUR language here ("OK, from now on I will write in English.")
            return Reply(turn.t._("Gut, ich schreibe ab jetzt auf Deutsch."))
        buttons = [
            {"title": lang.native_name, "payload": f'/choose_language{{"language":"{lang.code}"}}'}
            for lang in languages.LANGUAGES.values()
        ]
        return Reply(turn.t._("Bitte wählen Sie Ihre Sprache."), buttons=buttons)
