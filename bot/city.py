"""What the channels say about the city itself: its name, privacy page and the phone of its contact point."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from actions.catalogue import CatalogueError, store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CityFacts:
    name: str = ""
    privacy_url: str | None = None
    phone: str | None = None  # the contact office's phone: the way to a person when the assistant is down


def city_facts() -> CityFacts:
    """From the catalogue in service; empty values (never an exception) if it cannot be read at all."""
    try:
        catalogue = store().get()
    except CatalogueError:
        logger.exception("catalogue unavailable: channel texts go without the city's name and phone")
        return CityFacts()
    return CityFacts(catalogue.city.name, catalogue.city.privacy_url, catalogue.contact.phone)
