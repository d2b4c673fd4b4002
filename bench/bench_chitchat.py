"""The other side of "every complaint becomes a ticket": first messages that are no report, sent to the real stack.

The held-out and blind NLU sets (bench/data/nlu_heldout.yml, nlu_blind.yml, never trained on) hold greetings,
thanks, yes and no, cancels, status questions, asks for a person, questions about the bot, asks for help and
ratings. Sent as the first message of a new conversation, none of them should open the intake form or get the
emergency reply. Per language and intent: how many did. Out-of-scope questions and "I want to stay anonymous"
are counted apart: a city hotline may take either as the start of a request.
"""
from collections import Counter

import yaml

from bench.bench_real import _FirstMessage
from bench.common import DATA, conversation_stack

NO_REPORT = ("greet", "goodbye", "thank", "affirm", "deny", "check_status", "cancel", "request_human",
             "bot_challenge", "ask_help", "rate")
APART = ("out_of_scope", "stay_anonymous")


def run() -> dict:
    sets = [yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
            for name in ("nlu_heldout.yml", "nlu_blind.yml")]
    results = {}
    with conversation_stack() as (env, _):
        first = _FirstMessage(env)
        for lang in ("zh", "en"):
            opened, emergencies, sent, examples = Counter(), Counter(), Counter(), []
            for intent in NO_REPORT + APART:
                for text in (text for data in sets for text in data.get(intent, {}).get(lang, [])):
                    got = first(text)
                    sent[intent] += 1
                    opened[intent] += got["ticket"]
                    emergencies[intent] += got["emergency"]
                    if got["ticket"] or got["emergency"]:
                        examples.append(f"{intent}: {text[:60]}")
            counted = sum(sent[i] for i in NO_REPORT)
            results[lang] = {
                "messages": counted,
                "opened_the_form": sum(opened[i] for i in NO_REPORT),
                "share_opened": round(sum(opened[i] for i in NO_REPORT) / max(1, counted), 3),
                "emergency_replies": sum(emergencies[i] for i in NO_REPORT + APART),
                "per_intent": {i: f"{opened[i]}/{sent[i]}" for i in NO_REPORT + APART},
                "examples": examples,
            }
    return results
