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
# The words an English question opens with.
_ASKING_WORDS = r"how|what|who|why|when|where|can|could|do|does|is|are|will|would"
_QUESTION = re.compile(
    r"[?？]|吗|什么|怎么|如何|能不能|可不可以|是不是|哪里|哪儿|为什么|多少|几点|"
    rf"^({_ASKING_WORDS})\b",
    re.I,
)
_PROGRESS = re.compile(
    r"进度|进展|办得|处理得|怎么样了|办好了|办完|有结果|结果|回复了|答复了吗|受理了吗|查询|查一下|查查|看看我的|到哪|"
    r"有没有人管|有人管|怎么还没|啥情况|什么情况|修好没|好了没|我的(工单|投诉|诉求|单子)|工单|公单|"
    r"\bstatus\b|progress|any news|update on|how('s| is) (my|the) (ticket|report|request|complaint)|what happened (to|with) my|"
    r"looked at my|track my|where my (report|ticket|complaint)|when will my|handling my|checking on|(my|the) (ticket|case)\b|"
    r"follow(ing)?[- ]up on (my|the|our)\b|"
    # Asked whether a thing reported is mended ("i reported X 2 weeks ago, is it fixed"), not told it is not.
    r"\bis it (fixed|done|sorted|resolved|repaired)|\bha(s|ve) (it|they) (been )?(fixed|sorted|resolved|repaired)|"
    r"\b(fixed|resolved|sorted|repaired) yet\b",
    re.I,
)
_CANCEL = re.compile(
    r"算了|不办了|取消|不用了|不要了|不报了|不登记|撤销|撤回|别登记|不弄了|不想弄|不想填|不提交|不用提交|不用报|不搞了|结束吧|退出|先不|以后再说|不想继续了|不继续了|"
    r"\bcancel|\bstop\b|never ?mind|forget (it|about it|the)|\bquit\b|\babort|scrap|drop (it|this|that)|leave it|\bexit\b|not needed|"
    r"\b(?:don'?t|do not) (?:wanna|want to) (?:go on|continue|carry on|proceed)\b",
    re.I,
)
# A cancel that someone else does or refuses ("the gym won't cancel me", "擅自取消了公交线路") is the matter
# complained of, not the citizen calling off the conversation; "cancel my report" still is one.
_NOT_OURS_TO_CANCEL = re.compile(
    r"(?:won'?t|wouldn'?t|will not|would not|refuse[sd]? to|refusing to|didn'?t|did not|can'?t|cannot|couldn'?t|"
    r"never) cancel\w*|"
    r"\bcancel\w* (?:me|us|my|our|his|her|their|its|a|an|the) (?!(?:whole |entire )?(?:report|ticket|request|complaint|"
    r"form|thing|conversation|chat|registration))\w+|"
    r"\b(?:was|were|been|got|is|are) cancel\w*|"
    # Or one a company's system made: "7月份官方自动取消机票订单,但到目前迟迟不退款" (after zh52's first score).
    r"(?:不给|不让|不肯|不予|拒绝|无法|不能|没法|擅自|突然|随意|被|自动|官方|系统|商家|平台|航空公司)取消|"
    r"取消了?[\u4e00-\u9fff]{0,4}?(?:会员|订单|预约|合同|航班|班次|线路|站点|服务|资格|补贴|订阅|套餐|会籍)|"
    # Nor is "stop" naming a place or a thing: "Junkies taking over bus stop", a stop sign (after en28's first score).
    r"\b(?:bus|tram|train|trolley|streetcar|shuttle|coach|metro|subway|rest|truck|request|school) stops?\b|"
    r"\bstop ?(?:signs?|lights?|signals?|lines?|bars?|buttons?|arms?)\b|"
    # Or what drivers fail to do: "Cars often do not fully stop at these stop signs" (after en49's first score).
    r"\b(?:don'?t|do not|doesn'?t|does not|didn'?t|did not|never|won'?t|will not|fail(?:s|ed|ing)? to|rarely|barely|"
    r"seldom) (?:\w+ )?stop(?:s|ping)?\b|"
    r"\b(?:cars|vehicles|drivers|buses|trucks|lorries|motorists|cyclists|traffic)\b (?:\w+ ){0,3}stop(?:s|ping)?\b|"
    # Or what must end: "Dumsor must stop", power cuts by Ghana's name for them (after en61's first score).
    r"\b(?:must|needs? to|has to|have to|should|has got to|got to|gotta|ought to) (?:be )?stop(?:ped)?\b|"
    # Or a demand that others stop doing a thing: "Stop Selling Booze to Kids", a headline (after en67's first score).
    # Not this conversation's own doing: "stop asking me", "stop filing it" still call it off.
    r"\bstop (?!(?:asking|messaging|texting|filing|reporting|registering|logging|sending|bothering|bugging|calling|"
    r"contacting|spamming|typing|talking|replying|answering|responding|pestering|repeating|doing|messing|wasting|"
    r"everything|anything|nothing|something|this|that|it)\b)\w+ing\b|"
    # Or that a thing end: "Stop The Stink", a headline (after en111's first score). "Stop the report", "stop this",
    # "stop the whole thing" still call it off.
    r"\bstop (?:the|all|these|those) (?!(?:whole|entire|thing|form|report|reporting|ticket|request|complaint|"
    r"registration|conversation|chat|bot|process|questions?|messages?)\b)[\w'’-]+",
    re.I,
)
# 人工 asks for a person, not in a word about a thing made by people ("人工降雨", "人工湖", "人工草坪").
_HUMAN = re.compile(
    r"人工(?!降|增雨|湖|河|岛|林|草|智能|费|成本|合成|养殖|种植|开挖|挖)|真人|客服|话务员|接线员|工作人员|\bhuman\b|operator|\bagent\b|real person|someone real|a person\b|\bstaff\b|"
    r"customer service|talk (to|with) someone|someone from",
    re.I,
)
# A thing of the matter done for the asker: "could you help rebook", "can you fix the light" ask for the service, not
# about the bot.
_MATTER_DONE = (r"(?:me |us |him |her |them )?(?:to )?(?:re-?book|fix|sort|get|find|resolve|refund|repair|clean|remove|"
                r"stop|move|replace|recover|track|reschedule|rearrange)\b")
# Words about the bot itself and how to use it ("怎么用", "你能干啥", "how does this work", "is this the right place").
# A thing "still here" stays where it is: that asks nothing of the bot.
_ABOUT_THE_BOT = re.compile(
    r"帮助|菜单|功能|怎么用|咋用|怎么弄|咋弄|怎么操作|咋操作|该咋|教教|使用说明|指南|能干|能做|能办|能管|干啥的|干嘛的|说啥|"
    r"这里|这儿|在这|这个平台|这个热线|这个聊天|小程序|你们受理|你们管|\b12345\b|"
    # The citizen's own options are their matter's: "…is damaging my property – what are my options?" (after en72's).
    # Not help to do a thing of the matter: "@united any chance you could help rebook?? My flight Cancelled" (after
    # en100's first score).
    rf"\bhelp\b(?! {_MATTER_DONE})|\bmenu\b|(?<!\bmy )(?<!\bour )\boptions?\b|\bhow (do|does|am|to|can)\b|"
    r"\bwhat (can|do|is this|are you|kind|stuff|am|exactly|to)\b|"
    r"not (really )?sure what|confused|first time|right place|this (chat|service|platform|app|thing)|(?<!\bwhy )\bis this\b|how (this|it) works|"
    rf"\bwhat kinds?\b|\b(can|could) (you|u)\b(?! (?:please )?(?:help )?{_MATTER_DONE})|"
    r"(?<!still )(?<!is )(?<!are )(?<!been )\bhere\W*$|do you (offer|do|handle)|"
    r"\b(through|with|using|via|in) this\W*$|\bwhich (problems|issues|things|requests)\b|\byour (features|functions|services)\b",
    re.I,
)
# "我想反映个问题", "I'd like to report a problem": a report announced, with nothing said yet.
_ANNOUNCE_ZH = re.compile(
    r"^(您好|你好)?[,，。!！\s]*(我|我们)?(想|要|需要|想要|来)?(反映|投诉|举报|报告|反馈|咨询|建议|表扬|提|说|问)(一)?(个|一下|下)?"
    r"(问题|事情|事儿|事|情况|意见|建议)?[吧呀啊。.!！\s]*$"
)
_ANNOUNCE_EN = re.compile(
    r"^(hi|hello)?[,.!\s]*(i('d| would)? (like|want|need) to|can i|could i|i('m| am) (here|writing) to|i wanna)\s+"
    r"(report|file|make|lodge|submit|raise|ask|suggest)\s*(a|an|some)?\s*"
    r"(problem|issue|complaint|report|something|question|suggestion|compliment)?( here| please| with you)?[.!\s]*$",
    re.I,
)
_ANNOUNCED_TYPE = (
    (re.compile(r"反映|投诉|举报|报告|反馈|report|complain", re.I), "report_issue"),
    (re.compile(r"咨询|想问|\bask\b|question", re.I), "inquire"),
    (re.compile(r"建议|suggest", re.I), "suggest"),
    (re.compile(r"表扬|praise|compliment", re.I), "praise"),
)
# Praise must not swallow a complaint: the classifier filed complaints as praise because of a polite
# "尊敬的领导" or "thank you for your help" at the end. A message that names a problem is praise only
# with words of praise. Suggestions and questions, when the triage chooses them, need their own words.
_PRAISE = re.compile(
    r"表扬|点赞|点个.{0,2}赞|夸|赞扬|感谢|锦旗|好评|太好了|真好|很好|耐心|热情|负责|及时|专业|辛苦|棒|给力|麻利|准时|"
    r"praise|compliment|appreciate|great|amazing|excellent|wonderful|helpful|patient|professional|kind\b|good job|well done|kudos|shout.?out",
    re.I,
)
_PROBLEM = re.compile(
    r"坏|不|没|差|脏|乱|吵|堵|漏|投诉|举报|反映|反应|问题|情况|垃圾|噪|拖欠|违|"
    r"\bnot\b|n't|\bno\b|never|broken|dirty|loud|noise|garbage|trash|litter|complain|problem|issue|pothole|leak|illegal|"
    r"abandon|block|remove|fix|repair|report",
    re.I,
)
# A home without a service names the problem: "What it's like living with no hot water", a blog's title (after en75's
# first score). Not a power one lacks to do a thing, nor a gas smell there is none of.
# The services of a home, by their names: lacked, asked after as gone, begged for.
_HOME_SERVICES = r"hot water|water|heating|heat|power|electricity|gas"
_LACKS = (rf"\b(?:no|without) (?:running water|{_HOME_SERVICES})\b"
          r"(?! (?:to|smell|bills?|company|board|meters?|station)\b)")
# Words that name a problem itself (not a bare "not" or "没"): a statement of some length with one of them is
# a report even when the classifier hears nothing of a request ("the riverside path is strewn with rubbish").
_NAMES_A_PROBLEM = re.compile(
    _LACKS + "|" +  # a home without a service
    r"坏|破损|脏|乱扔|乱停|乱贴|乱倒|吵|嘈杂|堵|漏|积水|垃圾|噪|拖欠|违建|违章|违法|臭|塌|裂|倒了|断了|停水|停电|没人管|占道|扰民|"
    # Whose rest or life is harmed may stand between: "影响业主生活", "影响居民休息" (after zh26's first score).
    r"影响.{0,4}?(?:采光|休息|睡眠|生活|出行|通行|健康)|干扰|困扰|"
    # Rights or interests harmed: "侵犯居民利益" was read as a stray detail (after zh26's first score).
    r"侵犯|侵害|侵占|损害.{0,6}?(?:利益|权益)|"
    # Pollution is a problem by its name: "昨日偶遇放废气", a title of seven characters (after zh20's first score).
    r"污染|废气|排污|污水|异味|油烟|粉尘|扬尘|黑烟|"
    # A project left unfinished: "东江大道西湖段烂尾", a road's section (after zh22's first score).
    r"烂尾|"
    # Unlawful by either word: "…附近有人正用船只非法采砂" was taken for a place (after zh25's first score).
    r"非法|违规|"
    r"(?:需要|请|尽快|及时|赶紧|安排).{0,6}(?:维修|修理|修复|修一下|清理|清运)|"
    r"broken|dirty|filthy|loud|nois[ey]|garbage|trash|litter|rubbish|pothole|leak|illegal|abandon|blocked|graff?it[iy]|"
    # Engine brakes are a noise by their name: "prohibit jake braking" (after en55's first score).
    r"\b(?:jake|engine) brak(?:e|es|ing)\b|"
    # A bin full, however shortly told: "Bin full b4 bank holiday weekend" (after en51's first score).
    r"\b(?:bins?|skips?|dumpsters?|wheelie ?bins?)\b (?:is |are )?(?:full|overfull)\b|"
    # Weeds grown tall are the problem itself: "It's all weeds some 4 feet tall" (after en45's first score).
    r"\bweeds\b|杂草|"
    r"overgrown|dump(?!ling)|flood|smell|stink|pollut|fumes|sewage|\brats?\b|collapsed|cracked|damag(?:ed|ing)|missing|not working|out of order|overflow|unsafe|hazard|"
    # Pests by their names: "My first cockroach", a headline (after en80's first score).
    r"\b(?:cockroach(?:es)?|roach(?:es)?|bed ?bugs?|mice|termites?|vermin|pests?|infest\w*|maggots?|fleas)\b|"
    r"蟑螂|老鼠|臭虫|白蚁|鼠患|虫害|"
    # A building site's dust: "Big Building Approved next door what can you do now? DUST." (after en82's first score).
    r"\bdust(?:y)?\b(?! ?(?:bins?|pans?|carts?|men|man)\b)|"
    # A power cut by South Asia's name for it (after en37's first score).
    r"load.?shedding|"
    # And by Ghana's and the Philippines' names, and karaoke as its noise: "Dumsor must stop #dumsor", "Karaoke
    # Again!!??", headlines (after en61's first score).
    r"\bdumsor\b|\bbrown-?outs?\b|\bpower (?:cuts?|outages?|failures?)\b|\b(?:karaoke|videoke)\b|卡拉ok|"
    # Rights defended are a grievance: "串串房维权", a headline (after zh45's first score).
    r"维权|"
    # Neglect names it (after en63's first score: "Play area neglected by Council's cleaners?", a headline that, asked,
    # is one by asks_about_a_problem).
    r"\bneglect(?:ed|ing)?\b|"
    # Crowds and works are the matter in a title: "Crowded Sidewalks", "Roadworks Revisited" (after en67's first score).
    r"\b(?:over)?crowded\b|\bcongest(?:ed|ion)\b|\b(?:road|street) ?works\b|"
    # A thing that broke, not a person out of money: "Aircon broke since May, rights?" (after en71's first score).
    r"(?<!\bi'm )(?<!\bim )(?<!\bam )(?<!\bare )(?<!\bis )(?<!\bwe're )(?<!\bflat )(?<!\bgo )(?<!\bgoing )(?<!\bwent )"
    r"(?<!\bso )(?<!\btoo )(?<!\bdead )(?<!\bstone )(?<!\bbeing )(?<!\bbe )(?<!\bgot )\bbroke\b(?! (?:the news|it to)\b)|"
    # A thing called bad by a plain word for it: "PHOTOBOMB: Crappy Playgrounds", a headline (after en90's first score).
    r"\b(?:crappy|shoddy|lousy|shabby|dilapidated|derelict|decrepit|run-?down|ramshackle)\b|"
    # A service that failed its day: "My flight Cancelled", "train delayed again" (after en100's first score).
    r"\b(?:flights?|trains?|bus(?:es)?|ferr(?:y|ies)|appointments?|deliver(?:y|ies)|orders?|connections?)\b (?:\w+ )?"
    r"(?:was |were |is |are |got |has been |have been )?(?:cancell?ed|delayed)\b|"
    r"\b(?:cancell?ed|delayed) (?:\w+ )?(?:flights?|trains?|bus(?:es)?|ferr(?:y|ies)|appointments?|deliver(?:y|ies)|orders?)\b|"
    # Animals without a home, by their names: "stray cats around my apartment and not sure what to do" (after en108's).
    r"\b(?:stray|feral|roaming) (?:cats?|dogs?|animals?|cattle|cows|pigeons|monkeys)\b|流浪[猫狗]|野狗|"
    # A cover off a hole: "Why is this Manhole opened?", a headline (after en104's first score).
    r"\b(?:manholes?|drain covers?|inspection covers?|gratings?)\b(?: [\w'’]+){0,3} (?:open(?:ed)?|uncovered|exposed|loose|"
    r"off|gone|stolen)\b|\b(?:open(?:ed)?|uncovered|exposed|uncapped) (?:manholes?|drains?|pits?|trenches?|holes?)\b|"
    r"worn|faded|smashed|vandali[sz]ed|dangerous|needs? (?:\w+ )?(?:repair|replac|resurfac|fix|cutting|trimm|empty|emptying|clean|repaint|"
    r"paint|mow)|falling (?:down|apart|off|out|in|over)",
    re.I,
)
_TYPE_WORDS = {
    "suggest": re.compile(r"建议|希望|能不能|可以|应该|要是|如果|suggest|propos|recommend|should|could|would|idea|how about|maybe|why not|please (add|install|consider)", re.I),
    "inquire": re.compile(_QUESTION.pattern + r"|咨询|请问|了解一下|想知道|政策|inquir|wonder|policy", re.I),
}
# Of the classifier's probability, this much on the four request types makes a long chit-chat message a 诉求.
MASS = 0.3
# Small talk says so in its own words: every greeting, goodbye, thanks and rating we trained on has one of these,
# and all but a few ratings are short. A message of some length without them is no small talk however sure the
# classifier is ("日頭好多嘈雜聲,似有人跑步,好用力推枱凳", a neighbour's noise in Cantonese, 19 characters, was a
# greeting at 0.35).
_GREETINGS_ZH = r"你好|您好|你们好|大家好|你哋好|[早午晚]上好|[上中下]午好|早安|嗨|哈[喽啰罗]|在吗|在么|在不在|有人吗|有人没有|有人在吗|打扰一下|打扰了|打扰您"
_GREETINGS_EN = r"hi+|hey+|hello+|helo|hallo|heya|howdy|greetings|good (?:morning|afternoon|evening|day)"
_SMALL_TALK_WORDS = {
    "greet": re.compile(
        rf"{_GREETINGS_ZH}|^早|^喂|\b(?:{_GREETINGS_EN})\b|^morning|any(one|body) (there|around|home|on)",
        re.I,
    ),
    # Only words a goodbye of some length has: "下了" alone is also "下了一夜雨", "白白" also "白白等了二十分钟".
    "goodbye": re.compile(
        r"再见|再見|拜拜|拜了|回见|回头见|回头再|下次再|下回见|改天再|明儿见|我走了|先走了|我撤了|先这样|那就这样|就这样吧|就这些|就到这|"
        r"没别的|没啥事|没啥了|先挂了|我下了|先下了|下线了|溜了|"
        r"\b(bye+|goodbye|good ?night|see (you|ya|u)|cya|laters|ttyl|take care(?! of)|farewell|gotta go|signing off|heading off|"
        r"i'?m (off|done)|that'?s (all|it|everything)|have a (nice|good) (day|one|evening|night)|talk (soon|later)|peace out)\b",
        re.I,
    ),
    # A rating gives one: "请大领导出来解决解决问题吧", heard as a rating to no question, gives none. A score is out of 5
    # or 10: "sitting since 12/4/2017" is a date.
    "rate": re.compile(
        r"满意|满义|好评|差评|[星分]|还行|还可以|一般|凑合|满分|"
        r"\b(satisf|dissatisf|unsatisf|satisified|stars?|rate|rating|score|marks|happy|average|so so|ok|okay|meh|good|great|"
        r"excellent|bad|poor|terrible|awful|give it)|\b\d+ ?/ ?(5|10)\b(?!/)",
        re.I,
    ),
    # A question whether one talks to a machine names the machine or the person: "到底是公共绿化带还是私人养鸡场?",
    # heard as "你是机器人还是真人", names neither.
    "bot_challenge": re.compile(
        r"机器|机械人|器人|电脑|真人|人工|智能|自动|程序|客服|谁|是人|活人|人类|"
        r"(?<![a-z])(?:ai|bot|chatbot|chatgpt|gpt)(?![a-z])|"
        r"\b(robots?|human|real|a person|machine|computer|auto(matic|mated)?|program|artificial|talking to|"
        r"reading (my|these|this)|someone|anyone|anybody)\b",
        re.I,
    ),
    # A yes says yes: "我是前年办理的年卡,卡还没开呢,健身房就关门了", a gym that closed with members' money, was a
    # yes at 0.21. Only a message of some length is checked (substantive), and every one we trained on says so.
    "affirm": re.compile(
        r"^\W*(?:好|是|对|行|嗯|可以|确认|确定|没错|没问题|同意|当然)|对的|是的|可以的|确认|正确|无误|没错|没问题|提交|"
        r"\b(yes|yeah|yep|yup|sure|ok|okay|correct|right|confirm|fine|of course|go ahead|absolutely|definitely|exactly|"
        r"submit|send it|file it|looks good|all good)\b",
        re.I,
    ),
    "thank": re.compile(
        r"谢|感谢|感激|感恩|辛苦|受累|费心|劳驾|麻烦[你您]|麻烦了|3q|三克油|"
        r"\b(thanks?|thx|thanx|thnx|tks|tysm|cheers|appreciated?|grateful)\b",
        re.I,
    ),
}


# What opens a message before it says anything: a greeting, "在吗", "anyone there?" ("Hello?? Anyone there? My
# water is brown" was a greeting at 0.66 and the water was lost).
_GREETING_LEAD = re.compile(
    rf"^(?:(?:{_GREETINGS_ZH}|喂|领导|"
    rf"(?:{_GREETINGS_EN}|morning|there|sir|madam|(?:is )?any(?:one|body) (?:there|around|home|on(?:line)?))\b)"
    r"[\s,，.。!！?？~、:：;；]*)+",
    re.I,
)
# What a greeting goes on with that says nothing of a matter: courtesies, whether this is the hotline, whether
# anyone is there.
_NO_MATTER = re.compile(
    r"how are you|how'?s it going|how are things|hope you|nice to meet|你好吗|您好吗|最近好|吃了吗|忙吗|辛苦了|"
    r"热线|政府吗|是政府|有人(?:吗|么|值班|在吗|在不在|没有)|有没有人|还有人|值班|上班吗|hotline|city hall|\b(some|any)(one|body)\b|\bavailable\b|"
    r"\bare you (open|working|there|around)\b",
    re.I,
)


# A score however given: a figure, a star, a number in words, a thumb or a face ("5", "★★★★", "four", "👍").
_SCORE = re.compile(
    r"\d|[★☆⭐\U0001F44C\U0001F44D\U0001F44E\U0001F600-\U0001F64F]|[一二三四五六七八九十两]|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|zero)\b",
    re.I,
)


def after_greeting(text: str) -> str:
    """What a message says after the greeting it opens with, or "" when it opens with none."""
    text = (text or "").strip()
    lead = _GREETING_LEAD.match(text)
    return text[lead.end():].strip() if lead else ""


def _says_a_matter(rest: str) -> bool:
    """What follows a greeting says something of a matter: four words or six Chinese characters, not about the bot,
    no courtesy."""
    return size(rest) >= (6 if _chinese(rest) else 4) and not about_the_bot(rest) and not _NO_MATTER.search(rest)


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
    """The request type of a message that only announces one ("我想反映个问题", after a greeting too), else None."""
    text = (text or "").strip()
    if not any(pattern.match(said) for said in (text, after_greeting(text)) for pattern in (_ANNOUNCE_ZH, _ANNOUNCE_EN)):
        return None
    for pattern, intent in _ANNOUNCED_TYPE:
        if pattern.search(text):
            return intent
    return "report_issue"


def _chinese(text: str) -> bool:
    return len(_CJK.findall(text)) >= 2


def substantive(text: str) -> bool:
    """12 Chinese characters or 6 words: a message that says something."""
    return size(text) >= (12 if _chinese(text) else 6)


def says_much(text: str) -> bool:
    """20 Chinese characters or 12 words: more than any greeting, goodbye or form detail we trained on."""
    return size(text) >= (20 if _chinese(text) else 12)


def thanks_for_something(text: str) -> bool:
    """8 Chinese characters or 5 words: thanks long enough to name what was done ("谢谢你们修好了路灯"), not only
    a courtesy ("太感谢你们了", "thank you very much")."""
    return size(text) >= (8 if _chinese(text) else 5)


def is_letter(text: str) -> bool:
    """40 Chinese characters or 20 words: a letter, a 诉求 unless it clearly is something else."""
    return size(text) >= (40 if _chinese(text) else 20)


# A headline's size in (Chinese characters, words): (fewest, most).
_HEADLINE_SIZE = {True: (6, 11), False: (2, 5)}


def _headline(text: str) -> bool:
    low, high = _HEADLINE_SIZE[_chinese(text)]
    return low <= size(text) <= high and not _QUESTION.search(text)


def _a_headline_or_more(text: str) -> bool:
    return size(text) >= _HEADLINE_SIZE[_chinese(text)][0]


def _unsure_of_a_question(text: str, confidence: float, ranking: List[Dict]) -> bool:
    """A question of a headline's size or more that the classifier takes for a request for help without
    conviction, and as likely for a report: "停电到什么时候是个头?" asks about the matter, not how to use the bot."""
    return is_question(text) and _a_headline_or_more(text) and confidence < UNSURE and _report_mass(ranking) >= MASS


# Asked when a named thing will be mended: "白湖河什么时候能整治" asks about the matter, not how to use the bot, and
# the classifier heard help in it at 0.8 (zh32's headline; stop 40 left it to the help list first). Not asked of a
# ticket or complaint, which is a status question.
_WHEN_MENDED = re.compile(
    r"(?:什么时候|啥时候|何时|几时|多久)(?:才|能|会|可以|能够|才能|才会|再)?(?:被|给|进行|开始|得到|予以)?"
    r"(?:整治|治理|整改|维修|修好|修复|修理|修|清理|清运|拆除|拆|改造|疏通|恢复|开通|通车|硬化|铺|装|安装|解决|处理)"
)
_OF_A_TICKET = re.compile(r"工单|投诉|诉求|反映的|留言|回复|进度|申请|办理|我的")


def asks_when_mended(text: str) -> bool:
    """A Chinese question when a named thing will be mended ("东沙河什么时候能治理好"): a matter, not help. Both
    callers have already ruled out words about the bot."""
    return _chinese(text) and bool(_WHEN_MENDED.search(text)) and not _OF_A_TICKET.search(text)


# Asked to mend a thing, with thanks: "麻烦把这摊水解决一下,谢谢" was taken for thanks (after zh36's first score).
# Thanks for a thing mended asks nothing ("谢谢你们把垃圾清理了").
# A thing is named ("把这摊水"): "好的,麻烦尽快处理,谢谢" at the summary says yes, and stays a thanks.
_ASKS_TO_MEND = re.compile(
    r"(?:麻烦|请|恳请|希望)(?:你们|您|相关部门|有关部门)?(?:尽快|赶紧|帮忙)?[把将][^,,。!!??;;]{2,10}?"
    r"(?:解决|处理|修理|维修|修复|修一下|清理|清运|整治|疏通|拆除)|"
    r"\bplease (?:\w+ ){0,2}(?:fix|repair|remove|clean|clear|sort out|deal with|take care of|look into) "
    r"(?:the|a|an|our|my|this|that|these|those) \w+",
    re.I,
)
# A headline that advises a work: "应加快启动东外环路" (after zh36's first score).
_ADVISES = re.compile(r"(?:建议|应该?|应当|恳请|呼吁)(?:尽快|加快|早日|抓紧|尽早|及早)")


def asks_to_mend(text: str) -> bool:
    return bool(_ASKS_TO_MEND.search(text or ""))


# What can be done about a matter asks about the matter, not what the bot can do: "Big Building Approved next door what
# can you do now? DUST." (after en82's first score). "what can you do?" alone still asks the bot.
_WHAT_CAN_BE_DONE = re.compile(
    r"\bwhat (?:can|could|will|would) (?:you|u|you guys|we|i|one|anyone|the city|the council) do (?:now|about|against)\b",
    re.I,
)


# "Can you" asks of the bot, unless what follows names a problem: "Can you spot the water leak in this photo?", a
# headline (after en111's first score).
_CAN_YOU = re.compile(r"\b(?:can|could) (?:you|u)\b([^.;!?]*)", re.I)


def about_the_bot(text: str) -> bool:
    text = _WHAT_CAN_BE_DONE.sub(" ", text or "")
    text = _CAN_YOU.sub(lambda m: " " + m.group(1) if has_problem_word(m.group(1)) else m.group(0), text)
    return bool(_ABOUT_THE_BOT.search(text))


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text or ""))


def has_problem_word(text: str) -> bool:
    """A word for a problem, at any length ("路灯坏了"): what no name or address has."""
    return bool(_NAMES_A_PROBLEM.search(text))


# A service asked after as gone: "Where's the water?", a headline (after en65's first score). Not where to find its
# office or its bill.
_WHERE_GONE = re.compile(
    rf"\bwhere(?:'s|’s| is| has| did)\s+(?:(?:the|my|our|all)\s+)?(?:{_HOME_SERVICES}|"
    r"bin ?m[ae]n|rubbish collection|bin collection)\b(?!\s+(?:company|board|office|department|bill|meter|authority))",
    re.I,
)


def asks_where_a_service_went(text: str) -> bool:
    return bool(_WHERE_GONE.search(text or ""))


_LACKS_A_SERVICE = re.compile(_LACKS, re.I)


def lacks_a_service(text: str) -> bool:
    """A home without water, heat or power, asked about or not ("What it's like living with no hot water", "why is
    there no water?"): out of scope to the classifier, a report to the city."""
    return bool(_LACKS_A_SERVICE.search(text or ""))


_ASKS_FIRST = re.compile(rf"\W*(?:{_ASKING_WORDS}|which|did|was|were|should)\b", re.I)


# A particular thing pointed at: "Why is this Manhole opened?" asks of one before the asker (after en104's first score).
_POINTS_AT = re.compile(r"\b(?:this|that|these|those|our|my)\b|这个|这条|这里|我们(?:小区|楼|家)|我家", re.I)


def asks_about_a_problem(text: str) -> bool:
    """A problem told, then asked about, in a title's size or more ("Aircon broke since May, rights?", "Play area
    neglected by the cleaners?"): the problem is the matter, whatever is asked. Not a question that opens by asking of
    no particular thing ("why is there so much litter in big cities"), nor one about the bot."""
    asks_first = _ASKS_FIRST.match(text or "") and not _POINTS_AT.search(text or "")
    return is_question(text) and not asks_first and _a_headline_or_more(text) \
        and has_problem_word(text) and not about_the_bot(text)


# A service begged for by its name alone: "Heat? Please?", a headline (after en72's first score).
_BEGS_FOR_A_SERVICE = re.compile(
    rf"\W*(?:(?:the |some |any |our |my )?(?:{_HOME_SERVICES}|lights?)\W*){{1,2}}"
    r"(?:(?:please|pls|plz|anyone|again|yet)\W*)*",
    re.I,
)


def begs_for_a_service(text: str) -> bool:
    return bool(_BEGS_FOR_A_SERVICE.fullmatch(text or "")) and bool(re.search(r"[?？!！]|please|pls|plz", text or "", re.I))


def a_word_for_a_problem(text: str) -> bool:
    """The whole message one word that names a problem: "Rats", "Potholes!", "老鼠", a headline (after en80's first
    score)."""
    words = re.findall(r"[A-Za-z'’]+|[\u4e00-\u9fff]+", text or "")
    rest = re.sub(r"[A-Za-z'’\u4e00-\u9fff\s\W]", "", text or "")
    one = len(words) == 1 and (words[0].isascii() or len(words[0]) <= 4)
    return one and not rest and has_problem_word(text)


def tells_a_problem_briefly(text: str) -> bool:
    """A problem asked about, a service begged for by its name, or one word naming a problem: the matter, in words too
    few or too questioning for the other checks (after en71's, en72's and en80's first scores)."""
    return asks_about_a_problem(text) or begs_for_a_service(text) or a_word_for_a_problem(text)


def names_a_problem(text: str) -> bool:
    """A statement of some length that names a problem: a report, whatever the classifier's confidence."""
    return substantive(text) and not _QUESTION.search(text) and has_problem_word(text)


# In a title, the bare word for a problem is one: "花嶼電力問題之後續", "Signage Issue", "停车难题".
_TITLE_PROBLEM = re.compile(r"问题|难题|隐患|\b(issues?|problems?|concerns?)\b", re.I)
# A message that opens by asking for a work: "Request Speed Humps on S Pine St from S 6th to S 12th", all names
# and numbers like a place (after en33's first score).
_ASKS_FOR_WORK = re.compile(
    r"(?:request(?:s|ed|ing)?|install|repair|replace)\s+(?!(?:a |an |the |my )?(?:call|callback|human|person|agent|operator|"
    r"update|status|refund)\b)\w",
    re.I,
)


def asks_for_work(text: str) -> bool:
    """Opens by asking for a work to be done ("Request Speed Humps on …", "Install a rail at …"): a report."""
    return bool(_ASKS_FOR_WORK.match((text or "").strip()))


def headline_names_a_problem(text: str) -> bool:
    """A title of a few words with a problem word in it ("'Keep Clear' worn out"): a report, whatever intent the
    classifier hears in so few words."""
    return _headline(text) and bool(_NAMES_A_PROBLEM.search(text) or _TITLE_PROBLEM.search(text))


# A Chinese title that is a topic and the word for a problem ("乡道维护问题", "关于供暖收费的问题"), and not a wish
# to ask one: a topic names no asker or addressee and counts nothing ("我想问个问题", "你好有个问题", "请教几个问题").
# Nor is it a sentence: no punctuation, and no "is"/"wrong" of a correction at the summary ("类别不对,是物业问题").
_TOPIC_TITLE = re.compile(r"(?P<topic>[\u4e00-\u9fff]+?)(?:问题|难题|隐患)[!!。.…]*")
_NO_TOPIC = re.compile(r"问|咨询|请教|个|些|我|你|您|们|这|那|啥|什么|怎么|是|不对|错|类别")


def titles_a_problem(text: str) -> bool:
    """A Chinese headline naming its topic's problem: a report, however sure the classifier is of help or chat."""
    title = _TOPIC_TITLE.fullmatch(text.strip())
    return bool(title) and _chinese(text) and _headline(text) and len(_CJK.findall(title["topic"])) >= 3 \
        and not _NO_TOPIC.search(title["topic"]) and not about_the_bot(text)


def praise_fits(text: str) -> bool:
    return bool(_PRAISE.search(text)) or not _PROBLEM.search(text)


def request_type_fits(intent: str, text: str) -> bool:
    """When the triage picks the request type: praise, a suggestion and an inquiry need words of their kind."""
    if intent == "praise":
        return bool(_PRAISE.search(text)) and praise_fits(text)
    words = _TYPE_WORDS.get(intent)
    return words is None or bool(words.search(text))


def _best_report(ranking: List[Dict], text: str) -> str:
    for r in ranking:
        if r.get("name") in REPORTS and request_type_fits(r["name"], text):
            return r["name"]
    return "report_issue"


def _report_mass(ranking: List[Dict]) -> float:
    return sum(float(r.get("confidence", 0.0)) for r in ranking if r.get("name") in REPORTS)


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
        if emergency.told_as_past(text) or emergency.titled(text):
            # A story told after the event, or its title (bot/emergency.py): the numbers in case it is not over, and its
            # ticket.
            return Decision(_best_report(ranking, text), "danger told as past", urgent=True)
        if heard >= HEARD:
            return Decision("emergency", "danger now")
        # Danger words the classifier does not hear ("楼道堆满杂物有火灾隐患"): numbers shown, filed as urgent.
        return Decision(_best_report(ranking, text), "danger words", urgent=True)
    if top == "emergency":
        # Only in a message that is no letter: of the 175 emergencies we trained on, the 76 without danger words are
        # all short, and a letter the classifier hears so (tuition money lost "要不回来了", for a child's classes) is a story.
        if confidence >= 0.5 and emergency.person_at_risk(text) and not is_letter(text):
            return Decision("emergency", "a person at risk")
        # The classifier hears danger but the words name none (a leaking fire hydrant, a collapsed
        # sidewalk): file it as urgent and show the numbers, never a dead end.
        return Decision(_best_report(ranking[1:], text), "emergency unsure", urgent=True)
    if emergency.gas_smelled(text):
        return Decision(_best_report(ranking, text), "gas smelled", urgent=True)
    if emergency.flood_rising(text):
        return Decision(_best_report(ranking, text), "flood rising", urgent=True)
    # A narrow intent is kept when its words say so, or the classifier is sure and the message is no letter.
    narrow = {"check_status": _PROGRESS, "cancel": _CANCEL, "request_human": _HUMAN}
    rejected = False
    if top in narrow:
        if top == "check_status" and has_ticket_id:
            return Decision(top, "status with a ticket id")
        said = _NOT_OURS_TO_CANCEL.sub(" ", text) if top == "cancel" else text
        # Sureness alone keeps a status question only when it asks: "Reported before - lots of tickets but still
        # here" tells of a problem that is still there, and asking it for a ticket number was a dead end.
        sure = confidence >= SURE and said == text and (top != "check_status" or is_question(text) or not substantive(text))
        if not is_letter(text) and (narrow[top].search(said) or sure):
            return Decision(top, "narrow")
        rejected = True  # "Noise Complaint - Residential" as a status question, a name like SQL as a cancel
    elif top in REPORTS:
        if top == "praise" and not praise_fits(text):
            return Decision(_best_report(ranking[1:], text), "no praise")
        return Decision(top, "classifier")
    elif top in CHITCHAT or top in ("inform", "nlu_fallback"):
        if is_letter(text):
            return Decision(_best_report(ranking, text), "letter")
        # A question of a headline's size with a problem word asks about the matter too: "撤除违章建筑怎么这么难?"
        # (after zh36's first score).
        if top == "ask_help" and not about_the_bot(text) and (
                substantive(text) or _unsure_of_a_question(text, confidence, ranking) or asks_when_mended(text)
                or (_a_headline_or_more(text) and has_problem_word(text))):
            return Decision(_best_report(ranking, text), "no help asked")  # a question about the matter, not the bot
        if titles_a_problem(text):
            return Decision(_best_report(ranking, text), "titled problem")
        # Asked about a problem it names, or begging for a service by its name: the matter, not small talk (after
        # en71's and en72's first scores). Not thanks. A question heard as one whether one talks to a machine counts
        # when it names a problem: "Why is this Manhole opened?" (after en104's first score).
        if top in ("ask_help", "out_of_scope", "nlu_fallback", "greet", "goodbye", "bot_challenge") \
                and tells_a_problem_briefly(text):
            return Decision(_best_report(ranking, text), "asks about a problem")
        wordless = top in _SMALL_TALK_WORDS and substantive(text) and not _SMALL_TALK_WORDS[top].search(text)
        # A greeting, a goodbye or an out-of-scope the classifier is unsure of, in a message of 20 characters or 12
        # words: more often a matter it cannot place (dogs let foul a car park, told with a rhetorical question; a bus
        # that did not stop, "白白等了二十分钟") than small talk, which is short. Not thanks: a long one follows a
        # ticket just filed.
        if top in ("greet", "goodbye", "out_of_scope") and confidence < UNSURE and says_much(text) and not about_the_bot(text):
            return Decision(_best_report(ranking, text), "unsure chit-chat")
        rest = after_greeting(text) if top == "greet" else ""
        if rest and _says_a_matter(rest):
            if _report_mass(ranking) >= MASS or names_a_problem(rest):
                return Decision(_best_report(ranking, text), "a greeting and a problem")
            return Decision("inform", "a greeting and more")  # left to action_triage
        # Out of scope, but naming a problem the city mends ("THIS LOAD SHEDDING IS DRIVING ME NUTS"): none of the 249
        # out-of-scope examples we wrote or hold out names one.
        if top == "out_of_scope" and (names_a_problem(text) or asks_where_a_service_went(text) or lacks_a_service(text)):
            return Decision(_best_report(ranking, text), "names a problem")
        if top in ("thank", "goodbye") and asks_to_mend(text) and not about_the_bot(text):
            return Decision(_best_report(ranking, text), "asks to mend")
        if top == "inform" and _chinese(text) and _ADVISES.match(text.strip()):
            return Decision("suggest", "advises a work")
        if top != "nlu_fallback" and confidence >= SURE and not wordless:
            return Decision(top, "clear")
        # A question is no yes or no ("為何沒有準時出糧?", unpaid wages, was a no at 0.44): left to action_triage,
        # and at the summary no question confirms a ticket.
        if top in ("affirm", "deny") and confidence < UNSURE and is_question(text) and _a_headline_or_more(text):
            return Decision("inform", "a question, no yes or no")
        # A title naming a problem, without a rating's or a yes's own words, is no answer: "Graffiti on cable boxes #2"
        # was a rating (after en68's first score).
        if top in ("rate", "affirm") and not _SMALL_TALK_WORDS[top].search(text) and headline_names_a_problem(text):
            return Decision(_best_report(ranking, text), "a title naming a problem")
        # Nor is a text with neither a rating's words nor a score, nor a star, a rating: "Crosswalks/Lights/Victoria
        # Ave.", a headline (after en95's first score). Left to action_triage, as a stray statement is.
        if top == "rate" and not _SMALL_TALK_WORDS["rate"].search(text) and not _SCORE.search(text):
            return Decision("inform", "no rating's words")
        # Answers to the form's own questions ("不方便说", "sure, everything is right") stay answers.
        answer = top in ("stay_anonymous", "rate", "affirm", "deny", "inform")
        headline_detail = top == "inform" and _headline(text)  # "Street Sweeping Health Hazard"
        if answer and not wordless and (confidence >= UNSURE or _report_mass(ranking) < MASS or not (substantive(text) or headline_detail)):
            return Decision(top, "answer")
        if substantive(text) and _report_mass(ranking) >= MASS:
            return Decision(_best_report(ranking, text), "content")
        if names_a_problem(text):
            return Decision(_best_report(ranking, text), "names a problem")
        if _headline(text) and confidence < UNSURE and _report_mass(ranking) >= MASS / 3:
            return Decision(_best_report(ranking, text), "headline")
        # About the bot only when it asks: "这些树在这里长了30年,就这样被砍了" says "here" of a place.
        if wordless and not (about_the_bot(text) and is_question(text)):
            # Left to action_triage, as a stray statement is: one that reads as a problem starts the form, any
            # other is offered to be filed as written.
            return Decision("inform", "small talk without its words")
        return Decision(top, "chit-chat")
    else:
        return Decision(top, "other")
    if substantive(text) or _headline(text):
        return Decision(_best_report(ranking, text), "content")
    return Decision(top, "short")
