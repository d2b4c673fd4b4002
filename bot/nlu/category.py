"""The service category of a description: a classifier trained on classifier_data/, not a keyword list."""
import threading
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.nlu import tfidf
from bot.settings import ROOT

DATA = ROOT / "classifier_data" / "categories.yml"
_lock = threading.Lock()


def load(path: Path = DATA) -> Tuple[List[str], List[str]]:
    """(texts, codes) from a YAML mapping of service code to example descriptions."""
    table: Dict[str, List[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts, codes = [], []
    for code, examples in table.items():
        texts += examples
        codes += [code] * len(examples)
    return texts, codes


def train(texts: List[str], codes: List[str]):
    model = tfidf.classifier(chars=(1, 3), words=(1, 2))
    model.fit(texts, codes)
    return model


@lru_cache(maxsize=1)
def _model():
    # Trained at first use: a fraction of a second for a few thousand short texts.
    return train(*load())


def predict(text: str) -> Tuple[str, float]:
    """(service_code, confidence) for a citizen's description."""
    with _lock:
        model = _model()
    probabilities = model.predict_proba([text or ""])[0]
    best = probabilities.argmax()
    return str(model.classes_[best]), float(probabilities[best])
