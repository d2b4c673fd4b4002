"""The city's service catalogue: Open311 service codes and responsible agencies (docs/INTERFACE.md)."""
import re
from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Service:
    code: str
    name_zh: str
    name_en: str
    agency: str
    agency_en: str
    # Utilities that leave a household without water, power, gas or heat are promised
    # an answer within a day rather than a week (12345 response rules).
    utility: bool = False


SERVICES: Tuple[Service, ...] = (
    Service("noise", "噪声扰民", "noise", "生态环境局", "Bureau of Ecology and Environment"),
    Service("streetlight", "路灯照明", "street lighting", "城市管理委员会", "Commission of Urban Management"),
    Service("road", "道路设施", "roads, sidewalks, manholes", "交通委员会", "Transport Commission"),
    Service("sanitation", "环境卫生", "garbage, littering, public toilets", "城市管理委员会", "Commission of Urban Management"),
    Service("water", "供水排水", "water supply, drainage", "水务局", "Water Authority", utility=True),
    Service("heating", "供暖", "heating", "城市管理委员会", "Commission of Urban Management", utility=True),
    Service("power_gas", "供电燃气", "power, gas (not emergencies)", "城市管理委员会", "Commission of Urban Management", utility=True),
    Service("traffic", "交通出行", "parking, signals, buses", "交通委员会", "Transport Commission"),
    Service("property", "物业管理", "property management, elevators", "住房和城乡建设委员会", "Commission of Housing and Urban-Rural Development"),
    Service("market", "市场监管", "consumer rights, food safety, prices", "市场监督管理局", "Administration for Market Regulation"),
    Service("greenery", "园林绿化", "trees, parks", "园林绿化局", "Bureau of Landscape and Forestry"),
    Service("construction", "违法建设", "illegal construction", "规划和自然资源委员会", "Commission of Planning and Natural Resources"),
    Service("labor", "劳动保障", "wages, social insurance", "人力资源和社会保障局", "Bureau of Human Resources and Social Security"),
    Service("other", "其他", "anything else", "12345 热线分中心", "12345 Hotline Sub-centre"),
)

BY_CODE: Dict[str, Service] = {s.code: s for s in SERVICES}
CODES: Tuple[str, ...] = tuple(BY_CODE)


def get(code: str) -> Service:
    """The service for `code`, falling back to `other` for an unknown code."""
    return BY_CODE.get(code, BY_CODE["other"])


# "其他" and "other" are in too many sentences to name a service by themselves; only the whole category
# statement does (the payload of none_of_these()).
_NAMES_OTHER = re.compile(r"\s*(?:类别|分类)(?:是|为|:|：)\s*其他\s*|\s*(?:the )?category is other\s*", re.I)


def named_in(text: str) -> "str | None":
    """The service a citizen names outright ("是物业问题", "category is noise", "类别是其他"), or None."""
    lowered = (text or "").lower()
    for service in SERVICES:
        if service.code == "other":
            continue
        words = [service.name_zh, service.name_zh[:2], service.code.replace("_", " ")] + service.name_en.split(", ")
        if any(word and word.lower() in lowered for word in words):
            return service.code
    return "other" if _NAMES_OTHER.fullmatch(lowered) else None


def choice(code: str, lang: str) -> Dict[str, str]:
    """A button that sets the category. Its payload is the words a citizen would type (named_in reads them), so a
    tap can do nothing that typing cannot."""
    service = get(code)
    if lang == "en":
        return {"title": service.name_en, "payload": f"the category is {service.code.replace('_', ' ')}"}
    return {"title": service.name_zh, "payload": f"类别是{service.name_zh}"}


def none_of_these(lang: str) -> Dict[str, str]:
    """The last button of the whole list: no department fits, so the hotline's sub-centre routes it by hand,
    which is better than a department that will send it back."""
    if lang == "en":
        return {"title": "None of these (the hotline routes it)", "payload": "the category is other"}
    return {"title": "都不是(由热线分派)", "payload": "类别是其他"}


def more_choices(lang: str) -> Dict[str, str]:
    """A button for "none of these": the citizen's own words for it, which bring every category to choose from."""
    if lang == "en":
        return {"title": "Another category…", "payload": "wrong category"}
    return {"title": "其他类别…", "payload": "类别不对"}
