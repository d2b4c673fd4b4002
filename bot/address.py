"""Address keys: two ways of writing one place give one key, so the backend can find a ticket already filed there.

`key("朝阳区望京西园三区5号楼门口") == key("望京西园3区5号楼")`: the city, the district and the subdistrict
(街道/镇/乡) are dropped (the district is compared apart, when both tickets have one), numerals become digits,
the kinds of building (号楼/栋/幢/座) one word, and what is inside a building (单元, 层, 室) or only near it
(门口, 附近, 旁边, 楼下) goes: a dark streetlight at the door of building 5 is one problem however it is told.
A named gate (东门), a lane (七条) and a house number stay. English addresses give a bag of words in which each
number is bound to its noun ("Building 5", "No. 5 Building" → building:5), so the order of the parts does not
matter. Chinese and English spellings of one place give different keys (no transliteration): not matched.
"""
import re
import unicodedata
from functools import lru_cache
from typing import Optional, Tuple

KEY_LIMIT = 255  # the column's width

_NUMERALS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?=[区号楼栋幢座单元层条巷里院排期段街])")
_CITY = re.compile(r"^(中国)?北京市?|^(中国)?北京")
_SUBDISTRICT = re.compile(r"^[\u4e00-\u9fff]{2,6}?(街道办事处|街道|地区办事处|镇|乡)(?=.)")
_INSIDE = re.compile(r"\d+单元(\d+(层|楼(?!\d)|室|号|户))?|\d+(层|室|户)|(?<=号楼)\d+$")
_BUILDING = re.compile(r"(\d+)(号楼|栋|幢|座|楼)")
_COURTYARD = re.compile(r"(\d+)号院")
_NEAR = re.compile(
    r"(门口|门前|大门口|楼下|楼前|楼后|楼底下|附近|旁边|边上|对面|周边|一带|这里|那里|这边|那边|外面|里面|底下|路边|"
    r"东侧|西侧|南侧|北侧|处|旁|内|外|前|后|里)$"
)
_WORDS_DROPPED_ZH = re.compile(r"小区|社区|(?<=条)胡同")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)

_EN_TOKEN = re.compile(r"[a-z]+|\d+")
_EN_SAME = {
    "rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "ln": "lane", "bldg": "building",
    "bld": "building", "blk": "building", "block": "building", "tower": "building", "gdn": "garden", "gardens": "garden",
    "zone": "area", "sec": "section", "n": "north", "s": "south", "e": "east", "w": "west", "middle": "mid",
    "inner": "inner", "outer": "outer",
}
_EN_DROPPED = {
    "beijing", "china", "city", "district", "the", "a", "an", "of", "in", "at", "on", "near", "by", "next", "to",
    "outside", "opposite", "front", "behind", "beside", "around", "across", "from", "entrance", "and", "my", "our",
    "residential", "compound", "community", "estate", "no", "number", "nr",
}
_EN_INSIDE = {"unit", "floor", "fl", "room", "rm", "apt", "apartment", "flat", "door"}
_EN_BINDS = {"building", "area", "gate", "section", "phase", "lane", "alley", "hutong", "yard", "court"}


def key(address: Optional[str]) -> Optional[str]:
    """The comparable form of an address, or None when too little of it is left to name one place."""
    text = unicodedata.normalize("NFKC", address or "").strip().lower()
    if not text:
        return None
    found = _key_zh(text) if re.search(r"[\u4e00-\u9fff]", text) else _key_en(text)
    return found[:KEY_LIMIT] if found else None


def public_place(address: Optional[str]) -> str:
    """The address down to the building, without a flat or a floor: what may be told to another citizen."""
    text = unicodedata.normalize("NFKC", address or "").strip()
    if re.search(r"[\u4e00-\u9fff]", text):
        return re.sub(r"\d+单元.*$|\d+(层|室|户).*$", "", text).strip(" ,,")
    return re.sub(r"(?i)[,\s]*\b(unit|floor|fl|room|rm|apt|apartment|flat)\b\.?\s*\d+\w*", "", text).strip(" ,")


def _key_zh(text: str) -> Optional[str]:
    text = _PUNCT.sub("", text)
    text = _CITY.sub("", text)
    for full, _short in _districts_zh():
        text = text.replace(full, "")
    text = _SUBDISTRICT.sub("", text)  # before the short names: 海淀街道 is a subdistrict, not 海淀 + 街道
    for _full, short in _districts_zh():
        if text.startswith(short):
            text = _SUBDISTRICT.sub("", text[len(short):])
    text = _CN_NUMBER.sub(lambda m: str(_chinese_number(m.group(0))), text)
    text = _WORDS_DROPPED_ZH.sub("", text)
    text = _COURTYARD.sub(r"\1号", text)
    text = _BUILDING.sub(r"\1号楼", text)
    previous = None
    while previous != text:
        previous = text
        text = _NEAR.sub("", text)
        text = _INSIDE.sub("", text)
    if re.search(r"\d$", text):
        text += "号"  # 建国路88 is 建国路88号
    if len(text) < 3 and not re.search(r"\d", text):
        return None
    return "zh:" + text if text else None


def _key_en(text: str) -> Optional[str]:
    words = [_EN_SAME.get(w, w) for w in _EN_TOKEN.findall(text)]
    districts = _districts_en()
    parts, skip, i = [], False, 0
    while i < len(words):
        word = words[i]
        if skip and word.isdigit():
            skip = False
            i += 1
            continue
        skip = word in _EN_INSIDE
        if skip or word in _EN_DROPPED or word in districts:
            i += 1
            continue
        if word.isdigit():
            before = words[i - 1] if i > 0 else ""
            after = words[i + 1] if i + 1 < len(words) else ""
            if before in _EN_BINDS and parts and parts[-1] == before:
                parts[-1] = f"{before}:{int(word)}"
            elif after in _EN_BINDS and not (i + 2 < len(words) and words[i + 2].isdigit()):
                parts.append(f"{after}:{int(word)}")
                i += 1
            else:
                parts.append(f"#{int(word)}")
        else:
            parts.append(word)
        i += 1
    parts = sorted(set(parts))
    if len(parts) < 2:
        return None
    return "en:" + " ".join(parts)


def _chinese_number(numeral: str) -> int:
    if "百" in numeral:
        hundreds, _, rest = numeral.partition("百")
        return _NUMERALS.get(hundreds, 1) * 100 + (_chinese_number(rest.lstrip("零〇")) if rest else 0)
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return _NUMERALS.get(tens, 1) * 10 + _NUMERALS.get(ones, 0)
    return int("".join(str(_NUMERALS[c]) for c in numeral))


@lru_cache(maxsize=1)
def _districts_zh() -> Tuple[Tuple[str, str], ...]:
    from bot.nlu import gazetteer

    return tuple((full, info["short"]) for full, info in gazetteer.data()["districts"].items())


@lru_cache(maxsize=1)
def _districts_en() -> frozenset:
    from bot.nlu import gazetteer

    return frozenset(info["english"].lower() for info in gazetteer.data()["districts"].values())
