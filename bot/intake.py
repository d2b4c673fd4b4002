"""Pure rules of the intake form: is an address findable, what a first message already says, corrections."""
import re
from typing import Dict, Optional

from bot import phone as phones
from bot.nlu import entities, gazetteer

# What makes a place findable by a field worker: a number, a building, a road, a compound.
_SPECIFIC_ZH = re.compile(r"\d|[一二三四五六七八九十]+[号楼区栋单元]|号|楼|栋|单元|小区|社区|胡同|大街|路|街|巷|村|里|园|苑|院|广场|公园|桥|站|门|市场|商场|医院|学校")
_SPECIFIC_EN = re.compile(r"\d|\b(road|rd|street|st|lane|avenue|ave|building|bldg|compound|community|hutong|park|station|bridge|gate|no\.?|block|garden|village|market|mall|school|hospital)\b", re.I)
_VAGUE = {"北京", "北京市", "家门口", "我家", "家", "这里", "这儿", "附近", "楼下", "门口", "小区", "here", "home", "beijing", "my home", "outside"}
_PLACE_PART = (
    r"(?:\d+号楼|\d+号院|\d+号|\d+栋|\d+单元|[一二三四五六七八九十]+区\d*号楼|[一二三四五六七八九十\d东西南北中]+区"
    r"|小区|社区|胡同|大街|路(?!灯|面|况|过|人|口)|街(?!灯|头)|巷)(?:\d+号(?![楼院]))?"
)
# From the place name to the last part that still reads as address: 学院路20号 + 院3号楼 + 门口.
_ADDRESS_IN_TEXT = re.compile(
    rf"[^\s,,。.!!??]*?{_PLACE_PART}(?:[^\s,,。.!!??]{{0,3}}?{_PLACE_PART})*"
    r"(?:门口|路口|附近|旁边|对面|东门|西门|南门|北门)?"
)


def is_findable(address: str) -> bool:
    text = (address or "").strip()
    if len(text) < 3 or text.lower() in _VAGUE:
        return False
    has_place = gazetteer.mentions_place(text)
    specific = bool(_SPECIFIC_ZH.search(text) or _SPECIFIC_EN.search(text))
    # A district alone ("朝阳区") is not findable; a street/township or a detail is.
    only_district = has_place and all(kind == "district" for *_, kind in gazetteer.find(text))
    return specific or (has_place and not only_district)


def address_in(text: str) -> Optional[str]:
    """The findable address inside a first message, if any: 朝阳区望京西园三区5号楼门口路灯坏了 → 朝阳区望京西园三区5号楼门口."""
    places = gazetteer.find(text or "")
    if not places:
        return None
    start, end = places[0][0], places[0][1]
    if _chinese(text):
        match = _ADDRESS_IN_TEXT.match(text, start)
        candidate = match.group(0) if match else None
    else:
        candidate = _english_address(text, start, end)
    return candidate if candidate and is_findable(candidate) else None


_EN_TOKEN = re.compile(r"No\.\s*\d+|[\w'-]+|,", re.I)
_EN_PLACE_NOUNS = {
    "no", "building", "bldg", "block", "blk", "unit", "area", "zone", "gate", "north", "south", "east", "west",
    "road", "rd", "street", "st", "lane", "avenue", "ave", "compound", "community", "garden", "gardens",
    "village", "park", "station", "bridge", "market", "mall", "school", "hospital", "hutong", "district",
    "entrance", "exit", "floor", "apartment", "apt", "residence", "residential", "estate", "square",
}
_EN_GENERIC = {"area", "zone", "compound", "community", "district", "estate", "residence", "residential"}
_EN_JOINERS = {",", "in", "near", "at", "of", "by", "on"}


def _english_address(text: str, place_start: int, place_end: int) -> Optional[str]:
    """The run of address words around the first place: "the light outside No. 5 Wangjing West Garden,
    Chaoyang is broken" → "No. 5 Wangjing West Garden, Chaoyang". Address words: the place itself,
    numbers, capitalised names, place nouns; joined across "," "in" "near" "of" when both sides are such."""
    tokens = list(_EN_TOKEN.finditer(text))
    inside = [i for i, t in enumerate(tokens) if t.start() >= place_start and t.end() <= place_end]
    if not inside:
        return None

    def is_place(i: int) -> bool:
        word = tokens[i].group(0)
        named = word[:1].isupper() and i > 0 and word != "I"
        return i in inside or named or any(c.isdigit() for c in word) or word.lower() in _EN_PLACE_NOUNS

    def grow(i: int, step: int) -> int:
        while 0 <= i + step < len(tokens):
            nxt = i + step
            if is_place(nxt):
                i = nxt
            elif tokens[nxt].group(0).lower() in _EN_JOINERS and 0 <= nxt + step < len(tokens) and is_place(nxt + step):
                i = nxt + step
            else:
                break
        return i

    first, last = grow(inside[0], -1), grow(inside[-1], 1)
    words = [t.group(0).lower() for t in tokens[first:last + 1]]
    # "our compound in Tongzhou", "in Shuangjing": a whole area, too big to send anyone to.
    if not any(any(c.isdigit() for c in w) or w in _EN_PLACE_NOUNS - _EN_GENERIC for w in words):
        return None
    return text[tokens[first].start():tokens[last].end()].strip(" ,")


def _chinese(text: str) -> bool:
    return entities.language(text) == "zh"


def is_description(text: str) -> bool:
    text = (text or "").strip()
    if _chinese(text):
        return len(re.sub(r"\s", "", text)) >= 4
    return len(text.split()) >= 3


def looks_like_report(text: str) -> bool:
    """A message NLU was unsure of, or took for a detail, that still reads as a problem to file."""
    from bot.nlu import category

    text = (text or "").strip()
    if not is_description(text) or phones.normalize(text) == re.sub(r"\D", "", text):
        return False
    long_enough = len(text) >= 10 if _chinese(text) else len(text.split()) >= 5
    return long_enough and category.predict(text)[1] >= 0.25


def clean_name(text: str) -> Optional[str]:
    text = re.sub(r"^(我叫|我姓|叫我|我是|my name is|call me|i am|i'm)\s*", "", (text or "").strip(), flags=re.I).strip(" .,。,")
    if not text or len(text) > 20 or phones.normalize(text) or re.search(r"\d", text):
        return None
    return text


_CORRECTION_FIELD = (
    ("phone", re.compile(r"电话|手机|号码|phone|number", re.I)),
    ("service_code", re.compile(r"类别|分类|类型|属于|category|department|type", re.I)),
    ("address", re.compile(r"地址|地点|位置|在哪|address|location|place", re.I)),
    ("contact_name", re.compile(r"名字|姓名|称呼|name", re.I)),
    ("description", re.compile(r"描述|内容|description", re.I)),
)
_CORRECTION_LEAD = re.compile(r"^.*?(?:是|为|改成|改为|应该是|is|should be|to)\s*[::]?\s*", re.I)


def correction(text: str) -> Dict[str, str]:
    """What a correction message changes: {"phone": "139…"} or {"address": "…"}; {} when it says nothing new."""
    text = (text or "").strip()
    found = phones.find_all(text)
    if found:
        return {"phone": found[-1]}
    for field, pattern in _CORRECTION_FIELD:
        if pattern.search(text):
            value = _CORRECTION_LEAD.sub("", re.sub(r"^(不对|错了|no|wrong)[,,。.\s]*", "", text, flags=re.I), count=1).strip()
            if value and value != text or field == "service_code":
                return {field: value or text}
    if is_findable(text) and gazetteer.mentions_place(text):
        return {"address": text}
    return {}
