"""The words every part shares: ticket statuses (with their zh/en names), ratings, languages, request types."""
from typing import Dict, Tuple

# Extended statuses (docs/INTERFACE.md), in the order a ticket moves; Open311's own `status` is
# "open" for all but closed.
STATUSES: Dict[str, Tuple[str, str]] = {
    "received": ("已受理", "received"),
    "dispatched": ("已派单", "dispatched"),
    "in_progress": ("办理中", "in progress"),
    "resolved": ("已办结", "resolved"),
    "closed": ("已关闭", "closed"),
}
# A satisfaction rating (回访) is taken once the city says the work is done.
RATEABLE_STATUSES: Tuple[str, ...] = ("resolved", "closed")

# Satisfaction ratings (满意 / 基本满意 / 不满意), the three the city's 满意率 is counted on.
RATINGS: Dict[str, Tuple[str, str]] = {
    "satisfied": ("满意", "satisfied"),
    "basically_satisfied": ("基本满意", "basically satisfied"),
    "unsatisfied": ("不满意", "unsatisfied"),
}

LANGUAGES: Tuple[str, ...] = ("zh", "en")

# 投诉/求助/举报, 咨询, 建议, 表扬.
REQUEST_TYPES: Tuple[str, ...] = ("complaint", "inquiry", "suggestion", "praise")

# critical: life or property at risk (answered within 2 hours).
URGENCIES: Tuple[str, ...] = ("normal", "critical")


def open311_status(status: str) -> str:
    """Open311's own two-valued status for an extended status."""
    return "closed" if status == "closed" else "open"


def status_words(status: str) -> Tuple[str, str]:
    """(zh, en) for a status; an unknown one (a newer backend's) is shown as it came."""
    return STATUSES.get(status, (status, status))
