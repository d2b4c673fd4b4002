"""Address keys: one place written in different ways gives one key; other places give other keys."""
import pytest

from bot import address

SAME_ZH = [
    ("朝阳区安贞西里四区12号楼门口", "安贞西里4区12号楼", "北京市朝阳区安贞西里四区十二号楼东侧", "安贞西里四区12栋2单元301室"),
    ("海淀区中关村南大街5号院", "中关村南大街五号院门口", "北京海淀区海淀街道中关村南大街5号"),
    ("东城区史家胡同二十号", "史家胡同20号附近"),
    ("西城区什刹海街道鼓楼西大街三十八号", "鼓楼西大街38"),
]
SAME_EN = [
    ("Building 7, Anzhen West Area 2, Chaoyang District", "No. 7 Building, Anzhen West Area 2", "anzhen west area 2 bldg 7, unit 3"),
    ("15 Zhongguancun South Street, Haidian", "No.15 Zhongguancun South St.", "near 15 Zhongguancun South Street, Beijing"),
]
DIFFERENT = [
    ("安贞西里四区12号楼", "安贞西里五区12号楼"),
    ("安贞西里四区12号楼", "安贞西里四区13号楼"),
    ("中关村南大街5号院", "中关村北大街5号院"),
    ("东四六条胡同8号", "东四十条胡同8号"),
    ("Building 7, Anzhen West Area 2", "Building 2, Anzhen West Area 7"),
    ("15 Zhongguancun South Street", "15 Zhongguancun North Street"),
]


@pytest.mark.parametrize("spellings", SAME_ZH + SAME_EN)
def test_one_place_written_differently_gives_one_key(spellings):
    keys = {address.key(s) for s in spellings}
    assert len(keys) == 1 and None not in keys, keys


@pytest.mark.parametrize("one,other", DIFFERENT)
def test_other_places_give_other_keys(one, other):
    assert address.key(one) != address.key(other)


@pytest.mark.parametrize("vague", ["", "朝阳区", "北京市", "门口", "Chaoyang District", "Beijing"])
def test_an_address_naming_no_place_has_no_key(vague):
    assert address.key(vague) is None


def test_the_place_told_to_another_citizen_stops_at_the_building():
    assert address.public_place("朝阳区安贞西里四区12号楼2单元301室") == "朝阳区安贞西里四区12号楼"
    assert address.public_place("Building 7, Anzhen West Area 2, Unit 3, Room 501") == "Building 7, Anzhen West Area 2"
