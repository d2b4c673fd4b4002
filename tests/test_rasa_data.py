"""The Rasa data itself: validation, and every dialogue flow replayed without a prediction error."""
import subprocess
import sys
from pathlib import Path

import pytest

from bot.stack import MODEL, VENV_BIN

ROOT = Path(__file__).resolve().parent.parent
DATA_ARGS = ["--data", "data", "--domain", "domain.yml"]


# The entity `language` spans each whole message (bot/nlu/language.py): a story cannot write it down beside the
# entities inside the message, so the replay compares every entity but that one.
REPLAY_WITHOUT_LANGUAGE = (
    "import sys; import rasa.core.test as t; clean = t._clean_entity_results; "
    "t._clean_entity_results = lambda text, found: clean(text, [e for e in found if e.get('entity') != 'language']); "
    "from rasa.__main__ import main; main()"
)


def rasa(*args, timeout=600):
    return subprocess.run([str(VENV_BIN / "rasa"), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def replay(*args, timeout=600):
    argv = [str(VENV_BIN / "python"), "-c", REPLAY_WITHOUT_LANGUAGE, *args]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate_is_clean():
    result = rasa("data", "validate", *DATA_ARGS, "--config", "config.yml", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_dialogue_flows_without_prediction_errors(tmp_path):
    """--e2e: the stories' user text goes through the NLU too, intents and entities compared."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train`")
    result = replay(
        "test", "core", "--stories", "tests/stories", "--model", str(MODEL),
        "--e2e", "--fail-on-prediction-errors", "--out", str(tmp_path), "--no-plot",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
