"""The training data, the domain, the rules and the catalogue agree, in every language."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from actions import languages
from actions.catalogue import load_catalogue
from actions.emergency import EMERGENCY_INTENT
from actions.faq import RETRIEVAL_INTENT
from actions.journeys import BUTTON_INTENTS

ROOT = Path(__file__).resolve().parents[2]
NLU = ROOT / "data" / "nlu"
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RULES = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
MIN_EXAMPLES = 12


def blocks(code: str) -> list[dict[str, object]]:
    return list(yaml.safe_load((NLU / f"{code}.yml").read_text(encoding="utf-8"))["nlu"])


def examples(block: dict[str, object]) -> list[str]:
    return [line[2:].strip() for line in str(block["examples"]).splitlines() if line.startswith("- ")]


def test_one_file_per_language() -> None:
    assert {p.stem for p in NLU.glob("*.yml")} == set(languages.CODES)


@pytest.mark.parametrize("code", languages.CODES)
def test_every_intent_has_enough_examples_with_the_files_language(code: str) -> None:
    counts: Counter[str] = Counter()
    for block in blocks(code):
        assert block.get("metadata") == {"language": code}, f"{code}.yml: block {block['intent']} metadata"
        counts[str(block["intent"])] += len(examples(block))
    elsewhere = BUTTON_INTENTS | {RETRIEVAL_INTENT, EMERGENCY_INTENT}  # buttons, data/faq/, the emergency net
    missing = {i: counts[i] for i in DOMAIN["intents"] if counts[i] < MIN_EXAMPLES and i not in elsewhere}
    assert not missing, f"{code}.yml: too few examples (need {MIN_EXAMPLES}): {missing}"
    assert set(counts) <= set(DOMAIN["intents"]), f"{code}.yml: intents not in domain.yml"


@pytest.mark.parametrize("code", languages.CODES)
def test_no_example_twice_or_in_two_intents(code: str) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for block in blocks(code):
        for text in examples(block):
            key = text.casefold()
            if key in seen:
                clashes.append((text, seen[key], block["intent"]))
            seen[key] = str(block["intent"])
    assert not clashes, f"{code}.yml: {clashes[:5]}"


def test_every_service_has_an_intent_and_a_rule() -> None:
    services = set(load_catalogue().services)
    service_intents = {i.removeprefix("service_") for i in DOMAIN["intents"] if i.startswith("service_")}
    assert service_intents == services
    ruled = {step["intent"] for rule in RULES for step in rule["steps"] if "intent" in step}
    assert set(DOMAIN["intents"]) | {"nlu_fallback"} == ruled
