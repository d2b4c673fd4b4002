"""Emergency numbers by kind of danger; the data lives in faq/emergency.yml."""
import re
from functools import lru_cache
from typing import Dict, List

import yaml

from bot.settings import ROOT

DATA = ROOT / "faq" / "emergency.yml"


@lru_cache(maxsize=1)
def _kinds() -> List[Dict]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))["kinds"]


def advice(text: str, language: str = "zh") -> Dict[str, str]:
    """{"numbers": "119", "safety": "..."} for the first kind whose words the text contains; all numbers otherwise."""
    lowered = (text or "").lower()
    for kind in _kinds():
        if any(word in lowered for word in kind["words"]):
            return {"numbers": kind["numbers"][language], "safety": kind["safety"][language]}
    everything = yaml.safe_load(DATA.read_text(encoding="utf-8"))["unknown"]
    return {"numbers": everything["numbers"][language], "safety": everything["safety"][language]}


# Danger now: what a citizen says when life or property is at risk this minute. The classifier alone is
# not enough: it learned "fire" and "collapsed" from emergencies and also says emergency for a leaking
# fire hydrant or a collapsed sidewalk.
_DANGER_NOW = re.compile(
    r"着火|起火|失火|火灾|冒烟|浓烟|烧起来|爆炸|泄漏|漏气|煤气味|燃气味|天然气味|晕倒|昏迷|不省人事|没有?呼吸|心脏病|"
    r"流血|大出血|受伤|抽搐|溺水|落水|跳楼|抢劫|持刀|拿着?刀|砍人|打人(?!工)|打架|斗殴|撬门|入室|绑架|被困|困住|困在|卡住|救命|"
    r"快来人|车祸|撞人|被车撞|[人孩老]被撞|相撞|卡在车里|一氧化碳|触电|砍伤|刀伤|捅伤|掉进|掉到.{0,4}[河水湖井]|喘不上气|呼吸困难|"
    r"闯进|闯入|往下跳|要跳|出血|噎住|胸口疼|胸痛|"
    r"\bfire\b|on fire|\bsmoke\b|burning|explosion|explod|gas leak|leaking gas|smell(s|ing)? (of )?gas|carbon monoxide|"
    r"unconscious|(not|isn't|stopped|can't|cannot) breathing?|heart attack|bleeding|badly (hurt|injured)|injured|seizure|"
    r"drowning|fell into (the )?(water|river|lake|sea|canal)|robb|knife|\bgun\b|shooting|stabb|attacking|"
    # Gunfire heard, in South Asian English too (after en37's first score: "hawai firing", "potshots").
    r"gun ?shots?|gun ?fire|shots (?:were |are |being )?fired|potshots|(?:aerial|hawai|celebratory|random|indiscriminate) firing|"
    r"stray bullets?|枪声|开枪|枪击|"
    r"(is|are) fighting|a fight\b|breaking in|break-in|kidnap|trapped|stuck in (the |an? )?(lift|elevator)|"
    r"\bhelp!|please hurry|\b(someone|somebody|person|man|woman|lady|kid|child|boy|girl|he|she|cyclist|pedestrian|I) (was |got |has been |just )*hit by a (car|truck|bus)|car crash|a crash\b|electrocut|"
    r"\b(man|woman|lady|person|someone|somebody|he|she|guy|kid|child|boy|girl|baby|dad|mum|mom|father|mother) (just )?(has )?"
    r"(collapsed|fainted|passed out)|chest pains?|choking|hissing|broke into|about to jump|"
    # A quarrel at home that has turned violent is the police's now (after en42's first score: a "domestic
    # situation" with screaming and things thrown was shown nothing).
    r"domestic (?:violence|abuse|dispute|disturbance|situation|fight)|家暴|家庭暴力|"
    # Live lines sparking: "Lightning just struck the high power lines in front of my house … a shower of sparks
    # down onto the median and the road", a danger item the emergency reply missed (after en104's first score).
    r"\b(?:wires?|lines?|cables?|poles?|transformers?|outlets?|sockets?)\b[^.;!?]{0,40}\bspark(?:s|ing|ed)?\b|"
    r"\bspark(?:s|ing)\b[^.;!?]{0,40}\b(?:wires?|lines?|cables?|poles?|transformers?|outlets?|sockets?)\b|showers? of sparks|"
    r"(?:电线|电缆|变压器|电线杆)[^,,。.!!??;;]{0,6}(?:打火|冒火花|火花|冒火)|火花四溅|"
    # A shock just taken: "I just got an electric shock off the kitchen sink" (after en122's first score). A fright
    # ("I got a shock when the bill came") names no current.
    r"\b(?:got|get|gets|getting|took|received) (?:an? )?(?:\w+ )?electric(?:al)? shocks?\b|"
    r"\b(?:got|get|gets|getting) (?:an? )?shock(?:ed)? (?:off|from) (?:the|a|an|my|our|this) (?:\w+ )?(?:sink|taps?|faucet|"
    r"sockets?|outlets?|switch(?:es)?|wires?|fence|pole|railings?|door ?(?:knob|handle)|fridge|washer|washing machine|shower|"
    r"lamp|meter|cables?)\b|被电(?:到|击|伤)|"
    # A live line down: "I saw a car that had crashed and I saw a wire down" (after en122's first score). Lines that
    # run down a street are no fallen ones.
    r"\b(?:downed|fallen) (?:power |electric(?:al)? |live |high[- ]voltage )?(?:lines?|wires?|cables?)\b|"
    # Water coming into a home now: "Our basement is flooded. Water is gushing in, mostly around the drain pipe" (after
    # en129's first score). A leak that drips is no flood, nor is a street under water.
    r"\b(?:basement|cellar|house|home|flat|apartment|kitchen|living room|bedroom|garage|ground floor) (?:is|are) "
    r"(?:now |still |fast |quickly )?(?:flooding|flooded|filling (?:up )?with water|under ?water|inundated|submerged|"
    r"waterlogged)\b|"
    r"\bwater (?:is|are|[’']s) (?:now |still )?(?:gushing|pouring|rushing|flooding|streaming|rising)\b[^.;!?]{0,30}?"
    r"\b(?:in|into|inside|up to)\b|"
    r"(?:洪水|雨水|污水|水)(?:已经|正在|不断|不停地?|一直|开始)?(?:灌|涌|漫|倒灌)(?:进|入|到)了?(?:屋|家|房|室内|地下室|车库|一楼)|"
    # A circuit left live, an evacuation warning where one is: "reported a live open circuit on one or two telephone/
    # electric poles … please stay away from that area because the circuit is live", "sheltering in place in the
    # Yellow evac zone now all night" (danger items of en144, missed). "A live wire" of a person is no circuit.
    r"\blive (?:open )?(?:circuits?|electric(?:al)? wires?|wires? (?:hanging|exposed|down|dangling|sparking|on the))\b|"
    r"\b(?:circuits?|wires?|cables?) (?:is|are) (?:still )?live\b|\bevac(?:uation)? (?:zone|warning|order)s?\b|"
    r"\bshelter(?:ing|ed)? in place\b|紧急疏散|正在疏散|"
    # A gas line a digger hit: "the construction crew … damaged a 4" gas line. They had to evacuate 4 houses" (after
    # en129's first score).
    r"\b(?:hit|damaged|ruptured|broke|broken|cut|struck|severed|punctured|nicked) (?:into )?(?:a |an |the )?"
    r"(?:\d+(?:[\"”]|-inch| inch)? )?(?:natural )?gas (?:line|main|pipe)s?\b|"
    r"\bgas (?:line|main|pipe)s? (?:was |were |is |has been |had been |got )?(?:hit|ruptured|broken|damaged|cut|struck|severed|"
    r"punctured)\b|(?:挖断|挖破|弄破|破裂|断裂)[^,,。.!!??;;]{0,4}(?:燃气|天然气|煤气)管|"
    r"(?:燃气|天然气|煤气)管(?:道|线)?[^,,。.!!??;;]{0,4}(?:挖断|挖破|破裂|断裂|被挖)|"
    r"\b(?:(?:power|electric(?:al)?|live|high[- ]voltage) (?:lines?|wires?|cables?)|wires?) (?:is |are |was |were |has |have |"
    r"had )?(?:been )?(?:down|on the ground|lying in the (?:road|street))\b(?!\s+(?:the|our|my|this|that|a|along|to|from|"
    r"both|each|one)\b)|(?:电线|高压线|电缆)[^,,。.!!??;;]{0,4}(?:掉|落)(?:下来|到地上|在地上|在路上)",
    re.I,
)
# Refuse that people burn in the open, a thing to report either way round ("burning rubbish", "garbage burning").
# Tyres too: "citizens … complaining and burning tyres about the Potholes" (after en127's first score).
_REFUSE = r"(?:rubbish|garbage|trash|leaves|plastic|waste|tyres|tires)"
# Anyone a harm could come to, in a clause telling of a harm yet to come ("before someone breaks a leg", "worried a
# child will be hit", "a branch will fall on someone").
_ANYONE = r"(?:someone|somebody|anyone|anybody|a child|children|kids|people|a pedestrian|a cyclist|one of us)"
# A garden's refuse fire or bonfire, a nuisance like refuse burnt: "the neighbours very smoky garden rubbish fires"
# (after en80's first score). One that spreads is told by what it reaches ("the shed is on fire").
_GARDEN_FIRE = rf"(?:garden |yard )?{_REFUSE} (?:bon)?fires?|garden (?:bon)?fires?"
# A fire kept in a hearth, to warm a home: a nuisance by its smoke, no fire to put out. One that spreads is told by
# what it reaches ("their wood stove set the roof on fire").
# A garden's fire-bowl or pit is one too: "what is burnt in a chimnea? … copious amounts of smoke" (after en116's first score).
_HEARTH = (r"(?:wood|log|coal|peat|turf) ?(?:fires?|stoves?|burners?)|fireplaces?|open fires? in (?:the |their |our |my )?"
           r"(?:home|house|hearth|grate)|chim[ie]?n[ei]?as?|fire ?pits?|fire ?bowls?|braziers?")
# The fire service by its names: named, it is no fire; come to a fire, the fire is no call to make.
_FIRE_SERVICE = r"fire ?(?:trucks?|engines?|brigades?|department|dept|services?|fighters?|crews?)"
# Industry and the air it fouls, named: where they are named, smoke and a burning smell are theirs (en89's smell
# reports to a health department).
_INDUSTRY = r"\b(?:industr(?:y|ial)|smog|pollution|polluted|air quality|emissions|coke ?works|steel ?works|furnaces?)\b"
_INDUSTRY_NAMED = re.compile(_INDUSTRY, re.I)
# Smoke of a source that makes it day in, day out: refuse burnt in the open, named either way round, and exhausts,
# chimneys and kilns ("These smoke emitting vehicles are adding to the pollution", after en48's first score).
_SLOW_SMOKE = re.compile(
    rf"\bburn(?:ing|s|t)? (?:of )?(?:the )?(?:[\w-]+ ){{0,2}}{_REFUSE}|{_REFUSE}(?: [\w-]+){{0,2}} (?:is |are |being )?burn(?:ing|t)\b|"
    r"\bsmoke[- ]emitting|\bemit(?:s|ting|ted)? (?:[\w-]+ ){0,2}smoke|\bexhausts?\b(?! fans?)|"
    r"\b(?:vehicles?|cars|buses|lorries|trucks|rickshaws|generators?|factor(?:y|ies)|chimneys?|kilns?|mills?)\b[^.;!?]{0,40}\bsmoke\b|"
    # And a works': "When the rubberized asphalt is produced the stench and smoke fills covers our properties" (after en87's
    # first score).
    r"\b(?:asphalt|tar|bitumen|plants?|works|quarr(?:y|ies)|incinerators?|crematori(?:um|a)|smelters?|refiner(?:y|ies))\b"
    r"[^.;!?]{0,40}\bsmoke\b|"
    # And industry's, or smog's: "Industrial -large cloud of smoke/smog over …" (after en89's first score).
    rf"{_INDUSTRY}[^.;!?]{{0,40}}\bsmoke\b|\bsmoke\b[^.;!?]{{0,40}}{_INDUSTRY}|"
    # And a party's or a barbecue's: "to see where the music, shouting and smoke are all coming from" at 1 a.m. (after
    # en73's first score).
    r"\b(?:music|barbecues?|bbqs?|grills?)\b[^.;!?]{0,30}\bsmoke\b|"
    # And a garden's: bonfires, refuse fires, wood burners and fire pits, named either way round ("the neighbours very
    # smoky garden rubbish fires", after en80's first score). And a hearth's: "neighbours who decided to put a wood fire
    # in their holiday home … I cop all of the smoke for days" (after en97's first score).
    rf"\b(?:bonfires?|wood ?burners?|log ?burners?|fire ?pits?|{_GARDEN_FIRE}|{_HEARTH})\b|"
    # And a smoker's: "They smoke … I do not want smoke in my home" beside "cigarette smoke" (after en80's).
    r"\b(?:cigarette|cigar|tobacco|weed|marijuana|cannabis|pot|vape|second-?hand|passive) smoke\b|\bsmokers?\b|"
    r"\b(?:stop|quit|quitting|started|give up|gave up) smoking\b|"
    r"烧垃圾|焚烧垃圾|垃圾焚烧|焚烧秸秆|烧秸秆|尾气|(?:工厂|厂子|厂房|烟囱|窑)[^,,。.!!??;;]{0,8}(?:冒|排|放)",
    re.I,
)
_SMOKE = re.compile(r"\bsmoke\b|浓烟|冒烟", re.I)
# Someone burning refuse, or a garden's or a hearth's fire, named: a bare "burning" beside is theirs.
_REFUSE_BURNT = re.compile(
    rf"\bburn(?:ing|s)? (?:of )?(?:the )?(?:[\w-]+ ){{0,2}}{_REFUSE}\b|\b(?:{_GARDEN_FIRE}|{_HEARTH})\b",
    re.I,
)
_BARE_BURNING = re.compile(r"\bburn(?:ing|s|t)?\b", re.I)
# A night of fireworks named: its explosions are theirs ("I heard some very loud explosions and saw bright lights in the
# sky" on "the Fourth of July", after en135's first score). Fire, people hurt and a gas explosion still count. Chinese
# names the fireworks themselves (烟花, 鞭炮), and its festivals last for days.
_FIREWORK_NIGHT = re.compile(
    r"\b(?:fourth|4th) of july\b|\bjuly (?:4th|4|fourth)\b|\bguy fawkes\b|\bbonfire night\b|\bnew year['’]?s eve\b|"
    r"\bdiwali\b|\bdeepavali\b|\bhogmanay\b",
    re.I,
)
_EXPLOSIONS = re.compile(r"\bexplo(?:sions?|d\w*)\b", re.I)
_GAS = re.compile(r"\bgas\b", re.I)
# Gas that is not, or no longer, smelled.
_GAS_GONE = (
    r"\b(?:no longer|don'?t|do not|didn'?t|did not|can'?t|cannot|can no longer|never)\s+(?:\w+\s+)?smell(?:s|ing)? "
    r"(?:of )?(?:any )?gas\b|\bgas (?:smell|odou?r)s? (?:is |has |have )?(?:gone|went away|cleared|disappeared)\b|"
    r"(?:没有?闻到|闻不到)[^,,。.!!??;;]{0,4}(?:煤气|燃气|天然气)味?|(?:煤气|燃气|天然气)味(?:已经)?(?:没了|没有了|消失了?|散了)"
)
# Words that contain a danger word without meaning danger: a fire hydrant, a fire lane, a smoke detector.
_NOT_DANGER = re.compile(
    r"fire ?hydrants?|fire ?(lane|escape|door|exit|alarm|extinguisher|station|stair(?:well|case|way)|sprinkler)s?|smoke (detector|alarm)s?|"
    # A fire lane by its other names: "there are fire route signs everywhere" (after en123's first score).
    r"fire ?(?:route|access|zone)s?\b|"
    # A place to shoot at targets, and brakes' air: "the Upland Valley Shooting Clays range", "pneumatic hissing,
    # squealing brakes" of school buses (after en125's and en123's first scores).
    r"\b(?:shooting|rifle|pistol|gun|archery) (?:ranges?|clubs?|grounds?|galler(?:y|ies))\b|\b(?:sporting|shooting) clays\b|"
    r"\bclay (?:pigeon )?shooting\b|\b(?:pneumatic|air[- ]brakes?|brakes?) hiss\w*|\bhiss\w* (?:of |from )?(?:the |their )?(?:air )?brakes?\b|"
    # Smoke or fire looked for and not found, and food burnt: "No smoke/fire apparent there", a smoke alarm that "could be
    # someone burning breakfast" (after en122's first score).
    r"\bno (?:signs? of )?(?:smoke|fire|flames?)(?:\s*(?:/|or|nor|and)\s*(?:smoke|fire|flames?))?\b|"
    r"\bburn(?:ing|t|ed|s)? (?:the |their |his |her |my |our |some )?(?:breakfast|toast|dinner|lunch|food|popcorn|bacon|"
    r"pizza|rice|cooking)\b|"
    # Building codes named together: "fire and electrical code violations" (after en101's first score).
    r"\bfire (?:and|&|/) (?:\w+ ){1,2}(?:codes?|regulations?|inspections?|violations?)\b|"
    # The fire service named, not a fire: "the fire trucks can't get in" past cars parked on both sides.
    rf"{_FIRE_SERVICE}|fire ?(?:marshals?|safety)|"
    # Or its buildings, and the services named together: "west of the police and fire training center" (after en45's
    # first score: a digger's noise near it was given the emergency reply).
    r"fire ?(?:training|academy|headquarters|hq|house|hall)|(?:police|ambulance) (?:and|&|/) fire\b|"
    # Or what it gives a place: "Tuckertown area needs fire protection. Currently rated Class 10" (after en79's).
    r"fire ?(?:protection|coverage|cover|insurance|ratings?|districts?)\b|"
    # A worker fired, not a fire: "they are threatening to fire me" (after en82's first score).
    r"\bfir(?:e|ed|ing) (?:me|him|her|us|them|you|people|workers|staff|employees)\b|"
    # Or a firm dismissed: "It's Time to Fire the Management Company", a headline (after en101's first score).
    r"\bfir(?:e|ed|ing) (?:the|our|their|this|that|my|your) (?:[\w-]+ ){0,2}(?:company|companies|management|managers?|"
    r"agents?|agency|board|contractors?|landlords?|firm|staff|team|coach|ceo|directors?|chairman|president|council|"
    r"committee|trustees?|lawyers?|builders?|plumbers?)\b|"
    # Or a firm named, then said to be one: "1. Fire Veolia, the company responsible for our water system" (after
    # en111's first score). Only a capitalised name: "fire broke out, the company said" keeps its fire.
    r"\bfir(?:e|ed|ing) (?-i:[A-Z][\w&.'’-]*)(?: (?-i:[A-Z][\w&.'’-]*)){0,2},? (?:the|our|their|a|an|which is the) "
    r"(?:[\w-]+ ){0,2}(?:company|companies|firm|contractors?|agency|utility|operator|provider|management|landlords?)\b|"
    # Sparks seen, told in the past: "I heard a funny noise and looked up to see sparks coming from the wires" (after
    # en104's first score). "Sparks are coming from the wires" still counts.
    r"\b(?:saw|noticed|watched|looked (?:up|out|over) to see|there were)\b[^.;!?]{0,40}\bsparks?\b|"
    # A body that burns is no fire: "I informed the beautician that my scalp was burning" (after en107's first score).
    r"\b(?:scalp|skin|eyes?|throat|nose|lungs|chest|feet|hands?|face|mouth|tongue|head|stomach|legs?|arms?)\b "
    r"(?:was |is |were |are |started |kept |felt |feels )?(?:still )?burning\b|"
    # A shooting or a poisoning named as a remedy one is against: "WHILE I am totally against random shooting or the
    # uncontrolled poisoning of monkeys" (after en108's first score).
    r"\b(?:against|opposed to|oppose|instead of|rather than|ban on|banning)\b (?:any |the |all )?(?:[\w-]+ ){0,2}"
    r"(?:shooting|poisoning|culling|killing|trapping)\b(?: (?:or|and) (?:the )?(?:[\w-]+ ){0,2}(?:shooting|poisoning|culling|killing|trapping)\b)?|"
    # Too hot, not aflame: "I'm burning up in my apartment" with the radiator on in spring (after en103's first score).
    r"\b(?:i['’]?m|i am|we['’]?re|we are|it['’]?s|it is|i was|we were)\s+(?:\w+\s+)?burning up\b|"
    r"\b(?:get|got|gets|getting|was|were|been|being|be) fired\b|"
    # Air or water that shoots out, not a gun: "I heard the air shooting out of the tire" (after en78's first score).
    r"\b(?:air|water|steam|sewage|mud|dirt|sand|gravel|stones?|rocks?|oil|fluid|liquid|foam|spray)\b(?: [\w'’]+){0,3} shooting\b|"
    r"fire (?:and|&) (?:emergency|rescue)\b|"
    # A fire as a kind of incident, and one supposed: "We had a fire related incident with the fire engine taking eight
    # minutes…", "If this had been a serious fire a life may have been lost" (after en51's first score).
    r"\bfire[- ]related\b|\bif (?:this|it|that|there) had (?:been|happened|spread)\b[^.;!?]*|"
    # Fires counted are a trend, not one burning: "incidents of fire have become a daily occurrence" (after en50's
    # first score).
    r"\b(?:incidents|cases|instances|number) of (?:fires?|arson|robber(?:y|ies)|kidnappings?|shootings?)\b|"
    r"\b(?:fire|arson|robbery|kidnapping|shooting) (?:incidents|cases)\b|"
    # Or by their number: "I've reported four (suspected) gas leaks in the road recently" (after en63's first score).
    r"\b(?:three|four|five|six|seven|eight|nine|ten|dozens of|several|many|multiple|numerous|countless|[3-9]|\d\d+) "
    r"(?:\(?(?:suspected|possible|separate|different|major|minor|small|big|house)\)? )?(?:gas leaks|fires|explosions)\b"
    r"(?! (?:are |is )?(?:burning|now|right now|near|next to|behind|in front))|"
    # A hole likened to a blast: "full of deep, wide holes. Looks like IEDs exploded." (after en62's first score). Only
    # the likeness: "sounds like a bomb went off, there is smoke everywhere" keeps its smoke.
    r"\b(?:like|as if|as though) (?:an? |some |the )?(?:ieds?|bombs?|grenades?|(?:land ?)?mines?|shells?|missiles?)"
    r"(?: (?:had |have )?(?:exploded|went off|gone off|hit))?\b|"
    # Refuse or pests "exploding" are a great deal of them: "Trash Explosion", a headline (after en117's first score).
    rf"\b(?:{_REFUSE}|litter|rats|mice|weeds|pigeons|flies) explosions?\b|\bexplosion (?:of|in) (?:the )?(?:[\w-]+ ){{0,2}}"
    rf"(?:{_REFUSE}|litter|rats|mice|weeds|pigeons|flies|potholes|traffic|population)\b|"
    # Money burnt and robbery as figures of speech: lights left on "burning away taxpayers' money", a shop's
    # wrong prices "daylight robbery"; 天落水 is rain in Wu (Shanghai) speech, nobody fell into water.
    r"burn(?:ing|s|t)? (?:away |through |up )?(?:[\w'’]+ ){0,2}(?:money|cash|funds|dollars|fuel|electricity|energy)|"
    # Fuel or lights used up, not a fire: a power company "burning a whole lot of coal", "burning lights by day".
    r"burn(?:ing|s|t)? (?:up )?(?:[\w'’]+ ){0,4}?(?:coal|diesel|petrol|lights?|lamps?|bulbs?)\b|"
    r"(?:daylight|highway) robbery|天落水|"
    # Domestic violence named as a service or a cause, not a quarrel now ("fund the domestic violence shelter").
    r"domestic (?:violence|abuse) (?:shelters?|services?|support|hotlines?|victims|cases|laws?|polic(?:y|ies)|funding)|"
    # Or one lived through: a parking rule "dangerous to residents who have escaped domestic violence or stalkers"
    # (after en112's first score).
    r"\b(?:escaped|fled|fleeing|surviv(?:ed|ors? of|ing)|victims? of|history of|experienced) (?:from )?"
    r"(?:domestic|family|partner|intimate partner) (?:violence|abuse)\b|"
    # A danger granted before the complaint proper: "I acknowledge the fire outbreaks and power outages that are occurring
    # in the city right now. With that said, @SDGE is leaving me … without gas" (after en59's first score).
    # Up to a "but": "I appreciate you are busy but there is smoke coming from next door" keeps its smoke.
    r"\bI (?:acknowledge|appreciate|understand|recogni[sz]e|reali[sz]e) (?:that )?(?:(?!\b(?:but|however|yet)\b)[^.;!?,])*|"
    # A plea for the service at the end of a complaint, not a cry for help: "…blocking sidewalks. PLEASE HELP!"
    r"\bplease help!+|"
    # Plumbing that "exploded" burst: "My sink exploded while I was at work. Water and pools of sludge were everywhere"
    # (after en93's first score). A boiler or a gas heater that explodes is still a blast.
    r"\b(?:sinks?|toilets?|loos?|pipes?|drains?|sewers?|taps?|faucets?|showers?|hoses?|water ?mains?|gutters?)\b"
    r"(?: [\w'’]+){0,2} explod\w*|"
    # A machine started: a neighbour's generator that "fires up a few lights".
    r"\bfir(?:e|es|ed|ing) (?:it |them )?up\b|"
    # A bill or a fee called robbery: "It is a robbery by WASA" (no water since January, bills paid).
    r"\b(?:it|this|that|which)(?:'s|’s| is| was) (?:a |an |pure |outright |plain |just |nothing but )?(?:\w+ )?robbery|"
    r"火灾隐患|安全隐患|消防隐患|fire (?:hazard|risk|danger|code|season|ban|restriction)s?|risk of (?:a )?fire|"
    # A smell or a fume that burns the nose is no fire: "the stench and smoke … burning our noses and eyes" (after
    # en87's first score).
    r"\bburn(?:ing|s|t)? (?:our |my |the |your |their )?(?:noses?|eyes|throats?|lungs|skin|nostrils)\b|"
    rf"\b(?:{_GARDEN_FIRE})\b|"
    # Gas no longer smelled: "I don't smell gas anymore", 闻不到煤气味了, 煤气味已经散了.
    rf"{_GAS_GONE}|"
    # Crimes named by their kinds are a trend, not one at the door: "Street crimes, including snatching and
    # kidnapping, are on the rise", "the number of crimes includes robbery" (after en48's first score).
    r"\bcrimes?\b[^.;!?]{0,30}?\b(?:includ\w*|such as|like)\b[^.;!?]*|"
    # A harm a neglect invites: a dark skywalk as "an invitation to robbery" (after en41's first score).
    r"\binvit(?:ation|ing|es?) (?:to|for) (?=[^.;!?]*\b(?:robber|thie|crime|mugg|accident|disaster|fire))[^.;!?]*|"
    # A fire that may come: dead trees as "tinder for any potential fire" are a hazard to report, not a fire.
    r"(?:potential|possible|future) fires?|(?:could|might|may|would) (?:\w+ ){0,2}(?:start|cause|spark|catch) (?:a )?fire|"
    # Its kind may stand between: "constant burning of dry waste near the circle" (after en46's first score).
    rf"burning (?:of )?(?:something|(?:the )?(?:[\w-]+ ){{0,2}}{_REFUSE})|{_REFUSE}(?: dumps?| piles?| heaps?)?(?: is| being| and)? burn(?:ing|t)\b|"
    # Refuse set alight, and refuse or a city "drowning" in rain or in itself (after en39's first score: "setting the
    # garbage on fire", "piles of garbage drowning in rain and drain water", "Garbage dump and burning on main road").
    rf"\bset(?:s|ting)? (?:the )?{_REFUSE} (?:on fire|alight|ablaze)|{_REFUSE}s?(?: \w+){{0,2}} drowning|"
    # The same refuse by a pronoun: "they dump trash there and then set it on fire" (after en41's first score).
    rf"{_REFUSE}\b[^.!?;]{{0,40}}?\bset(?:s|ting)? (?:it|them) (?:on fire|alight|ablaze)|"
    rf"drowning in (?:{_REFUSE}|filth|sewage|debt|potholes|traffic|mud|dirt)|"
    # Lights that burn: street lights left on by day ("streetlights burning during the day"), globes burnt out.
    r"(?:lights?|lamps?|bulbs?|globes?)\s+(?:[\w'’/]+\s+){0,2}burning|burning (?:during|in|through) the day|"
    r"burning (?:all day|24/7|day and night|round the clock)|burn(?:t|ed) out|"
    # Fire kept on purpose: crackers burst at a wedding, coal for the hearth ("I get coal for the fire").
    r"burn(?:ing|s|t)? (?:[\w'’]+ ){0,6}(?:fire ?crackers|crackers|fireworks?|incense|candles|joss)|"
    # Named first: "As I type this, my power is out … I have several candles burning, for both light and some heat"
    # (after en99's first score). And a hearth's fire: "put a wood fire in their holiday home" (after en97's).
    r"\b(?:candles?|incense|joss ?sticks?|tea ?lights?|lanterns?|oil lamps?) (?:[\w'’]+ ){0,2}burning\b|"
    rf"\b(?:{_HEARTH})\b|"
    r"(?:coal|wood|logs?|turf|kindling|fuel) (?:for|on) the fire|"
    # Figures of speech and a needle: "load shedding adds fuel to the fire", "someone shooting up in a children's play
    # area" (after en149's and en148's first scores). Shots at a place ("shooting up the street") are no needle.
    r"\b(?:add(?:s|ed|ing)?|pour(?:s|ed|ing)?) (?:more )?(?:fuel|oil|petrol|gasoline) (?:to|on) (?:the )?(?:fire|flames)\b|"
    r"\bshoot(?:s|ing)? up (?:drugs|heroin|in (?:a|the|our|their)|on (?:the|our)|behind|under|there|here)\b|"
    # Or set off: a neighbour who "explodes an M-80 just several feet from their window" on the Fourth of July is
    # noise (after en54's first score); someone hurt by it is still told by the hurt.
    r"explod\w* (?:\w+ ){0,2}(?:m-?80s?|fire ?crackers?|crackers|fireworks?|cherry bombs?|bangers)\b|"
    r"(?:m-?80s?|fire ?crackers?|fireworks?|cherry bombs?|bangers) (?:\w+ ){0,2}explod\w*|"
    # Smoking as a habit of the place, the verb: "people in the evenings smoke and drink here".
    # "The driver gets off … to take a break, smoke a cigarette" (after en138's first score).
    r"smoke and drink|drink and smoke|smok(?:e|es|ing) (?:a |an |some |his |her |their )?(?:weed|cigarettes?|cigars?|cigs|"
    r"pot|shisha|hookah|marijuana|joints?|pipes?)|"
    # A thing broken to pieces, not a house broken into: "the chunk of concrete … broke into several pieces" (after
    # en137's first score).
    r"\bbroke into (?:(?:several|many|a few|two|three|four|small|tiny|little|a (?:thousand|million)) )?(?:pieces|bits|"
    r"fragments|shards|halves|tears|a (?:run|smile|grin|sweat|song))\b|"
    # Or one of the things people do where they sit: "people evidently sit and eat, drink, or smoke, then toss their
    # rubbish down the bank" (after en56's first score).
    r"\b(?:eat|drink|sit|chat|talk|eating|drinking|sitting|chatting)\b,? (?:or|and) smok(?:e|ing)\b|"
    r"\b(?:people|they|men|youths?|boys|girls|kids|teens|teenagers|students|workers|drunks)\s+(?:(?:here|there|openly|"
    r"always|often|in the \w+)\s+)?smoke\b|"
    # Robbers as a kind of people feared ("robbers attack us when the lights are off"), not robbers at the door.
    r"\brobbers\b(?! (?:are|is) (?:here|in|inside|outside|at|trying|breaking))|"
    r"消防栓|消防通道|消防门|灭火器|烟感|吸烟|抽烟|烟头|油烟|烟花|香烟|烟酒|烟囱|卡住了?钱|卡里|[打点]不着火|不着火|烧垃圾|烧秸秆|"
    # Idioms of hard work and grief in wage complaints: 流血流汗, 流血流泪, 血汗钱, 心在滴血.
    r"流血流[汗泪]|流[汗泪]流血|血汗|血泪|心[在都]?[流滴]血|"
    # A harm feared, or one that did not happen ("还好有人通知,不然就漏气了"), to the end of its clause:
    # "一旦发生煤气泄漏,后果不堪设想" asks for a repair, not a fire engine; "煤气泄漏了,一旦爆炸…" keeps its leak.
    # So is a harm the writer fears or supposes (就害怕…导致摔倒受伤, 要是引起爆炸, "worried a child will be hit").
    r"(?:一旦|万一|以免|以防|防止|避免|谨防|容易|不然|否则|要不然|要不是|害怕|担心|担忧|生怕|就怕|唯恐|要是|如果|假如|倘若|若是)[^,,。.!!??;;]*|"
    r"\b(?:in case of|to prevent|for fear of|if (?:there is|there were|ever))\b[^,.;!?]*|"
    # Or wondered about: "What if they weren't really gas leaks..." (after en63's first score).
    r"\bwhat if\b[^.;!?]*|\bwhat (?:would|will|could|might) happen if\b[^.;!?]*|"
    rf"\b(?:worried|afraid|scared|terrified|fear) (?:that )?(?:{_ANYONE}|we|they|he|she)\b(?: \w+)? "
    r"(?:will|would|could|might|may|is going to|are going to)\b[^,.;!?]*|"
    # A harm that would come, or whose coming a repair waits for ("I risk getting electrocuted by the leak", "a child
    # could get hurt", "they only fix pavements when someone is seriously injured", 非要等到有人受伤才修).
    r"\b(?:(?:risk(?:s|ed|ing)?|at risk of|in danger of) (?:get(?:ting)?|be(?:ing)?)|(?:is|are|[’']s|[’']re) going to (?:be|get)|"
    r"(?:will|would) be|(?:could|would|can|will) (?:easily |"
    r"potentially |possibly |even |also |really )?get) (?:seriously |badly |fatally |severely )?(?:electrocuted|hurt|"
    r"injured|hit|killed|burn(?:ed|t)|trapped|stuck|stabbed|robbed|attacked|bitten)\b|"
    # After "before" or "until" whatever befalls a person is yet to come ("before someone breaks a leg"); after
    # "when" or "if", a clause with its verb ("when someone is seriously injured").
    rf"\b(?:(?:until|till|unless|before|wait(?:s|ing)? (?:for|until)) (?:there (?:is|are)|{_ANYONE})\b|"
    rf"(?:when|whenever|once|if) {_ANYONE}\b (?:is|are|gets?|to|will|has|have|dies|falls|were|was|should|would)\b)[^,.;!?]*|"
    r"(?:等到|直到)(?:有人|出了?人命|出事|孩子|小孩|老人)[^,,。.!!??;;]*|"
    # A thing that has been set on fire was set on fire before: "There has been some vandalism, and parts have been set on
    # fire" of a park's play equipment (after en129's first score). Flames or a fire still burning still count.
    r"\b(?:has|have|had) been (?:set (?:on )?fire|set alight|torched|burnt|burned)(?: down| out)?\b|"
    # How long one has lived or worked somewhere tells how long the writer has been there, not the harm ("We've been
    # living in our home for 18 years … Our basement is flooded. Water is gushing in", after en129's first score).
    r"\b(?:lived|living|live|resided|residing|owned|rented|renting|worked|working) (?:here|there|in (?:this|our|my|the) "
    r"(?:[\w-]+ ){0,2}?(?:home|house|flat|apartment|area|street|road|neighbou?rhood|town|city|village|building|estate))\b"
    r"[^.;!?]{0,15}?\bfor (?:the )?(?:past |last |over |almost |nearly |about )?(?:\d+|two|three|four|five|six|seven|eight|nine|"
    r"ten|twenty|thirty|forty|several|many|a few|a couple of) (?:years|decades|months)\b",
    re.I,
)
_FULL_MONTH = r"(?:january|february|march|april|june|july|august|september|october|november|december)"
# A fire the fire service has already come to or put out is no call to make: "About 3AM, the fire trucks showed up",
# "yet another recycling bin still smouldering after the Fire Brigade had doused the flames", "the fire department was on
# their way to investigate a suspected gas leak" (after en104's first score). Read in the raw text: _NOT_DANGER blanks
# the service's name.
_FIRE_SERVICE_CAME = re.compile(
    rf"\b(?:{_FIRE_SERVICE}|fire ?men)\b"
    r"[^.;!?]{0,30}?\b(?:showed up|turned up|arrived|came|attended|(?:was|were|had been) called|(?:was|were) on (?:their|its|the) way|"
    r"put (?:it|them|the \w+) out|(?:had )?doused|extinguished|checked it out)\b|"
    r"\bafter (?:the )?(?:fire ?(?:brigade|department|service|crews?|fighters?)|firemen) (?:had )?(?:doused|put out|left)\b|"
    # Or by its engines' kinds, pulled up: "a ladder engine pulled up out front before an operator came on the line"
    # (after en122's first score).
    r"\b(?:ladder|pumper) (?:engines?|trucks?)\b[^.;!?]{0,30}?\b(?:pulled up|pulled in|showed up|turned up|arrived|came)\b",
    re.I,
)
# A month by its name or its first three letters, for a date told either way round ("on Dec 21", "on 21st December").
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*"
# A harm told as past, slow or recurring is a report, not a call for help now (docs/INTERFACE.md).
_PAST_OR_SLOW = re.compile(
    r"昨天|前天|上周|上个月|去年|之前|以前|曾经|上次|上回|经常|总是|每天|每晚|天天|每周|每个?月|每年|每逢|每到|每次|一直|多次|好几次|长期|反复|半年|几个月|年前|个月前|"
    r"yesterday|last (week|weekend|month|night|year|summer|winter|spring|autumn|fall)\b|"
    r"every (day|night|morning|week|weekend|time|month|year)|always|for (weeks|months|years)|"
    r"(per|each) (day|night|week|month)\b|hours a day|(days|weeks|months|years) ago|"
    # "Guns being fired seven days a week, morning till night" (after en125's first score).
    r"\b(?:seven|six|five|7|6|5) days a week\b|\bmorning (?:till|until|to|til) night\b|"
    # And in the singular: "A week ago, I stepped outside … to see a huge glow of fire" (after en122's first score).
    r"\b(?:a|an|one) (?:day|week|fortnight|month|year|decade) ago\b|"
    # Or by a weekday's night, or the morning after: "Saturday night I heard a loud crack … The next morning I saw … the
    # downed line" (a text learnt from, read again after en122's first score). "It's Saturday night" and "this Sunday
    # morning" are now.
    r"(?<!it's )(?<!it’s )(?<!it is )(?<!this )(?<!on a )\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday) "
    r"(?:night|morning|afternoon|evening)\b|"
    r"\bthe (?:next|following) (?:morning|day)\b|"
    # Or by the fire's end: "kids … start burning it. I was the one that came to put it out" (after en148's first score).
    # "Please come and put it out" asks for it.
    r"\b(?:came|managed|was able|were able|had|tried) to put (?:it|them|the fire|the flames) out\b|"
    r"\b(?:I|we|they|he|she|firefighters|firemen) (?:quickly |soon |finally )?put (?:it|them|the fire|the flames) out\b|"
    r"\b(?:was|were|got|been) (?:quickly |soon |finally )?(?:put out|extinguished)\b|"
    # Told as the latest of many: "Another recycling bin set on fire in Clegg Street", a headline (after en104's).
    r"\b(?:yet )?another (?:[\w-]+ ){0,3}(?:set on fire|set alight|fires?|arsons?|break-?ins?|burglar(?:y|ies)|robber(?:y|ies)|"
    r"shootings?|stabbings?|crash(?:es)?|accidents?)\b|"
    # Or as what the weather brings each time: "刮风时直打火花", "sparks whenever the wind blows" (after en104's first score).
    r"(?:一|每当|每次)?(?:刮风|下雨|打雷|下雪)(?:时|的时候|就)|\bwhen(?:ever)? (?:it|the wind) (?:rains|blows|storms|snows|is windy)\b|"
    # "Keep the children away" says what to do now, not that the harm keeps coming back.
    r"again and again|several times|often|"
    r"keeps? (?!(?:(?:the|them|everyone|everybody|people|kids|children|your|our) (?:\w+ )?)?(?:away|back|out)\b|clear\b)|"
    r"whenever|(?:every )?now and then|from time to time|time (?:and|after) time|"
    r"day in,? (?:and )?day out|day after day|(?:a |an )?(?:daily|everyday|regular|common|frequent) (?:occurrence|affair|"
    r"feature|sight|phenomenon)|"
    r"all (?:night|day) long|on (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    # Since a road was built, many crashes: "自汨杨线建成以来…已经发生过多起严重车祸" (after zh35's first score).
    r"以来|多起|数起|好几起|"
    # Told as a habit, or as the latest of many: a letter about a junction's accidents, night-time rubbish burning.
    r"通常|常常|时常|老是|屡次|频繁|频频|又一次|usually|regularly|routinely|(?:are|is) (?:so )?common|yet again|once again|"
    # Told as what a place has come to: wedding halls' "gun firing and fireworks has become a nuisance in Karachi".
    r"屡禁不止|愈演愈烈|成了?常态|已成常态|习以为常|司空见惯|"
    # Seen again, by the writer: "今天又见有人摔倒" tells of a hazard that keeps hurting people, not a call for help.
    r"又(?:见|看到|看见)|"
    # Told as over: "一个人被困在电梯里,还好最终有惊无险", "luckily no one was hurt".
    r"有惊无险|虚惊一场|已?脱险|被救出|救出来了|没有?人受伤|无人受伤|"
    # A hope is not: "I hope nobody got hurt" of a house burning now (after en129's first score).
    r"(?<!hope )(?<!hoping )(?<!pray )(?:no one|nobody|no-one) (?:was|got) (?:hurt|injured)|"
    r"(?:luckily|fortunately|thankfully),? (?:no|nobody|no one|none)\b|"
    # Or as a near thing that did not come: "my house burning down. Nearly. … It hasn't happened yet, but today was as
    # close as it gets" (after en129's first score).
    r"\b(?:hasn['’]t|has not|didn['’]t|did not) happen(?:ed)? yet\b|\bas close as it gets\b|\ba (?:close call|near miss)\b|"
    # A harm that keeps befalling the many who pass: "two wheelers are getting injured after falling" on a new road
    # (after en41's first score). One person hurt now is told in the singular.
    r"\bare (?:getting|being) (?:injured|hurt)\b|"
    # Told as how it has been from the start, or when it happens in general: "From day one the heating never
    # worked", "in the evenings people smoke and drink here".
    r"(?:from|since) day one|从一开始|自始至终|never (?:worked|been (?:fixed|repaired))|"
    # Told by how long it has lasted: "for the past 12 months", "it's been months now", "after 18 months of complaining".
    r"(?:for|over|after|in) (?:the )?(?:past |last )?(?:\d+|two|three|four|five|six|several|many|(?:a )?few|(?:a )?couple(?: of)?) (?:weeks|months|years)\b|"
    r"(?:been|past) (?:weeks|months|years)\b|(?:over|through|down|in) the (?:years|decades)\b|for (?:decades|ages)\b|"
    # "from the last one year", "for a year now", "since last year".
    r"(?:for|over|from|since) (?:the )?(?:past |last )?(?:one |a |an )?(?:whole )?(?:week|month|year)\b|"
    # "Since many weeks our sewer system is blocked … my house is flooded" (South Asian English; after en129's first score
    # made a flood danger words).
    r"\bsince (?:many|several|a few|some|\d+|two|three|four|five|six|seven|ten) (?:days|weeks|months|years)\b|"
    r"in the (?:evenings|mornings|afternoons|nights)|(?:at|on|over) (?:the )?weekends|most (?:days|nights|evenings|mornings)|"
    r"(?:has|have|is|are) (?:become|becoming) (?:a |an |the )?(?:\w+ ){0,2}(?:nuisance|menace|norm|habit|routine|trend|problem|way of life)|"
    # Or by a picture of what it left: "This is a pic of the damages to a pole near my house … started a small fire"
    # (after en82's first score).
    r"\b(?:pic(?:ture)?s?|photos?|images?) of (?:the )?damages?\b|"
    # Or by a day and a month, or a month and a year: "05 September very smoky garden rubbish fire, day 3. 29 September
    # 2019 …" (after en80's first score). Month names in full: "3 may" is no date.
    rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_FULL_MONTH}\b|\b{_FULL_MONTH},? (?:19|20)\d\d\b|"
    # Found on coming home, or told as lately past: "My sink exploded while I was at work", "There was recently a fire in
    # one of the elevators … all three offline" (after en93's first score).
    r"\bwhile (?:I|we) (?:was|were) (?:at work|out|away|asleep|on holiday|on vacation)\b|\b(?:came|come|got) home to find\b|"
    r"\b(?:was|were|had|has been|have been) recently\b|\brecently (?:had|was|were)\b|"
    # Told as what used to be, or night after night: "We used to live next door to a gang who did burnouts", "endless
    # nights of burnouts, the stink of burning rubber" (after en52's first score).
    r"\bused to\b|\b(?:endless|sleepless|countless) (?:nights|days|weekends|hours)\b|"
    # Told by its date, as a thing that happened then: "9月11日下午2点,电梯突然下坠".
    rf"\d{{1,2}}月\d{{1,2}}[日号]|(?:last|on) {_MONTH}\.? \d|\bon (?:the )?\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}\b|"
    # Or by a month and day in figures before what happened then: "1.21中央大街火灾目睹消防车…进来不了" (after zh42's
    # first score). Not a measure: "2.5米", "1.5吨", "3.2公里", "4.5分".
    r"(?<![\d.])(?:1[0-2]|0?[1-9])\.(?:3[01]|[12]\d|0?[1-9])(?=[\u4e00-\u9fff])(?![米元吨斤克号楼栋层室户期万亿公千个倍分度小天周年月寸尺亩平立升毫厘])|"
    # A disaster named by what came of it: "a grant from the gas explosions settlement with Columbia Gas" (after en58's).
    r"\b(?:settlement|lawsuit|inquest|inquiry) (?:with|against|over|into)\b|\b(?:aftermath|anniversary) of\b|\bin the wake of\b|"
    # Or by a date in figures with its year: "08/12上门通气时发现…漏气" (after zh30's first score).
    r"(?<!\d)(?:19|20)\d\d[/.-]\d{1,2}[/.-]\d{1,2}(?!\d)|(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d\d(?!\d)|"
    # Or with a year of two figures: "I reported this light on the 11/03/25 the day after the hedge … was set on fire"
    # (after en60's first score).
    r"(?<![\d/.-])\d{1,2}/\d{1,2}/\d\d(?![\d/])|"
    # By its month or its minute ("stuck in the lift in October", "今天早上8点40分…电梯就不动"), or as what came after it.
    r"\b(?:in|since|during|back in|early|late|mid) (?:january|february|march|april|june|july|august|sept(?:ember)?|october|"
    r"november|december)\b|\d{1,2}[点时]\d{1,2}分|\bafter being (?:stuck|trapped|hit|attacked|robbed|injured|hurt|bitten)\b|"
    # A crime done to the writer, told in the simple past: "I was robbed on our way home" asks for the lights that
    # would have stopped it. Unless it says when, just now: "I was just robbed", "we were mugged a minute ago".
    r"\b(?:I|we) (?:was|were|got|had been) (?:robbed|mugged|attacked|assaulted|beaten up|burgled|burglarized)\b"
    r"(?![^,.;!?]*\b(?:now|a minute ago|minutes ago|moments? ago)\b)",
    re.I,
)


_CLOSING_HELP = re.compile(r"(?<=[.!?])\s+help!+\s*$", re.I)
_OPENING_HELP = re.compile(r"^\W*help!+\s+", re.I)
# A burning smell, told by its likeness or by what burns: "like burning Teflon", "a smell of burning rubber", "burning
# batteries". Not a home or a car burning.
_BURNT_SMELL = re.compile(
    r"\b(?:smells?|smelling|odou?rs?|stench|stink|scent|like|of)\s+(?:\w+\s+)?burn(?:ing|t)\b(?:\s+[\w-]+){0,2}|"
    r"\bburn(?:ing|t)\s+(?:[\w-]+\s+){0,2}?(?:smells?|odou?rs?|stench|stink|batteries|teflon|plastics?|rubber|tyres|tires|"
    r"metals?|chemicals?|oil|sulfur|sulphur|coal|coke|wires?|insulation|paint|hair|eggs)\b",
    re.I,
)


@lru_cache(maxsize=256)
def _explained(text: str) -> str:
    """`text` with what _NOT_DANGER explains away blanked out. The triage asks danger_now and person_at_risk of the
    same message, and a letter may run to 5,000 characters."""
    # A hashtag's word is a word: "setting the #garbage on fire".
    text = re.sub(r"#(?=\w)", "", text)
    closing = _CLOSING_HELP.search(text)
    if closing and len(text[: closing.start()].split()) >= 9:
        # A "Help!" that closes a message of some length pleads for the service, as "please help!" does: "I haven't recd
        # any but msg is too many sent. Help!", to a shop's support (after en88's first score). The message's own
        # danger words still count, and a short cry keeps it: "A man is following me. Help!"
        text = text[: closing.start()]
    opening = _OPENING_HELP.search(text)
    if opening and len(text[opening.end():].split()) >= 9:
        # So does one that opens it: "HELP! My entire neighborhood has a problem with excessive Gardner Snakes!" (after
        # en108's first score). Its own danger words still count.
        text = text[opening.end():]
    if _INDUSTRY_NAMED.search(text):
        # A burning smell told where industry is named is the works' nuisance, not a fire: "Like burning Teflon, awful
        # industrial stench", "Same industrial metal burning batteries" (after en89's first score). Flames, a fire or a
        # building burning still count.
        text = _BURNT_SMELL.sub(" ", text)
    if _SLOW_SMOKE.search(text):
        # Where refuse is burnt or exhausts smoke, smoke is theirs: "constant burning of dry waste … The smoke is
        # causing havoc" (after en46's first score). Flames, a fire or a blaze still count.
        text = _SMOKE.sub(" ", text)
    if _FIREWORK_NIGHT.search(text) and not _GAS.search(text):
        text = _EXPLOSIONS.sub(" ", text)
    if _REFUSE_BURNT.search(text):
        # And a bare "burning" is that refuse's: "a neighbour burning wood or trash in the evening … I don't know what they
        # are burning" (after en104's first score). "On fire" and flames still count.
        text = _BARE_BURNING.sub(" ", text)
    return _NOT_DANGER.sub(" ", text)


# Gas smelled, however long: whether or not it is danger this minute, the gas company's emergency line is the advice
# ("we have always smelled natural gas outside near the driveway … still we can smell it", years long, after en73's
# first score). The triage files it as urgent, with the numbers shown.
_GAS_SMELLED = re.compile(
    r"\bsmel(?:l|ls|led|lt|ling)\b (?:(?:of|the|natural|a|some|strong|faint|strongly|like)\s+){0,3}gas\b(?! stations?\b)|"
    r"\bgas (?:smell|odou?r)s?\b|煤气味|燃气味|天然气味|闻到.{0,4}(?:煤气|燃气|天然气)",
    re.I,
)
_NO_SMELL = re.compile(
    r"\b(?:no|never|don'?t|do not|didn'?t|did not|can'?t|cannot|no longer|not)\s+(?:\w+\s+){0,2}smel|没有?闻到|闻不到",
    re.I,
)


def gas_smelled(text: str) -> bool:
    cleaned = _explained(text or "")
    return bool(_GAS_SMELLED.search(cleaned)) and not _NO_SMELL.search(cleaned)


# Water rising outside as the writer writes: "My whole neighborhood looks like a lake and it's still raining … Now it
# is almost level to the slab", "This morning the streets are flooded … not keeping up with the storm" (danger items
# of en122 and en104 that were shown no numbers). It may not be danger yet, and a street under water is a report: the
# triage files it as urgent, with the numbers shown, as it does gas smelled. A street that floods each time it rains
# is told as slow (_PAST_OR_SLOW) and gets neither.
_FLOODED_OUTSIDE = re.compile(
    r"\b(?:streets?|roads?|neighbou?rhood|yard|garden|driveway|block|estate|town|village|underpass)\b[^.;!?]{0,30}?\b"
    r"(?:is|are|[’']s|[’']re|looks?|looking) (?:now |still |completely |totally |already |all |pretty much |badly |"
    r"fast |quickly )?(?:flooded|flooding|under ?water|like a (?:lake|river))\b|"
    r"\bwater (?:is |was |[’']s )?(?:now |still )?(?:rising|(?:about |only |almost )?an? (?:inch|foot|few inches) from|"
    r"(?:almost |nearly )?(?:level|up) (?:to|with) (?:the|our|my) (?:door|doorstep|step|slab|floor|porch))|"
    r"(?:积水|水位|洪水|雨水)(?:还在|正在|不断|一直)(?:上涨|涨|往上涨)|水(?:已经)?(?:漫|淹)到了?(?:家)?门口",
    re.I,
)
_STILL_NOW = re.compile(
    r"\b(?:now|right now|still (?:raining|pouring|coming down|rising)|this (?:morning|evening|afternoon)|tonight|"
    r"at the moment|as I (?:write|type))\b|还在|正在|现在|此刻",
    re.I,
)


def flood_rising(text: str) -> bool:
    cleaned = _explained(text or "")
    return bool(_FLOODED_OUTSIDE.search(cleaned) and _STILL_NOW.search(cleaned)) and not _PAST_OR_SLOW.search(cleaned)


def danger_now(text: str) -> bool:
    """True when the words say there is danger this minute: a fire, a gas leak, a person hurt, a crime."""
    cleaned = _explained(text or "")
    return bool(_DANGER_NOW.search(cleaned)) and not _PAST_OR_SLOW.search(cleaned) and not _FIRE_SERVICE_CAME.search(text or "")


# A story told after the event: residents' blog posts and letters of a fire, a crash or a break-in they lived through
# ("It was a hot night … I awoke with a start … I saw wisps of smoke"; 18 of en126's 50 got the emergency reply, after
# its first score). Someone in danger now writes few words, or says it is now. English only: Chinese tells its time in
# words _PAST_OR_SLOW reads (昨天, 上周…), and English verbs tell it by their tense.
_STORY_WORDS = 60
_WORD = re.compile(r"[A-Za-z’']+")
_PAST_VERB = re.compile(
    r"\b(?:was|were|had|did|went|came|saw|heard|got|thought|said|told|knew|felt|took|made|left|stood|sat|ran|woke|awoke|"
    r"found|began|caught|drove|fell|threw|broke|spent|gave|kept|brought|bought|lost|meant|sent|slept|rang|[a-z]{2,}ed)\b",
    re.I,
)
# Words ending in -ed that are no past tense, or no telling of what happened: "need", "scared", "a gated estate".
_NO_PAST_VERB = re.compile(
    r"(?:need|feed|seed|speed|bed|red|shed|weed|indeed|breed|proceed|exceed|succeed|bleed|hundred|scared|worried|tired|"
    r"concerned|interested|supposed|used|based|related|located|called|named|shared|detached|attached|gated|heated|limited|"
    r"united|retired|aged|wicked|sacred|naked|rugged)",
    re.I,
)
_PRESENT_VERB = re.compile(
    r"\b(?:is|are|am|isn[’']t|aren[’']t|now|currently|keeps?|has|can[’']t|won[’']t|don[’']t|doesn[’']t|"
    r"(?:i|we|you|they|he|she|it|there|that)[’'](?:m|re|s))\b",
    re.I,
)
# Now said outright, however long the story: "Just moments ago … I saw a wire down", "it's still raining".
_SAID_NOW = re.compile(
    r"\b(?:right now|just now|at the moment|as we speak|as I (?:type|write)|(?:moments|minutes|seconds) ago|"
    r"just (?:\w+ed(?! to\b)|got|broke|fell|caught|went|saw|heard|struck|started)|still (?:burning|on fire|smoking|spreading|there|going|"
    r"raining|coming|pouring|rising|trapped|stuck|inside|unconscious|bleeding|not breathing)|please (?:help|hurry|send|come)|"
    r"help!|what (?:do|should) (?:I|we) do|"
    # Or a fire told in the present: "The house behind our next door neighbor is on fire! It's been burning for at least
    # an hour now" (after en129's first score).
    r"(?:is|are) (?:still )?(?:on fire|ablaze)\b|been burning for [^.!?]{0,30}\bnow\b)",
    re.I,
)


def told_as_past(text: str) -> bool:
    """A story of some length, its verbs mostly past, that nowhere says now: danger words in it get the numbers and an
    urgent ticket (bot.triage), not the emergency reply alone."""
    text = text or ""
    if len(_WORD.findall(text)) < _STORY_WORDS or _SAID_NOW.search(text):
        return False
    past = sum(1 for verb in _PAST_VERB.finditer(text) if not _NO_PAST_VERB.fullmatch(verb.group(0)))
    return past >= 6 and past >= 2 * len(_PRESENT_VERB.findall(text))


# A title in Title Case names a story, told after it: "Falling Trees, Downed Power Lines, and Calling 911 After Midnight",
# "Trapped In An Elevator, All Alone" (blog posts' titles, after en129's first score). Someone in danger now seldom
# capitalises each word: of the danger texts and written emergencies we hold, one does, a 311 app's report title "Smell
# Of Carbon Monoxide". Gas and carbon monoxide are reported when smelled, whatever the form: they keep the emergency
# reply, as does a title that calls for help or says now ("Help My House Is On Fire"). Capitals throughout are a cry,
# not a title.
_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_CALLED_NOW = re.compile(r"\bgas\b|carbon monoxide|\bhelp\b|\bplease\b|\bhurry\b|\bnow\b", re.I)


def titled(text: str) -> bool:
    text = text or ""
    words = _TITLE_WORD.findall(text)
    if not 3 <= len(words) <= 14 or text.upper() == text or _CALLED_NOW.search(text):
        return False
    capitalisable = [word for word in words if len(word) >= 4]  # "in", "the", "of" stay small in a title
    return len(capitalisable) >= 3 and sum(word[0].isupper() for word in capitalisable) >= 0.8 * len(capitalisable)


# Someone who can be hurt: with the classifier's "emergency", a sign that life is at risk now.
_PERSON = re.compile(
    r"有人|人[倒晕摔掉被]|孩子|小孩|老人|老太|老头|宝宝|婴儿|[爸妈爷奶姥]|老公|老婆|丈夫|妻子|儿子|女儿|朋友|同事|邻居|工人|男的|女的|"
    r"\b(someone|somebody|person|people|man|woman|lady|kids?|child|children|baby|toddler|boy|girl|dad|mum|mom|father|mother|"
    r"grandpa|grandma|husband|wife|friend|neighbou?r|driver|worker|he|she)\b",
    re.I,
)


# A person who does the thing complained of is no person at risk: "someone put up a gate blocking the alley",
# "有人在楼道里堆放杂物". Only a person the text names otherwise counts.
_ACTOR = re.compile(
    r"有人(?:在\S{0,10}?)?(?:私搭|乱搭|搭建|私建|加盖|盖了|堆放|堆了|乱倒|倾倒|乱扔|乱贴|停车|乱停|占用|占道|圈占|安装|装了|拆了|砍了|锁了)|"
    r"\b(?:someone|somebody|people|a neighbou?r|my neighbou?r|the neighbou?rs?|he|she)\s+(?:has |have |had |is |are |just |keeps? |"
    r"has been |have been )?(?:put|puts|putting|built|builds|building|placed|placing|dumped|dumps|dumping|parked|parks|parking|"
    r"left|leaves|leaving|threw|throws|throwing|set up|sets up|setting up|erected|installed|installing|blocked|blocks|blocking|"
    r"painted|cut down|removed|moved|took|stole|locked|fenced|paved|poured|spray ?painted|tagged|abandoned|"
    r"rid(?:es|ing)|driv(?:es|ing)|speed(?:s|ing)|rac(?:es|ing))\b|"
    # Nor is one whose conduct is the nuisance, nor the passers-by it is aimed at: "a man yelling and threatening people
    # at the park", "screams at people", "addicts doing drugs on the steps" (after en28's first score). A cry that is
    # aimed at nobody ("a woman is screaming next door", "shouting for help") is no conduct and still counts.
    r"(?:\b(?:someone|somebody|people|person|man|men|woman|women|guy|guys|he|she|they|addicts?|junkies|drunks?|"
    r"beggars?|campers?)\b(?: \w+){0,10}? )?(?:(?:yell|scream|shout|swear|cuss)\w* (?:and \w+ )?at|curs(?:es|ing)|"
    r"threaten(?:s|ed|ing)?\b(?! to\b)|harass\w*|panhandl\w*|urinat\w*|defecat\w*|doing drugs|using drugs|shooting up|"
    r"dealing drugs)\b"
    r"(?: (?:people|passers-?by|pedestrians|kids|children|us|me|everyone|anyone|women|customers))?",
    re.I,
)


# The people a place is used by describe the place: "riding a moped in the park where a lot of children playing"
# (after en42's first score).
_WHERE_PEOPLE = re.compile(
    r"\b(?:where|in which)\s+(?:there\s+(?:are|is|were)\s+)?(?:there\s+)?(?:a lot of |lots of |many |so many |small |little |"
    r"young )?(?:kids|children|people|families|pedestrians|students|elderly people|residents)\s+(?:\w+ing|play|walk|live|go|sit)\b",
    re.I,
)
_HE_OR_SHE = re.compile(r"\b(?:he|she|him|her)\b", re.I)


# A harm foretold to anyone who may pass ("a branch is going to break off and kill someone", 迟早会砸到人) names a
# hazard to report, not a person at risk now.
_FORETOLD = re.compile(
    rf"\b(?:will|would|could|might|may|(?:is|are|it's|it’s) going to|gonna)\b[^,.;!?]*\b{_ANYONE}\b|"
    r"(?:迟早|总有一天|早晚有一天|早晚会|早晚要)[^,,。.!!??;;]*",
    re.I,
)


# A matter of money names no harm to a person: "I think my girlfriend is having money taken from her paychecks and she
# wants it back" was heard as an emergency (after en83's first score). Unless danger words stand beside it.
_MONEY_MATTER = re.compile(
    r"\b(?:pay ?checks?|pay ?stubs?|pay ?slips?|wages?|salary|salaries|refunds?|deposits?|overcharg\w*|invoices?|"
    r"money (?:taken|back|owed)|owe[sd]? (?:me|us|her|him|them))\b|工资|薪水|薪资|退款|押金|欠款|扣钱|扣款",
    re.I,
)


# An accident the writer fears, with no danger word beside it, is a hazard to report: "We're covered in darkness and I'm
# concerned about slip and fall accidents. My mom has a cane" (after en148's first score).
_FEARED_ACCIDENT = re.compile(
    r"\b(?:concerned|worried|afraid|scared|fearful|anxious|nervous) (?:about|of|for) (?:[\w'’-]+ ){0,4}?(?:accidents?|falls?|"
    r"slips?|trips?|injur(?:y|ies)|getting (?:hurt|injured|hit))\b",
    re.I,
)


def person_at_risk(text: str) -> bool:
    """A person is named outside what _NOT_DANGER explains away (a fear, a supposed or awaited harm, a figure of
    speech), not only as the one doing what is complained of or in a harm foretold, nothing says the harm is past or
    slow, and, unless a danger word is left once _NOT_DANGER has read it, the text tells no danger word it explains
    away, no matter of money and no accident the writer fears: a child who might fall on a dark road is named beside
    摔倒受伤, which the classifier hears as an emergency."""
    text = text or ""
    cleaned = _explained(text)
    if not _DANGER_NOW.search(cleaned) and (_DANGER_NOW.search(text) or _MONEY_MATTER.search(cleaned)
                                            or _FEARED_ACCIDENT.search(cleaned)):
        return False
    acted = _ACTOR.sub(" ", cleaned)
    rest = _WHERE_PEOPLE.sub(" ", acted)
    if acted != cleaned:
        # He or she after the one doing what is complained of is that one: "a woman sleeps there and curses when she
        # is awake". Any other person the text names still counts.
        rest = _HE_OR_SHE.sub(" ", rest)
    return bool(_PERSON.search(_FORETOLD.sub(" ", rest))) and not _PAST_OR_SLOW.search(text) \
        and not _FIRE_SERVICE_CAME.search(text)
