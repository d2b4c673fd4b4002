"""Answers to common city questions from faq/city.yml, found by character-bigram overlap."""
from functools import lru_cache
from typing import List, Optional, Set

import yaml

from bot.settings import ROOT

DATA = ROOT / "faq" / "city.yml"
THRESHOLD = 0.5


def _grams(text: str) -> Set[str]:
    text = "".join(ch for ch in (text or "").lower() if ch.isalnum() or "\u4e00" <= ch <= "\u9fff")
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


@lru_cache(maxsize=1)
def _entries() -> List[dict]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def answer(question: str, language: str = "zh") -> Optional[str]:
    """The answer whose known questions best cover `question`, or None below the threshold."""
    asked = _grams(question)
    best, best_score = None, 0.0
    for entry in _entries():
        for known in entry["questions"]:
            grams = _grams(known)
            score = len(asked & grams) / len(grams)
            if score > best_score:
                best, best_score = entry, score
    if best is None or best_score < THRESHOLD:
        return None
    return best["answer"][language]
