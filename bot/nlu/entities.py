"""Exact entities from rules: places (gazetteer), phones, ticket ids, a rating; and the message's language
(the entity `language`, made by its own component, bot/nlu/language.py).
"""
import re
from functools import lru_cache
from typing import Dict, List, Optional

from bot import phone as phones
from bot.nlu import gazetteer

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Longest first: 不满意 contains 满意. 一般 counts only at the end of a phrase ("一般几点上班" is no rating).
_RATINGS = (
    ("不太满意", "unsatisfied"), ("不是很满意", "unsatisfied"), ("不怎么满意", "unsatisfied"),
    ("不满意", "unsatisfied"), ("很不满意", "unsatisfied"), ("差评", "unsatisfied"),
    ("基本满意", "basically_satisfied"), ("还行", "basically_satisfied"),
    (r"一般(?![\u4e00-\u9fff])", "basically_satisfied"),
    ("非常满意", "satisfied"), ("很满意", "satisfied"), ("满意", "satisfied"),
    ("not very satisfied", "unsatisfied"), ("not really satisfied", "unsatisfied"), ("not satisfied", "unsatisfied"),
    ("unsatisfied", "unsatisfied"), ("dissatisfied", "unsatisfied"),
    ("basically satisfied", "basically_satisfied"), ("somewhat satisfied", "basically_satisfied"),
    ("satisfied", "satisfied"),
)

# A rating word right after one of these says the opposite; 不错 or 没问题 before it do not.
_NEGATED = re.compile(r"(?:没有?|未)(?:得到|拿到|收到|给我?)[^\s,,。!!]{0,2}$|\b(?:wasn'?t|weren'?t|isn'?t|never|not) $")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Chinese in simplified characters ("停電" -> "停电"), other text as it is. Every word list, rule and example
    here is simplified; residents of Hong Kong, Taiwan and abroad, and many others, write traditional characters.
    OpenCC's t2s maps character for character (the same length), so offsets into the text still hold."""
    if not text or not _CJK.search(text):
        return text
    converted = _t2s().convert(text)
    return converted if len(converted) == len(text) else text


def language(text: str) -> Optional[str]:
    """zh or en; None for a message with no words (digits, a phone number), which keeps the last language."""
    if _CJK.search(text or ""):
        return "zh"
    return "en" if re.search(r"[A-Za-z]{2,}", text or "") else None


def extract(text: str) -> List[Dict]:
    """Rasa entity dicts (start, end, value, entity) found in `text`."""
    text = text or ""
    found = []
    districts = set()
    places = gazetteer.find(text)
    named = {district for _s, _e, _matched, district, kind in places if kind == "district"}
    for start, end, _matched, district, _kind in places:
        if named and district not in named:
            continue  # "通州果园环岛": the district the citizen named wins over a street of another one
        if district not in districts:  # 朝阳区望京: one district, named twice
            districts.add(district)
            found.append(_entity("district", district, start, end))
    for match in phones.TICKET_ID.finditer(text):
        value = f"BJ{match.group(1)}-{match.group(2).upper()}"
        found.append(_entity("ticket_id", value, match.start(), match.end()))
    for number in phones.find_all(text):
        span = _span_of_digits(text, number)
        found.append(_entity("phone", number, *span))
    lowered = text.lower()
    for pattern, value in _RATINGS:
        match = re.search(pattern, lowered)
        if match:
            if value != "unsatisfied" and _NEGATED.search(lowered[max(0, match.start() - 10):match.start()]):
                value = "unsatisfied"  # 没得到满意的答复, never got a satisfying answer
            found.append(_entity("rating", value, match.start(), match.end()))
            break
    return found


def _entity(name: str, value: str, start: int, end: int) -> Dict:
    return {"entity": name, "value": value, "start": start, "end": end, "confidence_entity": 1.0}


def _span_of_digits(text: str, number: str):
    """Where a normalized number stands in the raw text, spaces and dashes allowed between its digits."""
    tail = number[-4:]
    pattern = r"[\s\-()]*".join(tail)
    match = re.search(pattern + r"(?!\d)", text)
    if not match:
        return 0, len(text)
    start = match.start()
    digits = len(tail)
    while start > 0 and digits < len(number) + 2 and (text[start - 1].isdigit() or text[start - 1] in " -()+"):
        start -= 1
        digits += text[start].isdigit()
    while text[start] in " -)":  # the walk back may stop on the separator before the number
        start += 1
    return start, match.end()
