"""The load bench's conversations and what counts as a right reply (imported by the locustfile and by bench_load)."""
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

CONVERSATIONS = Path(__file__).resolve().parent / "conversations.yml"
TICKET = r"BJ\d{8}-\d{4}"

# Fragments of the domain's responses (domain.yml) and of the stock bot's, zh or en.
REPLIES: Dict[str, str] = {
    "greet": r"12345市民服务热线|12345 citizen service hotline",
    "ask_address": r"具体地点在哪里|Where is it\?",
    "ask_name": r"怎么称呼您|How may we address you",  # also the name-and-phone question (no phone known yet)
    "ask_phone": r"请留一个联系电话|Which phone number can the city reach you",
    "summary": r"提交前请核对|Please check before I file it",
    "filed": rf"工单号 {TICKET}|ticket number is {TICKET}",
    "status": r"^(工单|Ticket) {ticket}",
    "stock_greet": r"^Hey! How are you\?",
    "stock_cheer_up": r"Here is something to cheer you up",
    "stock_happy": r"^Great, carry on!",
    "stock_bot": r"^I am a bot, powered by Rasa\.",
    "stock_goodbye": r"^Bye",
}
# Replies that are not the expected one but say what went wrong, named in the error counts.
KNOWN_WRONG: Dict[str, str] = {
    "queued": r"受理编号是|your reference is",
    "invalid_description": r"麻烦再具体说一下|Could you tell me a bit more",
    "invalid_address": r"这个地点还不够具体|I need a place the staff can find",
    "invalid_name": r"请告诉我一个称呼就好|Please just give a name",
    "invalid_phone": r"这个号码好像不对|does not look like a phone number",
    "offer_human": r"不好意思让您费心了|Sorry this is taking long",
    "status_unavailable": r"派单系统暂时无法查询|not answering right now",
    "status_unknown": r"没有查到工单|I can't find ticket",
}

Turn = Tuple[str, str]


def load(mix: str, path: Path = CONVERSATIONS) -> List[List[Turn]]:
    """The conversations of a mix: "zh" (the Chinese filing mix), "mixed" (zh and en alternating) or "stock"."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # every message a string
    if mix == "mixed":
        zh, en = data["zh"], data["en"]
        return [c for pair in zip(zh, en * len(zh)) for c in pair]
    return data[mix]


def check(expected: str, messages: List[dict], ticket: Optional[str] = None) -> Tuple[bool, str, Optional[str]]:
    """(right, what the reply was, ticket number it gave); a reply is a list of Rasa REST messages."""
    text = "\n".join(m.get("text") or "" for m in messages if isinstance(m, dict))
    if not text.strip():
        return False, "empty", None
    pattern = REPLIES[expected].replace("{ticket}", re.escape(ticket or "-"))
    if re.search(pattern, text):
        found = re.search(TICKET, text) if expected == "filed" else None
        return True, expected, found.group(0) if found else ticket
    return False, kind_of(text), None


def kind_of(text: str) -> str:
    for name, pattern in {**KNOWN_WRONG, **REPLIES}.items():
        if "{ticket}" not in pattern and re.search(pattern, text):
            return name
    return "other"

