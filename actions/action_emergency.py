"""Emergencies first: 112 and 110 at once, in the user's language, then the help that fits."""

from __future__ import annotations

from actions.base import Reply, StadtlotseAction, Turn
from actions.i18n import N_

FIRE_AND_AMBULANCE = "112"
POLICE = "110"
# free, day and night; the women's help line in many languages
HELP_LINES = {
    "violence": (N_("Hilfetelefon „Gewalt gegen Frauen“: {phone} – kostenlos, Tag und Nacht, in vielen Sprachen."),
                 "116 016"),
    "self_harm": (N_("TelefonSeelsorge: {phone} – kostenlos, Tag und Nacht. Sie sind nicht allein."),
                  "0800 111 0 111"),
    "danger": (N_("Wenn es nicht lebensgefährlich ist: Ärztlicher Bereitschaftsdienst {phone}."), "116 117"),
}  # fmt: skip


class ActionEmergency(StadtlotseAction):
    """Runs on the intent ``emergency`` (components/emergency.py), whatever else the NLU thought."""

    def name(self) -> str:
        return "action_emergency"

    def guard(self, turn: Turn) -> Reply | None:
        return None  # never held back: not for length, not for language

    def answer(self, turn: Turn) -> Reply:
        t = turn.t
        kind = str(turn.tracker.latest_message.get("emergency") or "danger")
        lines = [
            t._("Im Notfall rufen Sie sofort an: {fire} (Feuerwehr und Rettungsdienst) oder {police} (Polizei). "
                "Der Anruf ist kostenlos.", fire=t.ltr(FIRE_AND_AMBULANCE), police=t.ltr(POLICE)),
        ]  # fmt: skip
        if kind in HELP_LINES:
            text, phone = HELP_LINES[kind]
            lines.append(t._(text, phone=t.ltr(phone)))
        return Reply("\n".join(lines), with_contact=False)
