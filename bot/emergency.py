"""Emergency numbers by kind of danger; the data lives in faq/emergency.yml."""
from functools import lru_cache
from typing import Dict, List

import yaml

from bot.settings import ROOT

DATA = ROOT / "faq" / "emergency.yml"


@lru_cache(maxsize=1)
def _kinds() -> List[Dict]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))["kinds"]


def advice(text: str, language: str = "zh") -> Dict[str, str]:
    """{"numbers": "119", "safety": "..."} for the first kind whose words the text contains; all numbers otherwise."""
    lowered = (text or "").lower()
    for kind in _kinds():
        if any(word in lowered for word in kind["words"]):
            return {"numbers": kind["numbers"][language], "safety": kind["safety"][language]}
    everything = yaml.safe_load(DATA.read_text(encoding="utf-8"))["unknown"]
    return {"numbers": everything["numbers"][language], "safety": everything["safety"][language]}
