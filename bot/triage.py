"""What a message is, decided from the whole of it and not from the top intent alone.

At 12345 every call becomes a ticket (接诉即办): a message with content is a 诉求 unless it clearly is
something else. The classifier is fit to data written like its benchmark; on real letters, headlines and
311 reports its top intent is often greet, deny, check_status or emergency. So the classifier's
distribution is one input among the message's length, its words and whether it names a ticket.
"""
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

from bot import emergency

REPORTS = ("report_issue", "inquire", "suggest", "praise")  # the four request types of a ticket
CHITCHAT = {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "ask_help", "out_of_scope", "stay_anonymous", "rate"}
# A top intent this sure is what the citizen meant ("好的", "谢谢", "what can you do"), unless the message is a letter.
SURE = 0.8
# Below this a short message is no clear chit-chat: a headline such as "High grass" or "Signage Issue".
UNSURE = 0.6
# The classifier's "emergency" probability from which danger words are believed.
HEARD = 0.0

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|\d+")
_QUESTION = re.compile(
    r"[?？]|吗|什么|怎么|如何|能不能|可不可以|是不是|哪里|哪儿|为什么|多少|几点|"
    r"^(how|what|who|why|when|where|can|could|do|does|is|are|will|would)\b",
    re.I,
)
_PROGRESS = re.compile(
    r"进度|进展|办得|处理得|怎么样了|办好了|办完|有结果|结果|回复了|答复了吗|查询|查一下|查查|到哪|"
    r"\bstatus\b|progress|any news|update on|how('s| is) (my|the) (ticket|report|request|complaint)|what happened (to|with) my",
    re.I,
)
_CANCEL = re.compile(r"算了|不办了|取消|不用了|不要了|不报了|不登记|撤销|撤回|别登记|\bcancel|\bstop\b|never ?mind|forget (it|about it)|\bquit\b|\babort", re.I)
_HUMAN = re.compile(r"人工|真人|客服|话务员|接线员|\bhuman\b|operator|\bagent\b|real person|someone real", re.I)
# "我想反映个问题", "I'd like to report a problem": a report announced, with nothing said yet.
_ANNOUNCE_ZH = re.compile(
    r"^(您好|你好)?[,，。!！\s]*(我|我们)?(想|要|需要|想要|来)?(反映|投诉|举报|报告|反馈|咨询|建议|表扬|提|说|问)(一)?(个|一下|下)?"
    r"(问题|事情|事儿|事|情况|意见|建议)?[吧呀啊。.!！\s]*$"
)
_ANNOUNCE_EN = re.compile(
    r"^(hi|hello)?[,.!\s]*(i('d| would)? (like|want|need) to|can i|could i|i('m| am) (here|writing) to|i wanna)\s+"
    r"(report|file|make|lodge|submit|raise|ask|suggest)\s*(a|an|some)?\s*"
    r"(problem|issue|complaint|report|something|question|suggestion)?( here| please| with you)?[.!\s]*$",
    re.I,
)
_ANNOUNCED_TYPE = (
    (re.compile(r"反映|投诉|举报|报告|反馈|report|complain", re.I), "report_issue"),
    (re.compile(r"咨询|想问|\bask\b|question", re.I), "inquire"),
    (re.compile(r"建议|suggest", re.I), "suggest"),
    (re.compile(r"表扬|praise", re.I), "praise"),
)
# A request type other than complaint needs its own words: the classifier filed complaints as praise
# because of a polite "尊敬的领导" or "thank you for your help" at the end.
_TYPE_WORDS = {
    "praise": re.compile(r"表扬|点赞|赞扬|感谢.{0,12}(师傅|人员|工人|民警|医生|社区|部门|同志)|锦旗|好评|praise|compliment|great job|kudos|shout.?out|well done", re.I),
    "suggest": re.compile(r"建议|希望(能|可以)?(增加|增设|设置|安装|开通|延长|改善)|能不能(增加|设置|开通)|应该|suggest|propos|recommend|should|would be (nice|great|good)|please (add|install|consider)", re.I),
    "inquire": re.compile(_QUESTION.pattern + r"|咨询|请问|了解一下|想知道|政策|inquir|wonder|policy", re.I),
}


@dataclass(frozen=True)
class Decision:
    intent: str
    reason: str
    urgent: bool = False  # unsure whether there is danger now: the numbers are shown and the ticket is urgent


def size(text: str) -> int:
    """Chinese characters, or else words: how much a message says."""
    han = len(_CJK.findall(text))
    return han if han >= 2 else len(_WORD.findall(text))


def announces_report(text: str) -> Optional[str]:
    """The request type of a message that only announces one ("我想反映个问题"), else None."""
    text = (text or "").strip()
    if not (_ANNOUNCE_ZH.match(text) or _ANNOUNCE_EN.match(text)):
        return None
    for pattern, intent in _ANNOUNCED_TYPE:
        if pattern.search(text):
            return intent
    return "report_issue"


def _chinese(text: str) -> bool:
    return len(_CJK.findall(text)) >= 2


def _substantive(text: str) -> bool:
    return size(text) >= (12 if _chinese(text) else 6)


def _letter(text: str) -> bool:
    return size(text) >= (40 if _chinese(text) else 20)


def _headline(text: str) -> bool:
    n = size(text)
    low, high = (6, 11) if _chinese(text) else (2, 5)
    return low <= n <= high and not _QUESTION.search(text)


def request_type_fits(intent: str, text: str) -> bool:
    """Praise, a suggestion and an inquiry each need words of their kind; a complaint needs none."""
    words = _TYPE_WORDS.get(intent)
    return words is None or bool(words.search(text))


def _best_report(ranking: List[Dict], text: str) -> str:
    for r in ranking:
        if r.get("name") in REPORTS and request_type_fits(r["name"], text):
            return r["name"]
    return "report_issue"


def route(text: str, ranking: List[Dict], has_ticket_id: bool = False) -> Decision:
    """The intent to act on. `ranking`: the classifier's intents, most likely first."""
    text = (text or "").strip()
    top = ranking[0]["name"] if ranking else "nlu_fallback"
    confidence = float(ranking[0].get("confidence", 0.0)) if ranking else 0.0

    announced = announces_report(text)
    if announced:
        return Decision(announced, "announced")
    heard = next((float(r.get("confidence", 0.0)) for r in ranking if r.get("name") == "emergency"), 0.0)
    if emergency.danger_now(text):
        if heard >= HEARD:
            return Decision("emergency", "danger now")
        # Danger words the classifier does not hear ("楼道堆满杂物有火灾隐患"): numbers shown, filed as urgent.
        return Decision(_best_report(ranking, text), "danger words", urgent=True)
    if top == "emergency":
        if confidence >= 0.5 and emergency.person_at_risk(text):
            return Decision("emergency", "a person at risk")
        # The classifier hears danger but the words name none (a leaking fire hydrant, a collapsed
        # sidewalk): file it as urgent and show the numbers, never a dead end.
        return Decision(_best_report(ranking[1:], text), "emergency unsure", urgent=True)
    rejected = False  # the classifier named a narrow intent that the words do not bear out
    if top == "check_status":
        if has_ticket_id or (_PROGRESS.search(text) and not _letter(text)):
            return Decision(top, "status")
        rejected = True
    elif top == "cancel":
        if _CANCEL.search(text) and not _letter(text):
            return Decision(top, "cancel")
        rejected = True
    elif top == "request_human":
        if _HUMAN.search(text) and not _letter(text):
            return Decision(top, "human")
        rejected = True
    elif top in REPORTS:
        return Decision(top if request_type_fits(top, text) else _best_report(ranking, text), "classifier")
    elif top in CHITCHAT or top in ("inform", "nlu_fallback"):
        clear = top != "nlu_fallback" and confidence >= SURE
        if clear and not _letter(text):
            return Decision(top, "clear")
        if top == "inform" and not _substantive(text):
            return Decision(top, "detail")  # a place, a name, a phone: the form's business
        # Answers to the form's own questions ("不方便说", "yes", "满意") are never read as headlines.
        answer = top in ("stay_anonymous", "rate", "affirm", "deny")
        if not _substantive(text) and (answer or not (_headline(text) and confidence < UNSURE)):
            return Decision(top, "short")
    else:
        return Decision(top, "other")
    if _substantive(text) or (_headline(text) and (rejected or confidence < UNSURE)):
        return Decision(_best_report(ranking, text), "content")
    return Decision(top, "short")
