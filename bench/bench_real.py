"""Real citizens' first messages (bench/data/real_blind.yml; every later set real_blind_<key>.yml under its key,
as bench.common.real_sets finds them; the README lists them) sent to the real stack: what each one starts.

Per language: the share of whole messages and of one-line headlines that start a ticket, false emergencies
(the emergency reply, which starts no ticket, to a report with no danger now), reports that got the
emergency numbers while their ticket went on, dead ends (no ticket, no FAQ answer), emergency recall (the
emergency reply to real danger titles and the written emergencies of nlu_blind.yml; also how many got at
least the numbers), and the category of the ticket against the label (messages with a category only).
"""
import os
import uuid

import requests
import yaml

from bench.common import DATA, conversation_stack, real_sets
from bench.residents import trained_on
from bot.nlu import category


def run() -> dict:
    # REAL_SETS=en20 scores only the sets named (a new set's first score in a minute, not the whole run's 11).
    chosen = [key for key in os.environ.get("REAL_SETS", "").split(",") if key]
    later = {key: sets for key, sets in real_sets().items() if not chosen or key in chosen}
    real = later.pop("real", None)
    written = yaml.load((DATA / "nlu_blind.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["emergency"]
    with conversation_stack() as (env, processes):
        first = _FirstMessage(env)
        trained = trained_on()
        scores = {lang: _score(first, real[lang], written[lang], "real" in trained) for lang in ("zh", "en") if real}
        for key, sets in later.items():
            scores[key] = {lang: _score(first, real_set, [], key in trained) for lang, real_set in sets.items()}
        return scores


class _FirstMessage:
    """Sends one message as the first of a new conversation and reads what it started off the tracker."""

    def __init__(self, env):
        self.webhook = f"{env['RASA_URL']}/webhooks/rest/webhook"
        self.tracker = f"{env['RASA_URL']}/conversations/rest:{{}}/tracker"  # the REST channel's conversation id
        self.token = env["RASA_AUTH_TOKEN"]

    def __call__(self, text: str) -> dict:
        sender = uuid.uuid4().hex
        requests.post(self.webhook, json={"sender": sender, "message": text}, timeout=60).raise_for_status()
        tracker = requests.get(self.tracker.format(sender), params={"token": self.token}, timeout=30).json()
        said = [e.get("metadata", {}).get("utter_action") for e in tracker["events"] if e.get("event") == "bot"]
        return {
            "ticket": (tracker.get("active_loop") or {}).get("name") == "intake_form",
            "emergency": "utter_emergency" in said,
            "numbers": "utter_emergency" in said or "utter_emergency_unsure" in said,
            "faq": "utter_faq" in said,
            "service_code": tracker["slots"].get("service_code"),
            "intent": tracker["latest_message"]["intent"].get("name"),
        }


def _share(hits, total) -> float:
    return round(hits / max(1, total), 3)


def _net(results) -> dict:
    """results: (text, label, right). The summary's safety net as the citizen meets it (same model, same rule)."""
    unsure, offered = [], []
    for text, label, _ in results:
        said = text[: category.MAX_READ]
        unsure.append(category.unsure(said, category.predict(said)[1]))
        offered.append(unsure[-1] and label in category.alternatives(said))
    wrong = [(flag, tap) for (_, _, right), flag, tap in zip(results, unsure, offered) if not right]
    right = [flag for (_, _, ok), flag in zip(results, unsure) if ok]
    return {
        "wrong_flagged": f"{sum(flag for flag, _ in wrong)}/{len(wrong)}",
        "wrong_with_the_label_among_the_choices": f"{sum(tap for _, tap in wrong)}/{len(wrong)}",
        "right_flagged": f"{sum(right)}/{len(right)}",
        # If every citizen tapped the right choice when it was offered: an upper bound, not a measurement.
        "accuracy_after_a_tap": _share(len(right) + sum(tap for _, tap in wrong), len(results)),
        # A questioned category also offers the whole list ("其他类别…"): every flagged one is two taps from right.
        "accuracy_after_two_taps": _share(len(right) + sum(flag for flag, _ in wrong), len(results)),
    }


def _score(first, real: dict, written_emergencies, trained: bool) -> dict:
    messages = [(m, first(m["text"])) for m in real["messages"]]
    headlines = [(h, first(h["text"])) for h in real.get("headlines", [])]
    danger = [d["text"] for d in real.get("danger", [])] + list(written_emergencies)
    answered = [first(text) for text in danger]
    caught = [got["emergency"] for got in answered]
    labelled = [(m, got) for m, got in messages if m.get("category")]
    right = [m for m, got in labelled if got["service_code"] == m["category"]]
    reports = messages + headlines
    return {
        "messages": len(messages),
        "messages_start_ticket": _share(sum(got["ticket"] for _, got in messages), len(messages)),
        "headlines": len(headlines),
        "headlines_start_ticket": _share(sum(got["ticket"] for _, got in headlines), len(headlines)),
        "false_emergencies": sum(got["emergency"] for _, got in reports),
        "dead_ends": sum(not got["ticket"] and not got["faq"] for _, got in reports),
        # Reports that got the numbers while their ticket went on (the NLU unsure whether there is danger now).
        "numbers_shown_on_reports": sum(got["numbers"] and not got["emergency"] for _, got in reports),
        "emergency_recall": f"{sum(caught)}/{len(caught)}",
        "emergency_numbers_shown": f"{sum(got['numbers'] for got in answered)}/{len(answered)}",
        "emergencies_missed": [text for text, got in zip(danger, answered) if not got["emergency"]],
        "category_accuracy": _share(len(right), len(labelled)),
        "category_examples": len(labelled),
        # The classifier learnt this set's labels (bench/residents.py): its category figures measure no longer.
        "category_held_out": not trained,
        # The summary asks the citizen to check a category the classifier is unsure of and offers the next
        # likeliest ones: wrong ones it flags, those whose label is among the choices, right ones it bothers.
        "category_net": _net([(m["text"], m["category"], got["service_code"] == m["category"]) for m, got in labelled]),
        "not_started": [f"{m['text'][:60]} -> {got['intent']}" for m, got in reports if not got["ticket"]],
        "wrong_category": [f"{m['text'][:50]} -> {got['service_code']} (label {m['category']})"
                           for m, got in labelled if got["service_code"] != m["category"]],
    }
