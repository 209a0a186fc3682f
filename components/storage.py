"""Saving and loading the scikit-learn parts of our components with skops (no pickle).

Loading trusts only scikit-learn, NumPy, SciPy and builtin types: a model file that asks for anything
else was not written by us and is refused with a clear message instead of being executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import skops.io

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


class UntrustedModelError(RuntimeError):
    """The model file contains types we did not write; retrain instead of loading it."""


def dump(state: dict[str, Any], path: Path) -> None:
    skops.io.dump(state, path)


def load(path: Path) -> dict[str, Any]:
    untrusted = skops.io.get_untrusted_types(file=path)
    foreign = [name for name in untrusted if not name.startswith(TRUSTED_PREFIXES)]
    if foreign:
        raise UntrustedModelError(
            f"{path.name} contains types this project never writes ({', '.join(foreign)}); "
            "the model file is foreign or corrupted. Train a new model with `make train`."
        )
    state = skops.io.load(path, trusted=untrusted)
    if not isinstance(state, dict):
        raise UntrustedModelError(f"{path.name} does not hold a Stadtlotse component state; retrain with `make train`.")
    return state
