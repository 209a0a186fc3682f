"""Every text the widget shows, from the gettext catalogs (the browser gets them per language)."""

from __future__ import annotations

from typing import Any

from actions import languages
from actions.i18n import N_, Texts, texts
from bot.city import CityFacts, city_facts
from bot.privacy import retention_days

# Labels of the widget's controls and its fixed messages.
LABELS = {
    "launcher": N_("Fragen an die Stadt? Chat öffnen"),
    "title": N_("Stadtlotse – Fragen an die Stadt"),
    "close": N_("Chat schließen"),
    "language": N_("Sprache"),
    "input": N_("Ihre Frage"),
    "placeholder": N_("Schreiben Sie Ihre Frage …"),
    "send": N_("Senden"),
    "person": N_("Mit einem Menschen sprechen"),
    "delete": N_("Gespräch löschen"),
    # Translators: read by screen readers before each of the user's own messages
    "you": N_("Sie:"),
    # Translators: read by screen readers before each answer of the assistant
    "assistant": N_("Stadtlotse:"),
    "typing": N_("Der Assistent schreibt …"),
    "reconnected": N_("Der Assistent ist wieder erreichbar."),
    "german": N_("Auf Deutsch zeigen"),
    "read": N_("Vorlesen"),
}


def unavailable(t: Texts, phone: str | None) -> str:
    """The outage message: nothing is lost, try again, or call a person."""
    if phone:
        return t._(
            "Der Assistent ist gerade nicht erreichbar. Ihre Frage steht noch im Eingabefeld: Bitte senden Sie "
            "sie gleich noch einmal. Einen Menschen erreichen Sie bei der Stadt unter Telefon {phone}.",
            phone=t.ltr(phone),
        )
    return t._(
        "Der Assistent ist gerade nicht erreichbar. Ihre Frage steht noch im Eingabefeld: "
        "Bitte senden Sie sie gleich noch einmal."
    )


def widget_texts(code: str, facts: CityFacts) -> dict[str, Any]:
    """All texts of the widget in one language."""
    t = texts(code)
    name, privacy_url, phone = facts.name, facts.privacy_url, facts.phone
    days = retention_days()
    result: dict[str, Any] = {key: t._(label) for key, label in LABELS.items()}
    result.update(
        welcome=[
            t._(
                "Hallo! Ich bin der Stadtlotse von {city}: ein automatischer Assistent, kein Mensch. Ich sage "
                "Ihnen, welches Amt Ihnen hilft, wo es ist, wann es offen ist und was Sie mitbringen müssen.",
                city=name,
            ),
            t._("Schreiben Sie Ihre Frage in Ihrer Sprache."),
        ],
        privacy_note=t.ngettext(
            "Das Gespräch wird {n} Tag gespeichert und dann gelöscht, ohne Cookies. "
            "Mit „Gespräch löschen“ löschen Sie es sofort.",
            "Das Gespräch wird {n} Tage gespeichert und dann gelöscht, ohne Cookies. "
            "Mit „Gespräch löschen“ löschen Sie es sofort.",
            days,
        ),
        privacy_line=t._("Datenschutzerklärung der Stadt: {url}", url=privacy_url) if privacy_url else None,
        unavailable=unavailable(t, phone),
        deleted=t._("Ihr Gespräch ist gelöscht. Der Assistent erinnert sich an nichts mehr daraus."),
        delete_failed=t._("Das Löschen hat gerade nicht geklappt. Bitte versuchen Sie es später noch einmal."),
    )
    return result


def widget_config() -> dict[str, Any]:
    """Languages (from the one registry) and the texts in each of them, for ``GET /api/config``."""
    facts = city_facts()  # one catalogue read for all twelve languages
    return {
        "default": languages.DEFAULT,
        "languages": [
            {"code": lang.code, "name": lang.native_name, "dir": lang.direction, "aliases": list(lang.aliases)}
            for lang in languages.LANGUAGES.values()
        ],
        "texts": {code: widget_texts(code, facts) for code in languages.CODES},
    }
