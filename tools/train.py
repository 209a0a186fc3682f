"""Train the Rasa model only when its inputs changed; otherwise reuse the model trained from them.

The model file is named after a hash of everything training reads (config, domain, NLU data, rules,
custom components, pinned packages), so `make train`, `make run`, `make test` and CI retrain only after a
real change. The reused model is touched so that it is the newest in models/ (the one Rasa serves).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ("config.yml", "domain.yml", "data/rules.yml", "data/emergency.yml", "requirements.lock")
INPUT_GLOBS = ("data/nlu/*.yml", "data/faq/*.yml", "components/*.py", "actions/faq.py", "actions/emergency.py")
KEEP_MODELS = 3  # older models of the same prefix are deleted after a training


def inputs_hash(root: Path = ROOT, config: str = "config.yml") -> str:
    digest = hashlib.sha256()
    files = [root / config] + [root / f for f in INPUTS if f != "config.yml"]
    for pattern in INPUT_GLOBS:
        files += sorted(root.glob(pattern))
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--out", default="models")
    parser.add_argument("--prefix", default="stadtlotse")
    parser.add_argument("--force", action="store_true", help="train even if a model for these inputs exists")
    args = parser.parse_args()

    name = f"{args.prefix}-{inputs_hash(ROOT, args.config)}"
    model = ROOT / args.out / f"{name}.tar.gz"
    if model.exists() and not args.force:
        os.utime(model)
        print(f"Model is up to date: {model.relative_to(ROOT)} (inputs unchanged, no training needed)")
        return 0
    print(f"Training {model.relative_to(ROOT)} ...", flush=True)
    started = time.monotonic()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", args.config, "--out", args.out,
         "--fixed-model-name", name],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    if result.returncode != 0:
        print("Training failed; see the messages above.", file=sys.stderr)
        return result.returncode
    print(f"Trained {model.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    prune(model.parent, args.prefix)
    return 0


def prune(directory: Path, prefix: str) -> None:
    """Keep the newest few models of this prefix; older ones only fill the disk."""
    models = sorted(directory.glob(f"{prefix}-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[KEEP_MODELS:]:
        old.unlink()
        print(f"Removed old model {old.name}")


if __name__ == "__main__":
    sys.exit(main())
