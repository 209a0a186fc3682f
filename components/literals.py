"""Which words must a text contain before a regular expression can match it at all?

The emergency net (actions/emergency.py) tries ~380 patterns on every message; each ``search`` walks
the whole text, and patterns like ``\\b(child|kid|...)\\b (\\w+ ){0,2}missing`` cannot be skipped by the
regex engine's own first-character check. Most of them, though, can only match where one of a few
literal strings occurs ("missing", or one of "lost", "cant find", ...). Those strings are read off the
parsed pattern here (the approach of RE2's and Hyperscan's prefilters); a plain substring test (``in``,
a fast C search) then rules a pattern out before the regex engine runs.

Sound by construction: a pattern gets required strings only where every match must contain one of them;
where that cannot be shown (a branch without literals, an optional group, a character class), it gets
``None`` and is always searched. ``tests/unit/test_literals.py`` checks the filtered and the plain search
agree on the net's own samples and the development set.
"""

from __future__ import annotations

import re

try:  # Python ≥ 3.11
    import re._constants as sre_constants  # type: ignore[import-not-found]
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

Factors = frozenset[str] | None  # one of these strings occurs in every match; None: nothing is known

# possessive repeats exist from Python 3.11 on
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)}


def _better(a: Factors, b: Factors) -> Factors:
    """The more selective of two factor sets: longer shortest string, then fewer strings."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda f: (min(map(len, f)), -len(f)))


def _sequence(items: sre_parse.SubPattern | list) -> Factors:  # type: ignore[type-arg]
    best: Factors = None
    run = ""
    for op, argument in items:
        if op is sre_constants.LITERAL:
            run += chr(argument)
            continue
        if run:
            best, run = _better(best, frozenset({run})), ""
        best = _better(best, _element(op, argument))
    return _better(best, frozenset({run}) if run else None)


def _element(op: object, argument: object) -> Factors:
    if op is sre_constants.SUBPATTERN:
        _group, add_flags, _del_flags, items = argument  # type: ignore[misc]
        return None if add_flags & re.IGNORECASE else _sequence(items)
    if op is sre_constants.BRANCH:
        result: set[str] = set()
        for alternative in argument[1]:  # type: ignore[index]
            factors = _sequence(alternative)
            if factors is None:  # this alternative may match without any known literal
                return None
            result |= factors
        return frozenset(result)
    if op in _REPEATS:
        minimum, _maximum, items = argument  # type: ignore[misc]
        return _sequence(items) if minimum >= 1 else None
    return None  # character classes, anchors, look-arounds, back-references: no literal required


def required_literals(pattern: re.Pattern[str]) -> Factors:
    """Strings of which at least one occurs in every match of ``pattern``, or None when unknown."""
    if pattern.flags & re.IGNORECASE:
        return None
    factors = _sequence(sre_parse.parse(pattern.pattern, pattern.flags))
    return None if factors is None or "" in factors else factors


class PatternSet:
    """Patterns tried in order; each skipped where none of its required strings is in the text.

    All patterns' strings are looked up in the text once per call (a set of the ones present), then each
    pattern's own strings are compared with that set. Only strings that start with a pair of characters
    the text has are looked up at all (a message has a few dozen pairs; the net has two thousand strings).
    """

    def __init__(self, patterns: tuple[re.Pattern[str], ...] | list[re.Pattern[str]]):
        self.patterns = tuple(patterns)
        self.factors = tuple(required_literals(p) for p in self.patterns)
        starts: dict[str, list[str]] = {}
        for string in sorted(set().union(*(f for f in self.factors if f is not None))):
            starts.setdefault(string[:2], []).append(string)  # one character for one-character strings
        self.by_start = {start: tuple(strings) for start, strings in starts.items()}

    def present(self, text: str) -> set[str]:
        """The required strings of all patterns that occur in ``text``."""
        starts = {text[i : i + 2] for i in range(len(text) - 1)}
        starts.update(text)
        return {s for start in starts for s in self.by_start.get(start, ()) if s in text}

    def first(self, text: str) -> int | None:
        """The index of the first pattern that matches somewhere in ``text``, or None."""
        present = self.present(text)
        for index, (pattern, factors) in enumerate(zip(self.patterns, self.factors, strict=True)):
            if factors is not None and factors.isdisjoint(present):
                continue
            if pattern.search(text):
                return index
        return None
