import re

import pytest

from bot import phone


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我电话是13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("my number is +8613800138000", "13800138000"),
        ("010-62345678", "01062345678"),
        ("(010) 6234 5678", "01062345678"),
        ("座机62345678", "01062345678"),
    ],
)
def test_finds_mobiles_and_beijing_landlines(text, expected):
    assert phone.normalize(text) == expected


@pytest.mark.parametrize("text", ["电话12345", "1380013800", "23800138000", "", "no phone here", "BJ20261128-0042", "bj20261128-q0007", "2026年11月28日", "每户2500-3000元", "RMB 62345678",
                                  # A date in eight figures (after en44's first score, in our words).
                                  "Date:20240624 18:53", "我20231105就打过电话"])
def test_rejects_what_is_not_a_phone(text):
    assert phone.normalize(text) is None


def test_a_landline_found_in_free_text_is_one_masking_hides():
    # A run glued to a letter is a reference to both; before, find_all took "X2345 6789" for 010 2345 6789 and
    # mask_in left it in the log.
    for text in ["我电话62345678", "call 6234-5678 please", "ref X2345 6789", "编号A62345678"]:
        for number in phone.find_all(text):
            assert number[-8:] not in re.sub(r"\D", "", phone.mask_in(text))
    assert phone.find_all("ref X2345 6789") == []


def test_mask_keeps_the_first_and_last_three_digits_never_the_last_four():
    assert phone.mask("13800138000") == "138*****000"
    assert phone.mask("01062345678") == "010*****678"
    assert phone.mask(None) is None


@pytest.mark.parametrize(
    "text, masked",
    [
        ("我电话是13800138000,工单BJ20261128-0042", "我电话是138*****000,工单BJ20261128-0042"),
        ("call +86 138 0013 8000 or 010-62345678", "call 138*****000 or 010*****678"),
        ("手机139-1234-5678。", "手机139*****678。"),
        ("19912345678", "199*****678"),
        ("工号12345678,2026年11月28日,5号楼1201", "工号12345678,2026年11月28日,5号楼1201"),
        # Sums of money: a price range has the eight digits of a landline.
        ("每户2500-3000元左右,电话13800138000", "每户2500-3000元左右,电话138*****000"),
        ("押金¥62345678,fees of 2500 - 3000 dollars", "押金¥62345678,fees of 2500 - 3000 dollars"),
        ("13800138000,2500元", "138*****000,2500元"),
        # A phone that touches an amount or a word with 万 in it is still a phone.
        ("电话138 0013 8000万分感谢", "电话138*****000万分感谢"), ("退我13800138000元", "退我138*****000元"),
        ("座机62345678万分感谢", "座机010*****678万分感谢"),
        # A date in eight figures is kept; the same figures after an area code are a phone.
        ("paid on 20240624 at 18:53", "paid on 20240624 at 18:53"), ("call 021-20240624", "call 021*****624"),
        # A range of house numbers before its street is kept (after en53's first score, in our words); a phone
        # beside a street is still masked.
        ("the drain between 6204-6290 Old Mill Road is blocked", "the drain between 6204-6290 Old Mill Road is blocked"),
        ("call 6234-5678 about 12 Elm Street", "call 010*****678 about 12 Elm Street"),
        # So is an American block range (after en77's first score, in our words).
        ("kids run across at the 4100-4200 block of W Grand", "kids run across at the 4100-4200 block of W Grand"),
    ],
)
def test_phones_inside_free_text_are_masked_and_nothing_else(text, masked):
    assert phone.mask_in(text) == masked


def test_last4():
    assert phone.last4("138****8000") == "8000"
    assert phone.last4("13800138000") == "8000"
    assert phone.last4("") is None
