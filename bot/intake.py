"""Pure rules of the intake form: is an address findable, what a first message already says, corrections."""
import re
from typing import Dict, Optional

from bot import phone as phones
from bot import services, triage
from bot.nlu import entities, gazetteer

# The backend takes descriptions up to this many characters; longer ones are refused at filing, so the
# citizen is told on the first turn. The NLU reads only the first MAX_READ (bot/nlu/components.py).
MAX_DESCRIPTION = 10000
MAX_READ = 1000

# What makes a place findable by a field worker: a number, a building, a road, a compound.
_SPECIFIC_ZH = re.compile(r"\d|[一二三四五六七八九十]+[号楼区栋单元]|号|楼|栋|单元|小区|社区|胡同|大街|路|街|巷|村|里|园|苑|院|广场|公园|桥|站|门|市场|商场|医院|学校")
_SPECIFIC_EN = re.compile(r"\d|\b(road|rd|street|st|lane|avenue|ave|building|bldg|compound|community|hutong|park|station|bridge|gate|no\.?|block|garden|village|market|mall|school|hospital)\b", re.I)
_VAGUE = {"北京", "北京市", "家门口", "我家", "家", "这里", "这儿", "附近", "楼下", "门口", "小区", "here", "home", "beijing", "my home", "outside"}
_PLACE_PART = (
    r"(?:\d+号楼|\d+号院|\d+号|\d+栋|\d+单元|[一二三四五六七八九十]+区\d*号楼|[一二三四五六七八九十\d东西南北中]+区"
    r"|街道|小区|社区|花园|家园|公寓|大厦|苑|胡同|大街|路(?!灯|面|况|过|人|口)|街(?!灯|头)|巷|[乡镇](?![长政])|村(?!民|委))(?:\d+号(?![楼院]))?"
)
# From the place name to the last part that still reads as address: 学院路20号 + 院3号楼 + 门口.
_ADDRESS_IN_TEXT = re.compile(
    rf"[^\s,,。.!!??]*?{_PLACE_PART}(?:[^\s,,。.!!??]{{0,3}}?{_PLACE_PART})*"
    r"(?:门口|路口|附近|旁边|对面|东门|西门|南门|北门)?"
)


# English place nouns count only with a name or a number: "Jianguo Road", "Building 3"; not "my road".
_NAMED_EN = re.compile(
    r"\b(?!(?:My|Our|The|This|That|His|Her|Their|A|An)\b)[A-Z][\w'-]*\s+(?i:road|rd|street|st|lane|avenue|ave|"
    r"building|bldg|compound|community|hutong|park|station|bridge|gate|block|garden|gardens|village|market|mall|"
    r"school|hospital|residence|apartments?|estate|square)\b|\d"
)
# "我家那条路", "马路边", "小区里": a kind of place, not one a field worker can find.
_VAGUE_ZH = re.compile(r"^(在)?(我家|我们家|我们|咱们|家)?(那条|这条|门口的?|旁边的?|附近的?)?(马路|路|街|小区|楼|楼道|路口|路边)(上|里|边|旁边|附近)?$")


# A junction or corner of named streets: "Corner of Mount Pleasant, Cambridge", "Fruitvale Ave. and Lyon Ave.".
_JUNCTION_EN = re.compile(
    r"\b(?i:corner|junction|intersection|crossroads?)\s+(?:of|with)\s+[A-Z]|\b[A-Z][\w'-]*\s+(?i:roundabout|junction|crossing)\b"
)


def is_findable(address: str) -> bool:
    text = entities.simplified((address or "").strip())
    if len(text) < 3 or text.lower() in _VAGUE or _VAGUE_ZH.match(text):
        return False
    has_place = gazetteer.mentions_place(text)
    english = not _chinese(text)
    specific = bool(_NAMED_EN.search(text) or _JUNCTION_EN.search(text)) if english else bool(_SPECIFIC_ZH.search(text))
    # A district alone ("朝阳区") is not findable; a street/township or a detail is.
    only_district = has_place and all(kind == "district" for *_, kind in gazetteer.find(text))
    return specific or (has_place and not only_district)


def address_in(text: str) -> Optional[str]:
    """The findable address inside a first message, if any: 朝阳区望京西园三区5号楼门口路灯坏了 → 朝阳区望京西园三区5号楼门口."""
    written, text = text or "", entities.simplified(text or "")
    places = gazetteer.find(text)
    if not places:
        return None
    start, end = places[0][0], places[0][1]
    if _chinese(text):
        match = _ADDRESS_IN_TEXT.match(text, start)
        candidate = written[match.start():match.end()] if match else None  # as written: simplified has the same offsets
    else:
        candidate = _english_address(text, start, end)
    return candidate if candidate and is_findable(candidate) else None


_EN_TOKEN = re.compile(r"No\.\s*\d+|[\w'-]+|,", re.I)
_EN_PLACE_NOUNS = {
    "no", "building", "bldg", "block", "blk", "unit", "area", "zone", "gate", "north", "south", "east", "west",
    "road", "rd", "street", "st", "lane", "avenue", "ave", "compound", "community", "garden", "gardens",
    "village", "park", "station", "bridge", "market", "mall", "school", "hospital", "hutong", "district",
    "entrance", "exit", "floor", "apartment", "apt", "residence", "residential", "estate", "square",
}
_EN_GENERIC = {"area", "zone", "compound", "community", "district", "estate", "residence", "residential"}
_EN_JOINERS = {",", "in", "near", "at", "of", "by", "on"}


def _english_address(text: str, place_start: int, place_end: int) -> Optional[str]:
    """The run of address words around the first place: "the light outside No. 5 Wangjing West Garden,
    Chaoyang is broken" → "No. 5 Wangjing West Garden, Chaoyang". Address words: the place itself,
    numbers, capitalised names, place nouns; joined across "," "in" "near" "of" when both sides are such."""
    tokens = list(_EN_TOKEN.finditer(text))
    inside = [i for i, t in enumerate(tokens) if t.start() >= place_start and t.end() <= place_end]
    if not inside:
        return None

    def is_place(i: int) -> bool:
        word = tokens[i].group(0)
        named = word[:1].isupper() and i > 0 and word != "I"
        return i in inside or named or any(c.isdigit() for c in word) or word.lower() in _EN_PLACE_NOUNS

    def grow(i: int, step: int) -> int:
        while 0 <= i + step < len(tokens):
            nxt = i + step
            if is_place(nxt):
                i = nxt
            elif tokens[nxt].group(0).lower() in _EN_JOINERS and 0 <= nxt + step < len(tokens) and is_place(nxt + step):
                i = nxt + step
            else:
                break
        return i

    first, last = grow(inside[0], -1), grow(inside[-1], 1)
    words = [t.group(0).lower() for t in tokens[first:last + 1]]
    # "our compound in Tongzhou", "in Shuangjing": a whole area, too big to send anyone to.
    if not any(any(c.isdigit() for c in w) or w in _EN_PLACE_NOUNS - _EN_GENERIC for w in words):
        return None
    return text[tokens[first].start():tokens[last].end()].strip(" ,")


# Words that say where and nothing else, around an address: "南门口", "outside", "south east corner of" (in English,
# with the place nouns and joiners of _english_address).
_WHERE_ZH = re.compile(r"[在于到]|这里|这儿|那里|那儿|附近|旁边|对面|门口|路口|[东南西北]侧|的|[\s,,。.!!、;;]")
_WHERE_EN = {
    "corner", "junction", "intersection", "crossroads", "crossing", "roundabout", "outside", "opposite", "near",
    "behind", "between", "beside", "next", "to", "the", "and", "&", "side", "end", "top", "bottom", "off", "just",
    "past", "turning", "left", "right", "towards", "into", "with", "from", "up", "down", "along", "-",
} | _EN_JOINERS | _EN_PLACE_NOUNS


def only_a_place(text: str) -> Optional[str]:
    """The place, when a message says where and nothing else ("朝阳区望京西园三区5号楼", "Corner of Fruitvale Ave. and
    Lyon Ave."): a citizen who starts with where will say what next. The form opens with the address and asks what
    happened, rather than filing the place as the description or, unsure of its subject, answering with help."""
    text = (text or "").strip()
    if not text or len(text) > 120 or triage.is_question(text) or phones.find_all(text):
        return None
    if triage.names_a_problem(text) or triage.headline_names_a_problem(text):
        return None
    if _chinese(text):
        address = address_in(text)
        rest = _WHERE_ZH.sub("", text.replace(address, "", 1)) if address else text
        return address if address and not rest else None
    return _english_place(text)


def _english_place(text: str) -> Optional[str]:
    words = re.findall(r"[\w'-]+|&", text)

    def says_where(i: int) -> bool:
        word, after = words[i], words[i + 1] if i + 1 < len(words) else ""
        # A sentence's first word has its capital anyway: a name only before a name or a place noun ("Jianguo Road").
        named = word[:1].isupper() and word != "I" and (i > 0 or after[:1].isupper() or after.lower() in _EN_PLACE_NOUNS)
        return named or any(c.isdigit() for c in word) or word.lower() in _WHERE_EN

    lettered = any(word.isalpha() for word in words)  # not "5/5" or "886"
    if text.isupper() or not lettered or triage.asks_for_work(text):
        return None
    if not all(says_where(i) for i in range(len(words))) or not is_findable(text):
        return None
    # Capitals mark names, except in a title ("Streetlight Out - New Square Cambridge"), which may say what too:
    # a title is a place only when it reads as no report.
    title = all(word[:1].isupper() for word in words if len(word) > 3)
    return None if title and looks_like_report(text) else text.strip(" .,;")


def _chinese(text: str) -> bool:
    return entities.language(text) == "zh"


def too_long(text: str) -> bool:
    return len((text or "").strip()) > MAX_DESCRIPTION


def is_description(text: str) -> bool:
    """Says what happened: long enough, and more than the announcement of a report ("我想反映个问题")."""
    text = (text or "").strip()
    if triage.announces_report(text):
        return False
    if _chinese(text):
        return len(re.sub(r"\s", "", text)) >= 4
    return len(text.split()) >= 3


def asks_for_help(text: str) -> bool:
    """A help request that is one: words about using the bot, or a short question. At the description question
    the classifier hears "help" in answers too ("House having this problem for some time", a long "为什么还要我
    付1000元?" about a shop), and asking again loops."""
    text = text or ""
    short = triage.size(text) < (12 if _chinese(text) else 7)
    return triage.about_the_bot(text) or (short and triage.is_question(text) and not triage.asks_when_mended(text))


# How sure the category model must be of a short message's subject for it to name a problem: above every
# stray detail and bare yes or no we tried (0.43 at most: "not really"; 34 of them), below the headlines ("No
# street lighting" 0.87, "没有路灯" 0.72, "No hot water" 0.67). With the catalogs in the category model, 70 of
# the 115 real English headlines of the sets already seen reach it (52 reached 0.4 without them).
NAMES_A_SERVICE = 0.45
# A remark about the citizen's own details names a service only when the classifier is surer (see _OWN_DETAILS).
DETAILS_NAME_A_SERVICE = 0.5


# A citizen's own details: their name, their number, staying anonymous, the address they gave (corrected out of any
# form, "the address is not correct", "not quite, the district is wrong": stop 39's bench chitchat). The residents'
# texts filed under `other` (papers, ID cards, a lost phone) taught the classifier that these words name a matter, and
# "I'd rather not give my name", "no, my number is different", out of any form, read as reports at 0.34-0.49 (bench
# chitchat's first run: 21 of the held-out messages that are no report). Only in a short message with no problem
# word, whose likeliest service is `other` ("Bin not collected, my number is …" names its service) or is read unsure
# (below DETAILS_NAME_A_SERVICE: en44's electricity posts full of meter and account numbers made "no, that number is not
# mine" power_gas at 0.40, and stop 43's examples 0.453; the real sets' short texts with these words that name a service
# are read at 0.59 or more, "Buckled sidewalk next to address listed on Jewell Ave side" the least): of the real sets' 37 texts
# with these words (before the address joined them), the 32 that read as reports are letters that mention an ID card
# or a name in passing.
_OWN_DETAILS = re.compile(
    r"名字|姓名|匿名|实名|留名|电话号|手机号|(?<!门牌)(?<!车牌)号码|联系方式|地址|"
    r"\b(?:(?<!street )(?<!road )name|surname|identity(?! card)|anonymous(?:ly)?|phone number|my number|number is|contact details|"
    r"details|address|district)\b",
    re.I,
)


# A short "no, …" or "不对 …" about what was said ("no, i said something else", "不对 描述有问题") corrects the
# conversation, even with a problem word in it; as a first message there is nothing before it to correct. "No, the
# water is still off" says no such thing, and an emphatic "No!!!!" opened a real report.
_CORRECTION = re.compile(r"^(?:(?:no|nope|nah)\s*[,，.。]|(?:不对|不是|错了)[\s,，。])", re.I)
_WHAT_WAS_SAID = re.compile(
    r"描述|说的|说错|写错|打错|填错|意思|我说|"
    r"\b(said|say|meant|mean|typo|misspel\w*)\b|"
    r"\b(phone|number|name|address|description|category|summary|details?) (is|was|are|were) (wrong|incorrect|not right)\b",
    re.I,
)


def _a_remark(text: str) -> bool:
    """20 Chinese characters or 10 words: short enough to be about the conversation, not a matter."""
    return triage.size(text) <= (20 if _chinese(text) else 10)


def corrects_what_was_said(text: str) -> bool:
    text = text.strip()
    return _a_remark(text) and bool(_CORRECTION.search(text)) and bool(_WHAT_WAS_SAID.search(text))


def speaks_of_own_details(text: str) -> bool:
    """A short message about the citizen's name, number, anonymity or address ("pls don't put my name on it"): no
    report."""
    return _a_remark(text) and bool(_OWN_DETAILS.search(text))


def looks_like_report(text: str) -> bool:
    """A message NLU was unsure of, took for a detail or for a bare "no", that still reads as a problem to
    file: a description, or a headline whose subject is a city service ("No street lighting", "没有路灯")."""
    from bot.nlu import category

    text = entities.simplified((text or "").strip())
    if not text or only_contact_details(text) or triage.announces_report(text) or corrects_what_was_said(text):
        return False
    # A problem word is enough whatever the length: the classifier's subject is least sure on the plainest
    # reports ("Church Lane needs complete resurfacing": other, 0.19).
    if triage.names_a_problem(text) or triage.headline_names_a_problem(text) or triage.asks_for_work(text) \
            or triage.tells_a_problem_briefly(text):
        return True
    # A Chinese place alone says where, not what; its score for a service was a matter of chance ("朝阳区望京西园三区5号楼":
    # 0.251 after stop 42's examples, just over the 0.25 below). English places ask this themselves (_english_place).
    if _chinese(text) and only_a_place(text):
        return False
    if speaks_of_own_details(text):
        code, sureness = category.predict(text)
        if code == "other" or sureness < DETAILS_NAME_A_SERVICE:
            return False
    confidence = category.report_confidence(text)
    long_enough = len(text) >= 10 if _chinese(text) else len(text.split()) >= 5
    if long_enough and is_description(text):
        return confidence >= 0.25
    return confidence >= NAMES_A_SERVICE


_JOIN = re.compile(r"加入|跟那张|同一张|合并|\bjoin\b|\bfollow\b|add me|existing (one|ticket)|same ticket", re.I)


_NOT_JOIN = re.compile(r"不(要|想|用)?加入|别加入|不合并|\b(don'?t|do not|not|no)\s+(want to\s+)?(join|follow)", re.I)


def asks_to_join(text: str) -> bool:
    """A typed answer to the duplicate offer that picks the ticket already there ("加入吧", "join it")."""
    text = (text or "").strip()
    return bool(_JOIN.search(text)) and not _NOT_JOIN.search(text) and not text.startswith("/")


# Thanks at the summary that also say yes, or ask to get on with it ("好的,麻烦尽快处理,谢谢", "ok thanks, go
# ahead"), confirm it: the citizen was told "不客气" and shown the summary again (stop 41's leftover). A bare "谢谢"
# confirms nothing.
_YES_WITH_THANKS = re.compile(
    r"^\W*(?:好的?(?!久|像|多)|好滴|行|可以|对(?!不)|是的|没错|没问题|确认|嗯+|"
    r"(?:ok(?:ay)?|yes|yep|yeah|sure|correct|right|fine|perfect|great|no problem|no worries)\b)|"
    r"(?:尽快|赶紧|抓紧|帮忙|麻烦)(?:处理|办理|解决|提交|派人)|提交|"
    r"\b(?:go ahead|proceed|submit|file it|send it|looks (?:good|right))\b",
    re.I,
)


# "不用提交了,谢谢" and "no thanks, don't submit it" name the same work, and say no.
_NOT_YES = re.compile(r"不要|不用|不想|不必|别|先不|算了|取消|\b(?:don'?t|do not|not|cancel|wait|hold on)\b|\bno\b(?! (?:problem|worries))", re.I)


def thanks_say_yes(text: str) -> bool:
    text = (text or "").strip()
    return bool(_YES_WITH_THANKS.search(text)) and not _NOT_YES.search(text)


def clean_name(text: str) -> Optional[str]:
    """The name in an answer to "how may we address you": any short text without digits, as written."""
    text = re.sub(r"^(我叫|我姓|叫我|我是|my name is|call me|i am|i'm)\s*", "", (text or "").strip(), flags=re.I).strip(" .,。,")
    if not text or len(text) > 40 or phones.normalize(text) or re.search(r"\d", text):
        return None
    return text


# What stands around a phone number in "王阿姨,电话15900001111" or "Li, my number is 136 7777 8888".
_PHONE_WORDS = re.compile(
    r"(我的|我)?(联系)?(电话号码|电话|手机号码|手机号|手机|座机|号码|联系方式)(是|为)?|"
    r"(my\s+)?(phone|mobile|cell|number)(\s+number)?(\s+is)?|\btel\b",
    re.I,
)
_NUMBER = re.compile(r"[+(（]?\d[\d\s\-()（）]*\d")


def _without_numbers(text: str) -> str:
    """`text` with its numbers and the words naming a phone number blanked out."""
    return _PHONE_WORDS.sub(" ", _NUMBER.sub(" ", text or ""))


def only_contact_details(text: str) -> bool:
    """A phone number, alone or beside a short name, an address or the words that name them ("王阿姨 15900001111"):
    an answer to the form, not a report ("Bin not collected, my number is …", "路灯坏了 139…" are ones)."""
    if not phones.find_all(text):
        return False
    rest = re.sub(r"(?:我家|我)?住(?:在)?|\bI live (?:at|in|on)\b", " ", beyond_details(text), flags=re.I)
    rest = re.sub(r"[\s,,、;;::.。!！]+", " ", rest).strip()
    name = clean_name(rest)
    short = name is not None and (len(name) <= 6 if _chinese(name) else len(name.split()) <= 3)
    return not rest or (short and not triage.has_problem_word(rest))


def beyond_details(text: str) -> str:
    """What `text` says besides its phone numbers, the words naming them and its address: a citizen who opens
    with "我叫王建国,电话…,住在朝阳区望京西园三区5号楼" has said no matter yet."""
    rest = _without_numbers(text)
    address = address_in(rest)
    return rest.replace(address, " ", 1) if address else rest


def name_beside_phone(text: str) -> Optional[str]:
    """The name in an answer that gives a phone number too ("王阿姨 15900001111"); None if there is none."""
    rest = _without_numbers(text)
    name = clean_name(re.sub(r"[\s,,、;;::]+", " ", rest))
    return "anonymous" if name and re.fullmatch(r"匿名|anonymous(ly)?", name, re.I) else name


_COURTESY = re.compile(
    r"(谢谢|谢谢你|谢谢您|多谢|感谢|你好|您好|再见|拜拜|好的|嗯|thanks|thank you|hello|hi|hey|bye|goodbye|ok|okay)[!！。.~\s]*",
    re.I,
)


def only_courtesy(text: str) -> bool:
    """"谢谢", "hello": a courtesy, not a name. "谢" or "谢先生" is a name (a surname), not thanks."""
    return bool(_COURTESY.fullmatch((text or "").strip()))


_CORRECTION_FIELD = (
    ("phone", re.compile(r"电话|手机|号码|phone|number", re.I)),
    ("service_code", re.compile(r"类别|分类|类型|属于|category|department|type", re.I)),
    ("address", re.compile(r"地址|地点|位置|在哪|address|location|place", re.I)),
    ("contact_name", re.compile(r"名字|姓名|称呼|name", re.I)),
    ("description", re.compile(r"描述|内容|description", re.I)),
)
_CORRECTION_LEAD = re.compile(r"^.*?(?:是|为|改成|改为|应该是|is|should be|to)\s*[::]?\s*", re.I)


def correction(text: str) -> Dict[str, str]:
    """What a correction message changes: {"phone": "139…"} or {"address": "…"}; {} when it says nothing new."""
    text = (text or "").strip()
    found = phones.find_all(text)
    if found:
        return {"phone": found[-1]}
    for field, pattern in _CORRECTION_FIELD:
        if pattern.search(text):
            value = _CORRECTION_LEAD.sub("", re.sub(r"^(不对|错了|no|wrong)[,,。.\s]*", "", text, flags=re.I), count=1).strip()
            if value and value != text or field == "service_code":
                return {field: value or text}
    if is_findable(text) and gazetteer.mentions_place(text):
        return {"address": text}
    return {}


# What is left of "类别不对" or "the category is wrong" once the doubt is taken out: nothing that names a service.
_DOUBT = re.compile(
    r"类别|分类|类型|不对|错了|不是|别的|其他|其它|错|[\W_]+|"
    r"\b(?:wrong|incorrect|not|right|category|department|type|kind|the|is|it|its|something|else|other|another|different|"
    r"no|that|this|one|should|be)\b",
    re.I,
)


def category_doubted(text: str) -> bool:
    """The citizen says the category is wrong without saying which is right ("类别不对", "wrong category"):
    the answer is the whole list to choose from, not the classifier's next guess from the words "类别不对"."""
    about_category = "service_code" in correction(text)
    return about_category and not services.named_in(text) and not _DOUBT.sub("", text or "")
