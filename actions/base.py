"""What every Stadtlotse action shares: the turn's language, data and clock, and the closing contact line."""

from __future__ import annotations

import abc
import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import languages
from actions.answers import human_contact
from actions.catalogue import Catalogue, CatalogueError, store
from actions.i18n import N_, Texts, texts
from actions.language_detection import decide, evidence_of, ranking_of
from actions.opening_hours import Schedule
from actions.records import records

logger = logging.getLogger(__name__)

# Longer messages are not read: a polite request for a short question instead.
MAX_MESSAGE_CHARS = 1500
# A message in a language we do not speak gets the list of our languages unless the NLU is this sure.
UNSUPPORTED_LANGUAGE_CONFIDENCE = 0.8
UNSUPPORTED_LANGUAGE_TEXT = N_(
    "Diese Sprache spreche ich leider noch nicht. Bitte schreiben Sie in einer dieser Sprachen: {languages}"
)

# Fixed clock for previews and tests: STADTLOTSE_NOW=2026-12-24T10:00 (local time of the city).
NOW_VARIABLE = "STADTLOTSE_NOW"


@dataclass
class Reply:
    """What an action answers; the base class adds the contact line and the contract slots."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    service: str | None = None
    office: str | None = None
    journey: str | None = None  # the first-steps plan the answer gives
    faq: str | None = None  # the FAQ entry the answer gives
    slots: dict[str, Any] = field(default_factory=dict)  # further slots the answer sets (a plan's state)
    with_contact: bool = True
    # why the question was not really answered ("fallback", "out_of_scope", ...); kept for staff, redacted
    unanswered: str | None = None


@dataclass
class Turn:
    """Everything an action needs about the current message."""

    tracker: Tracker
    language: str
    t: Texts
    catalogue: Catalogue
    schedule: Schedule
    now: dt.datetime

    @property
    def text(self) -> str:
        return str(self.tracker.latest_message.get("text") or "")

    @property
    def intent(self) -> str:
        return str((self.tracker.latest_message.get("intent") or {}).get("name") or "")

    @property
    def intent_ranking(self) -> list[dict[str, Any]]:
        return list(self.tracker.latest_message.get("intent_ranking") or [])

    @property
    def entities(self) -> dict[str, str]:
        return {
            str(e.get("entity")): str(e.get("value"))
            for e in self.tracker.latest_message.get("entities") or []
        }


def clock(schedule: Schedule) -> dt.datetime:
    """Now, in the city's time zone (or the fixed time from ``STADTLOTSE_NOW``)."""
    fixed = os.environ.get(NOW_VARIABLE)
    if not fixed:
        return dt.datetime.now(tz=schedule.zone)
    moment = dt.datetime.fromisoformat(fixed)
    return schedule.aware(moment) if moment.tzinfo is None else moment.astimezone(schedule.zone)


def conversation_language(tracker: Tracker) -> str:
    """The language to answer this message in (see ``actions.language_detection``)."""
    message = tracker.latest_message or {}
    metadata = message.get("metadata") or {}
    return decide(
        str(message.get("text") or ""),
        ranking_of(message),
        tracker.get_slot("language"),
        metadata.get("language") if isinstance(metadata, dict) else None,
        evidence_of(message),
    )


def rendering_language(tracker: Tracker) -> str | None:
    """``metadata.render_language`` of the message: answer it in that language without switching to it."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get("render_language") if isinstance(metadata, dict) else None
    return languages.resolve(value) if isinstance(value, str) else None


def sender_hash(tracker: Tracker) -> str:
    """A short hash of the sender id for logs (never the id or the text itself)."""
    return hashlib.sha256(str(tracker.sender_id).encode()).hexdigest()[:12]


class StadtlotseAction(Action, abc.ABC):
    """Base of every answer: work out the language, build the reply, end with a way to a human."""

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    @abc.abstractmethod
    def answer(self, turn: Turn) -> Reply:
        """The reply to the current message."""

    def guard(self, turn: Turn) -> Reply | None:
        """A reply for messages no action should try to answer: far too long, or in a language we lack."""
        if len(turn.text) > MAX_MESSAGE_CHARS:
            return Reply(
                turn.t._(
                    "Ihre Nachricht ist sehr lang. Bitte schreiben Sie Ihre Frage kurz, in ein oder zwei Sätzen."
                ),
                unanswered="too_long",
            )
        message = turn.tracker.latest_message
        confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
        if message.get("unsupported_language") and (
            turn.intent == "nlu_fallback" or confidence < UNSUPPORTED_LANGUAGE_CONFIDENCE
        ):
            names = ", ".join(lang.native_name for lang in languages.LANGUAGES.values())
            both = [texts(code)._(UNSUPPORTED_LANGUAGE_TEXT, languages=names) for code in ("de", "en")]
            return Reply("\n".join(dict.fromkeys(both)), unanswered="unsupported_language")
        return None

    def start_turn(self, tracker: Tracker, language: str, catalogue: Catalogue) -> Turn:
        schedule = Schedule(catalogue)
        return Turn(tracker, language, texts(language), catalogue, schedule, clock(schedule))

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            catalogue = store().get()
        except CatalogueError as error:
            logger.error("The catalogue cannot be loaded, no answer possible:\n%s", error)
            dispatcher.utter_message(
                text=texts(language)._(
                    "Entschuldigung, ich habe gerade ein technisches Problem. "
                    "Bitte versuchen Sie es später noch einmal."
                )
            )
            return changed_slots(tracker, language=language, service=None, office=None, journey=None, faq=None)
        turn = self.start_turn(tracker, language, catalogue)
        shown_in = rendering_language(tracker)
        if shown_in is not None:  # "show in German": this one answer in German, the conversation stays
            turn.t = texts(shown_in)
        try:
            reply = self.guard(turn) or self.answer(turn)
        except Exception:
            logger.exception("%s failed for sender %s", self.name(), sender_hash(tracker))
            reply = Reply(
                turn.t._(
                    "Entschuldigung, da ist bei mir etwas schiefgegangen. "
                    "Bitte versuchen Sie es noch einmal."
                )
            )
        text = reply.text
        if reply.with_contact:
            text = f"{text}\n{human_contact(turn.t, turn.catalogue)}"
        dispatcher.utter_message(text=text, buttons=reply.buttons or None)
        logger.info(
            "answered action=%s intent=%s language=%s service=%s office=%s journey=%s sender=%s",
            self.name(), turn.intent, turn.language, reply.service, reply.office, reply.journey, sender_hash(tracker),
        )  # fmt: skip
        records().note_soon(
            turn.language, reply.service, reply.unanswered is None, reason=reply.unanswered,
            text=turn.text if reply.unanswered else None, best_service=likely_service(turn),
        )  # fmt: skip
        return changed_slots(
            tracker, language=turn.language, service=reply.service, office=reply.office, journey=reply.journey,
            faq=reply.faq, **reply.slots,
        )  # fmt: skip


def changed_slots(tracker: Tracker, **values: Any) -> list[EventType]:
    """SlotSet events only for slots whose value changes: every stored event is read, replayed and
    featurized again for each later message of the conversation (the tracker store's cost under load)."""
    return [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]


def likely_service(turn: Turn) -> str | None:
    """The service the classifier thought most likely (for the staff report of unanswered questions)."""
    for item in turn.intent_ranking:
        name = str(item.get("name") or "")
        if name.startswith("service_"):
            return name.removeprefix("service_")
    return None


def service_button(turn: Turn, service_id: str) -> dict[str, str]:
    """A button that asks about one service."""
    service = turn.catalogue.services[service_id]
    return {"title": turn.t.data(service.name), "payload": f"/service_{service_id}"}
