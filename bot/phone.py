"""Citizens' phone numbers: find, normalize, mask. Mainland mobiles and Beijing landlines."""
import re
from typing import List, Optional, Tuple

import phonenumbers

REGION = "CN"
# Ticket ids hold eight digits that libphonenumber would take for a Beijing landline. Citizens type
# them with a space or a full-width dash too: "BJ 20261128－0042".
TICKET_ID = re.compile(r"(?<![A-Za-z0-9])BJ\s?(\d{8})\s?[-－–—]\s?(Q?\d{4,})(?!\d)", re.IGNORECASE)
# Numbers that a word in front says are no phone: staff numbers, order numbers, ids, plates.
_LABELLED_NUMBER = re.compile(
    r"(工号|编号|单号|订单号?|身份证号?|车牌号?|\bID|\bNo\.?|#)\s*[:：]?\s*[A-Za-z]?\d[\d\s-]*", re.IGNORECASE
)

# Sums of money are no phone: "每户2500-3000元" is eight digits a landline could have, "¥6,500", "RMB 3000".
_AMOUNT = r"(?:\d{1,3}(?:,\d{3}){1,2}|\d{1,9})(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?:[¥￥$£€]|\bRMB|\bCNY)\s*{_AMOUNT}(?:\s*[-~～到至]\s*{_AMOUNT})?|"
    rf"(?<![\d.,]){_AMOUNT}(?:\s*[-~～到至]\s*{_AMOUNT})?\s*(?:多|余)?\s*"
    r"(?:元|块|万(?!分)|角|%|％|\b(?:yuan|rmb|dollars?|pounds?|euros?)\b)",
    re.IGNORECASE,
)


# A date written as eight figures ("Date:20240624" on a meter's receipt, "我20240624就报过了") has a Beijing landline's
# shape: it was masked in the description and could be taken as the citizen's phone. After an area code it is a number.
_DATE = re.compile(r"(?<![\d-])(?<!\d\s)(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?![\d-])")


# A range of house numbers before its street has a Beijing landline's shape too: "between 8924-8931 Hawbottom Road" was
# masked in the description and taken for the citizen's phone (after en53's first score). So has an American block
# range: "Pedestrians cross at the 3300-3400 block of E Martin Luther King" (after en77's).
_HOUSE_NUMBERS = re.compile(
    r"(?<![\d-])\d{2,5}\s*[-–]\s*\d{2,5}(?=,?\s+(?:[A-Z][\w'.-]*\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Drive|Dr|"
    r"Pike|Way|Court|Ct|Boulevard|Blvd|Place|Pl|Terrace|Terr|Highway|Hwy|Circle|Cir|Parkway|Pkwy)\b|\s+blocks?\b)"
)


def _not_phones(text: str) -> str:
    """`text` with ticket ids, labelled numbers, dates and house numbers blanked by as many spaces (the same offsets)."""
    for pattern in (TICKET_ID, _LABELLED_NUMBER, _DATE, _HOUSE_NUMBERS):
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def _not_money(text: str, spans: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """The spans that lie inside no sum of money. An amount has at most nine digits, so a mobile is never one, and a
    phone that only touches an amount ("电话138 0013 8000万分感谢") is still a phone, and is masked."""
    money = [m.span() for m in _MONEY.finditer(text)]
    return [(a, b) for a, b in spans if not any(start <= a and b <= end for start, end in money)]


def normalize(text: str) -> Optional[str]:
    """The national number as digits (13800138000, 01062345678), or None if `text` is not a valid phone."""
    found = find_all(text)
    return found[0] if found else None


def find_all(text: str) -> List[str]:
    """Every valid phone number in free text, normalized, in order of appearance."""
    text = _not_phones(text or "")
    results = []
    matches = {(m.start, m.end): m for m in phonenumbers.PhoneNumberMatcher(text, REGION, leniency=phonenumbers.Leniency.VALID)}
    for span in _not_money(text, list(matches)):
        number = _national(matches[span].number)
        if number and number not in results:
            results.append(number)
    if not results:
        # A Beijing landline written without its area code (62345678) is valid to a citizen, not to libphonenumber.
        # The same pattern as mask_in's, so every number found here is one that masking hides.
        local = [m.span() for m in _LANDLINE_LOCAL.finditer(text)]
        for a, b in _not_money(text, local):
            number = _parse("010" + re.sub(r"\D", "", text[a:b]))
            if number and number not in results:
                results.append(number)
    return results


def _parse(text: str) -> Optional[str]:
    try:
        parsed = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    return _national(parsed) if phonenumbers.is_valid_number(parsed) else None


def _national(number: "phonenumbers.PhoneNumber") -> Optional[str]:
    if number.country_code != 86:
        return None
    digits = str(number.national_number)
    kind = phonenumbers.number_type(number)
    if kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE) and len(digits) == 11:
        return digits
    return "0" + digits  # landlines keep their trunk prefix: 010...


def mask(phone: Optional[str]) -> Optional[str]:
    """138*****000: the first three and last three digits (docs/INTERFACE.md).

    Never the last four: they are the secret a caller proves a ticket is theirs with.
    """
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 6) + digits[-3:]


# Any run that looks like a mobile number is masked in free text, valid or not: a reader
# cannot tell a real number from one libphonenumber's metadata does not know yet.
_MOBILE_LIKE = re.compile(r"(?<![A-Za-z0-9])1[3-9]\d(?:[\s-]?\d){8}(?![A-Za-z0-9])")
_LANDLINE_LOCAL = re.compile(r"(?<![A-Za-z0-9])[2-9]\d{3}[\s-]?\d{4}(?![A-Za-z0-9])")


def mask_in(text: Optional[str]) -> Optional[str]:
    """Free text (a description, a staff note) with every phone number in it masked as `mask` does."""
    if not text:
        return text
    blank = _not_phones(text)  # the spans found stay those of `text`
    spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(blank, REGION, leniency=phonenumbers.Leniency.VALID)]
    spans += [m.span() for m in _MOBILE_LIKE.finditer(blank)]
    spans += [m.span() for m in _LANDLINE_LOCAL.finditer(blank)]
    spans = _not_money(blank, spans)
    out, end = [], 0
    for start, stop in sorted(spans):
        if start < end:
            continue  # overlaps a span already masked
        out.append(text[end:start])
        out.append(mask(normalize(text[start:stop]) or text[start:stop]) or "")
        end = stop
    out.append(text[end:])
    return "".join(out)


def last4(phone: Optional[str]) -> Optional[str]:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else None
