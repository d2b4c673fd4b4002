"""Checks that moving or regrouping the training data changed no (intent, example) pair.

    .venv/bin/python scripts/check_training_data.py <git ref> <directory at that ref> [<directory now>]

Reads the NLU examples of the directory as it was at the ref (from git) and as it is in the work tree,
both with Rasa's own loader, and compares the two multisets. Exit 0 when they are equal; otherwise
the pairs that appeared or disappeared are printed and the exit code is 1. Used for the move of
nlu_data/ (files by date) to data/ (files by intent family), against the commit before the move:

    .venv/bin/python scripts/check_training_data.py "$(git log -1 --format=%H -- nlu_data)^" nlu_data/nlu data/nlu
"""
import collections
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pairs(directory: Path) -> collections.Counter:
    from rasa.shared.nlu.training_data.loading import load_data

    found = collections.Counter()
    for path in sorted(directory.rglob("*.yml")):
        data = load_data(str(path))
        found.update((m.get("intent"), m.get("text")) for m in data.intent_examples)
    return found


def pairs_at(ref: str, directory: str) -> collections.Counter:
    archive = subprocess.run(["git", "archive", ref, directory], cwd=ROOT, check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(tmp)
        return pairs(Path(tmp) / directory)


def main(ref: str, before: str, now: str) -> int:
    old, new = pairs_at(ref, before), pairs(ROOT / now)
    lost, gained = old - new, new - old
    for (intent, text), n in sorted(lost.items()):
        print(f"lost   {intent}: {text} (x{n})")
    for (intent, text), n in sorted(gained.items()):
        print(f"gained {intent}: {text} (x{n})")
    print(f"{sum(old.values())} pairs at {ref}:{before}, {sum(new.values())} in {now}: {'unchanged' if old == new else 'CHANGED'}")
    return 0 if old == new else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    sys.exit(main(args[0], args[1], args[2] if len(args) == 3 else args[1]))
