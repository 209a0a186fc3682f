"""Greeting, help, thanks, goodbye and "are you a bot?": short answers that always lead somewhere."""

from __future__ import annotations

from actions.base import Reply, StadtlotseAction, Turn, service_button

# the topics newcomers ask about first, offered as buttons after a greeting or a request for help
START_TOPICS = ("registration", "residence_permit", "citizens_income", "childcare", "integration_course")


def topic_buttons(turn: Turn) -> list[dict[str, str]]:
    buttons = [service_button(turn, s) for s in START_TOPICS if s in turn.catalogue.services]
    buttons.append({"title": turn.t._("Sprache wählen"), "payload": "/choose_language"})
    return buttons


class ActionGreet(StadtlotseAction):
    """Say who we are (an automated assistant) and what people can ask."""

    def name(self) -> str:
        return "action_greet"

    def answer(self, turn: Turn) -> Reply:
        text = turn.t._(
            "Hallo! Ich bin der Stadtlotse, ein automatischer Assistent der Stadt {city}. "
            "Schreiben Sie Ihre Frage in Ihrer Sprache, zum Beispiel: Wo melde ich meine Wohnung an? "
            "Wann hat die Ausländerbehörde geöffnet?",
            city=turn.catalogue.city.name,
        )
        return Reply(text, buttons=topic_buttons(turn))


class ActionHelp(StadtlotseAction):
    """Explain what the assistant can do."""

    def name(self) -> str:
        return "action_help"

    def answer(self, turn: Turn) -> Reply:
        text = turn.t._(
            "Ich beantworte Fragen zu Ämtern und Angeboten der Stadt {city}: Anmeldung, Ausweis, "
            "Aufenthalt, Geld und Wohnen, Kinder und Schule, Deutschkurse, Freizeit. "
            "Ich sage Ihnen, welches Amt zuständig ist, wann es geöffnet ist und was Sie mitbringen müssen. "
            "Schreiben Sie einfach Ihre Frage.",
            city=turn.catalogue.city.name,
        )
        return Reply(text, buttons=topic_buttons(turn))


class ActionThank(StadtlotseAction):
    """Answer thanks and offer more help."""

    def name(self) -> str:
        return "action_thank"

    def answer(self, turn: Turn) -> Reply:
        return Reply(turn.t._("Gern geschehen! Haben Sie noch eine Frage?"))


class ActionGoodbye(StadtlotseAction):
    """Say goodbye; the door stays open."""

    def name(self) -> str:
        return "action_goodbye"

    def answer(self, turn: Turn) -> Reply:
        return Reply(turn.t._("Auf Wiedersehen! Sie können mir jederzeit wieder schreiben."))


class ActionBotChallenge(StadtlotseAction):
    """Be honest: a program, not a person, and it can be wrong."""

    def name(self) -> str:
        return "action_bot_challenge"

    def answer(self, turn: Turn) -> Reply:
        return Reply(
            turn.t._(
                "Ich bin ein Computerprogramm (ein Chatbot), kein Mensch. Ich kann mich irren. "
                "Wichtige Dinge klären Sie bitte direkt mit dem Amt."
            )
        )
