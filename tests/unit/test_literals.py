"""The emergency net's prefilter: required strings read off a pattern, and a skip that never changes a result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.emergency import read_net
from components.literals import PatternSet, required_literals
from components.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("fire", {"fire"}),
        (r"\bblutet (\w+ ){0,2}(stark|viel)", {"blutet "}),  # the longest string every match has
        ("heart attack|cardiac arrest", {"heart attack", "cardiac arrest"}),
        ("(kid|son) is missing", {" is missing"}),
        ("(ab)?cd", {"cd"}),  # an optional group is not required
        ("(stab){1,3}", {"stab"}),  # a repeated group is, when it must occur at least once
        ("a(xyz)*b", {"a", "b"}),  # a repeated group that may be absent is not: the next best
    ],
)
def test_required_literals(pattern: str, expected: set[str]) -> None:
    factors = required_literals(re.compile(pattern))
    assert factors is not None
    assert set(factors) == expected or min(map(len, factors)) == min(map(len, expected))


@pytest.mark.parametrize("pattern", [r"\w+", "x*", "fire|\\d+", "(?i)fire", "[abc]{3}", "(a|)b?"])
def test_nothing_required_means_always_searched(pattern: str) -> None:
    assert required_literals(re.compile(pattern)) is None
    assert PatternSet([re.compile(pattern)]).first("") == (0 if re.search(pattern, "") else None)


def test_first_matching_pattern_in_order() -> None:
    patterns = PatternSet([re.compile(r"\bfire\b"), re.compile(r"fire (alarm|engine)"), re.compile(r"\w+")])
    assert patterns.first("the fire engine") == 0
    assert patterns.first("firewood") == 2  # the first two need "fire" as a word / "fire " : skipped
    assert patterns.first("   ") is None


def all_texts() -> list[str]:
    """The net's own samples and every message of the development and benchmark sets, normalised."""
    _net, _problems, samples = read_net()
    texts = [s.split(":", 1)[-1] for lang in samples.values() for s in lang["fires"]]
    texts += [s for lang in samples.values() for s in lang["quiet"]]
    for path in sorted((ROOT / "benchmark").glob("*/*.yml")):
        texts += [m["text"] for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]]
    return [normalize(t) for t in texts]


def test_the_skip_never_changes_what_the_net_finds() -> None:
    net, problems, _samples = read_net()
    assert not problems
    texts = all_texts()
    assert len(texts) > 1000
    patterns = [pattern for _kind, pattern in net.alarms] + list(net.ignore)
    filtered = PatternSet(patterns)
    skipped = 0
    for pattern, factors in zip(patterns, filtered.factors, strict=True):
        for text in texts:
            found = pattern.search(text) is not None
            if factors is None:
                continue
            present = any(f in text for f in factors)
            assert present or not found, (pattern.pattern, text)  # a skipped pattern would not have matched
            skipped += not present
    assert skipped > 0.9 * len(patterns) * len(texts)  # and the filter does skip (the point of it)
    for text in texts:
        expected = next((i for i, p in enumerate(patterns) if p.search(text)), None)
        assert filtered.first(text) == expected
