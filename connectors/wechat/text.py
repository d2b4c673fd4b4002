"""Bot messages as WeChat text: buttons become numbered options, and a reply "1" goes back as its payload."""
import re
import time
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

# One WeChat text message carries at most 2048 bytes (customer-service API; passive replies alike).
MAX_BYTES = 2048
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def render(message: Dict[str, Any]) -> Tuple[str, List[str]]:
    """The text to send for one Rasa bot message, and the payloads of its numbered options."""
    text = (message.get("text") or "").strip()
    lines = [text] if text else []
    buttons = message.get("buttons") or message.get("quick_replies") or []
    payloads = []
    chinese = bool(_CJK.search(text)) or not text
    for number, button in enumerate(buttons, start=1):
        title = button.get("title") or button.get("payload") or ""
        lines.append(f"回复 {number}:{title}" if chinese else f"Reply {number}: {title}")
        payloads.append(button.get("payload") or title)
    if message.get("image"):
        lines.append(message["image"])
    if message.get("attachment") and isinstance(message["attachment"], str):
        lines.append(message["attachment"])
    return "\n".join(lines), payloads


def fit(texts: List[str], limit: int = MAX_BYTES) -> Tuple[str, List[str]]:
    """Join texts into one message as far as they fit in `limit` bytes; the rest come back separately."""
    joined: List[str] = []
    size = 0
    for index, text in enumerate(texts):
        extra = len(text.encode("utf-8")) + (2 if joined else 0)
        if joined and size + extra > limit:
            return "\n\n".join(joined), texts[index:]
        joined.append(text)
        size += extra
    return "\n\n".join(joined), []


def choice_number(text: str) -> Optional[int]:
    """1 for "1", "１" or " 1 "; None for anything that is not just a small number."""
    cleaned = text.strip().translate(_FULLWIDTH_DIGITS)
    if cleaned.isdigit() and len(cleaned) <= 2:
        return int(cleaned)
    return None


class OptionMemory:
    """The numbered options last shown to each user, kept in this Rasa process's memory.

    Options answer the latest question only, so memory is the right place: an entry lives until
    the user's next message or `ttl` seconds, and a restart merely makes "1" arrive as text "1".
    """

    def __init__(self, ttl: float = 1800.0, max_users: int = 10000):
        self.ttl = ttl
        self.max_users = max_users
        self._options: "OrderedDict[str, Tuple[float, List[str]]]" = OrderedDict()

    def remember(self, user: str, payloads: List[str]) -> None:
        if not payloads:
            return
        self._options[user] = (time.monotonic() + self.ttl, payloads)
        self._options.move_to_end(user)
        while len(self._options) > self.max_users:
            self._options.popitem(last=False)

    def resolve(self, user: str, text: str) -> str:
        """The payload a numbered reply stands for, else the text itself; the user's options end here."""
        expires_at, payloads = self._options.pop(user, (0.0, []))
        number = choice_number(text)
        if number and time.monotonic() < expires_at and 1 <= number <= len(payloads):
            return payloads[number - 1]
        return text
