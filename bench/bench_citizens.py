"""Real citizens' first messages followed through whole conversations: a correct ticket, in how many turns?

Each message and headline of the real sets (bench/data/real_blind*.yml; `CITIZEN_SETS=en7,zh3` picks sets by
key, the first set's key is `real`) opens a new conversation on the real stack. A scripted citizen then does
what the bot asks: the message again when asked what happened, "I'd like to report a problem" once when
nothing was started, "not urgent" when offered, an address, a name and phone; at the summary they confirm,
or, when the category shown is not the label, correct it as the summary lets them (tap the label among its
choices, or say the category is wrong and tap it in the list that brings).

Two citizens per conversation, the same up to the first summary: one confirms whatever it shows, one
corrects a wrong category. The second is an upper bound: it assumes every citizen reads the category and knows
the right one. A ticket is correct when it exists, keeps the message as its description, and has the label's
category (messages without a label: any).
"""
import os
import uuid

import requests

from bench.bench_dialogue import ASKS_NAME_AND_PHONE, fetch_ticket
from bench.common import conversation_stack, real_sets
from bench.residents import trained_on
from bot import services

MAX_TURNS = 12
SAID = {
    "zh": {"report": "我想反映个问题", "name_and_phone": "王女士 13711112222",
           "name": "王女士", "phone": "13711112222"},
    "en": {"report": "I'd like to report a problem", "name_and_phone": "Ms Wang, 13711112222",
           "name": "Ms Wang", "phone": "13711112222"},
}
# Several places, so that one conversation's ticket is not offered to most later ones as a duplicate.
ADDRESSES = {
    "zh": ["朝阳区劲松街道农光里小区112号楼", "海淀区中关村大街27号", "丰台区方庄芳城园一区8号楼", "西城区德胜门外大街5号",
           "通州区梨园镇云景里小区3号楼", "昌平区回龙观西大街18号"],
    "en": ["Building 5, Wangjing West Garden area 3, Chaoyang", "27 Zhongguancun Street, Haidian",
           "Building 8, Fangcheng Garden, Fengtai", "5 Deshengmenwai Street, Xicheng",
           "Building 3, Yunjingli, Tongzhou", "18 Huilongguan West Street, Changping"],
}


def run() -> dict:
    chosen = [k for k in os.environ.get("CITIZEN_SETS", "").split(",") if k]
    sets = _sets(chosen)
    results, trained = {}, trained_on()
    with conversation_stack() as (env, _processes):
        citizen = _Citizen(env)
        for key, by_language in sets.items():
            for lang, kinds in by_language.items():
                results.setdefault(key, {})[lang] = {kind: _score([citizen(m, lang, i) for i, m in enumerate(items)])
                                                     for kind, items in kinds.items() if items}
                # The classifier learnt this set's labels (bench/residents.py): correct tickets measure no longer.
                results[key][lang]["category_held_out"] = key not in trained
    return results


def _sets(chosen):
    return {key: {lang: _kinds(block) for lang, block in by_language.items()}
            for key, by_language in real_sets().items() if not chosen or key in chosen}


def _kinds(block):
    """Whole messages, and one-line headlines: a citizen who starts with a title is asked what happened."""
    return {"messages": block.get("messages") or [], "headlines": block.get("headlines") or []}


class _Citizen:
    def __init__(self, env):
        self.env = env
        self.webhook = f"{env['RASA_URL']}/webhooks/rest/webhook"
        self.tracker = f"{env['RASA_URL']}/conversations/rest:{{}}/tracker"

    def __call__(self, message: dict, lang: str, index: int) -> dict:
        text, label, said = message["text"], message.get("category"), SAID[lang]
        sender, asked_to_report, doubted = uuid.uuid4().hex, False, 0
        first_summary, outcome = None, {"label": label, "text": text[:60]}
        reply, turns = self._say(sender, text), 1
        while turns < MAX_TURNS:
            state = self._state(sender)
            if state["ticket_id"]:
                break
            payloads = [b.get("payload", "") for m in reply for b in m.get("buttons") or []]
            words = " ".join(m.get("text") or "" for m in reply)
            asked = state["requested_slot"] if state["loop"] == "intake_form" else None
            if asked == "description":
                answer = text
            elif asked == "address":
                answer = ADDRESSES[lang][index % len(ADDRESSES[lang])]
            elif asked == "contact_name":
                answer = said["name_and_phone"] if ASKS_NAME_AND_PHONE.search(words) else said["name"]
            elif asked == "phone":
                answer = said["phone"]
            elif asked == "confirmed":
                shown = state["service_code"]
                if first_summary is None:
                    first_summary = {"category": shown, "turns": turns + 1}
                wanted = (services.none_of_these(lang) if label == "other" else services.choice(label, lang))["payload"] if label else None
                if not wanted or shown == label or doubted >= 2:
                    answer = "/affirm"
                elif wanted in payloads:
                    answer = wanted
                else:
                    doubted += 1
                    answer = services.more_choices(lang)["payload"]  # the words "类别不对": tapped or typed, the same
            elif "/not_urgent" in payloads:
                answer = "/not_urgent"
            elif "/file_inquiry" in payloads:
                answer = "/file_inquiry"
            elif not asked_to_report:
                asked_to_report, answer = True, said["report"]
            else:
                break  # a dead end: nothing asked, nothing to tap, the report already asked for
            reply = self._say(sender, answer)
            turns += 1
        state = self._state(sender)
        ticket = fetch_ticket(self.env, state["ticket_id"]) if state["ticket_id"] else None
        kept = bool(ticket) and " ".join(text.split())[:40] in " ".join((ticket.get("description") or "").split())
        outcome.update(
            filed=bool(ticket),
            turns=turns,
            kept=kept,
            correct=bool(ticket) and kept and (not label or ticket.get("service_code") == label),
            correct_confirming=bool(first_summary) and kept and (not label or first_summary["category"] == label),
            turns_confirming=first_summary["turns"] if first_summary else None,
            category=(ticket or {}).get("service_code"),
            description=((ticket or {}).get("description") or "")[:60],
        )
        return outcome

    def _say(self, sender, text):
        return requests.post(self.webhook, json={"sender": sender, "message": text}, timeout=60).json()

    def _state(self, sender):
        tracker = requests.get(self.tracker.format(sender), params={"token": self.env["RASA_AUTH_TOKEN"]}, timeout=30).json()
        slots = tracker["slots"]
        return {"loop": (tracker.get("active_loop") or {}).get("name"), "requested_slot": slots.get("requested_slot"),
                "service_code": slots.get("service_code"), "ticket_id": slots.get("ticket_id")}


def _score(outcomes) -> dict:
    n = len(outcomes)
    filed = [o for o in outcomes if o["filed"]]
    confirming = [o for o in outcomes if o["turns_confirming"]]
    return {
        "conversations": n,
        "filed": round(len(filed) / max(1, n), 3),
        "description_kept": f"{sum(o['kept'] for o in filed)}/{len(filed)}",
        "correct_ticket_confirming": round(sum(o["correct_confirming"] for o in outcomes) / max(1, n), 3),
        "turns_per_ticket_confirming": round(sum(o["turns_confirming"] for o in confirming) / max(1, len(confirming)), 2),
        # Upper bound: every citizen with a wrong category notices it and knows the right one.
        "correct_ticket_correcting": round(sum(o["correct"] for o in outcomes) / max(1, n), 3),
        "turns_per_ticket_correcting": round(sum(o["turns"] for o in filed) / max(1, len(filed)), 2),
        "not_filed": [f"{o['text']} ({o['turns']} turns)" for o in outcomes if not o["filed"]],
        "description_not_kept": [f"{o['text']} -> {o['description']}" for o in filed if not o["kept"]],
        "wrong_after_correcting": [f"{o['text'][:50]} -> {o['category']} (label {o['label']})"
                                   for o in filed if o["label"] and o["category"] != o["label"]],
    }
