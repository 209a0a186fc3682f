"""Emergencies first: a keyword net per language (``data/emergency.yml``) in front of the intent classifier.

A message about danger to life, violence or an acute medical need must get 112 and 110 at once, whatever
the classifier thinks; ordinary questions with emergency-like words ("Notfallkarte", "emergency passport")
must not. The net is data, kept by staff and checked with file and line; every language's patterns are
tried on every message (a person in panic may write in any of them, or mix them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from actions.catalogue import CatalogueError, Problem, _line_of, _read_yaml, problem
from actions.i18n import S_
from components.literals import PatternSet
from components.normalize import normalize

EMERGENCY_INTENT = "emergency"  # set by components/emergency.py, never by the classifier
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "emergency.yml"
KINDS = ("danger", "self_harm", "violence")  # checked in this order; the first that matches is reported
LISTS = (*KINDS, "ignore")


@dataclass(frozen=True)
class Net:
    """Compiled patterns: (kind, pattern) pairs and the patterns that cancel an alarm."""

    alarms: tuple[tuple[str, re.Pattern[str]], ...]
    ignore: tuple[re.Pattern[str], ...]
    # the same patterns, each skipped where none of the words it needs occurs (components/literals.py):
    # every message goes through the whole net, and most patterns are ruled out by a substring test
    _alarms: PatternSet = field(init=False, repr=False, compare=False)
    _ignore: PatternSet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_alarms", PatternSet([pattern for _kind, pattern in self.alarms]))
        object.__setattr__(self, "_ignore", PatternSet(self.ignore))

    def kind_of(self, text: str) -> str | None:
        """``danger``, ``violence`` or ``self_harm`` when the message is an emergency, else None."""
        folded = normalize(text)
        if not folded.strip() or self._ignore.first(folded) is not None:
            return None
        index = self._alarms.first(folded)
        return None if index is None else self.alarms[index][0]

    def to_dict(self) -> dict[str, list[str]]:
        """The patterns as plain data (stored in the trained model)."""
        result: dict[str, list[str]] = {kind: [] for kind in LISTS}
        for kind, pattern in self.alarms:
            result[kind].append(pattern.pattern)
        result["ignore"] = [p.pattern for p in self.ignore]
        return result

    @classmethod
    def from_dict(cls, data: dict[str, list[str]]) -> Net:
        alarms = tuple((kind, re.compile(p)) for kind in KINDS for p in data.get(kind, []))
        return cls(alarms, tuple(re.compile(p) for p in data.get("ignore", [])))


def read_net(path: Path = DEFAULT_FILE) -> tuple[Net, list[Problem], dict[str, dict[str, list[str]]]]:
    """The net of all languages, the problems found (file and line), and each language's test messages
    (``fires``: "kind: message", ``quiet``: messages that must not alarm)."""
    label = path.name
    problems: list[Problem] = []
    root = _read_yaml(path, problems)
    if root is None:
        return Net((), ()), problems, {}
    languages_node = root.get("languages") if isinstance(root, dict) else None
    if not isinstance(languages_node, dict):
        return Net((), ()), [problem(label, 1, S_("Die Datei muss mit „{key}:“ beginnen."), key="languages")], {}
    patterns: dict[str, list[str]] = {kind: [] for kind in LISTS}
    samples: dict[str, dict[str, list[str]]] = {}
    for code, net in languages_node.items():
        if not isinstance(net, dict):
            problems.append(problem(label, _line_of(root, ["languages", code]),
                                    S_("Hier gehört ein Eintrag mit Feldern hin („- id: …“).")))  # fmt: skip
            continue
        for kind in LISTS:
            for index, raw in enumerate(net.get(kind) or []):
                folded = normalize(str(raw))
                try:
                    re.compile(folded)
                except re.error as error:
                    line = _line_of(root, ["languages", code, kind, index])
                    problems.append(problem(label, line, S_("Das Muster „{pattern}“ ist fehlerhaft: {detail}"),
                                            pattern=raw, detail=str(error)))  # fmt: skip
                    continue
                patterns[kind].append(folded)
        samples[str(code)] = {"fires": [str(x) for x in net.get("fires") or []],
                              "quiet": [str(x) for x in net.get("quiet") or []]}  # fmt: skip
    return Net.from_dict(patterns), problems, samples


def load_net(path: Path = DEFAULT_FILE) -> Net:
    """The net; ``CatalogueError`` with file and line when a pattern is broken."""
    net, problems, _ = read_net(path)
    if problems:
        raise CatalogueError(problems)
    return net
