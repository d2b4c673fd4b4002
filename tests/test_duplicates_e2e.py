"""One ticket per problem, end to end: a second citizen on another channel is offered the open ticket at the
same place, joins it, hears the staff's news and is asked to rate, as the filer is; each rates once."""
import re
import time
import uuid

import pytest
import requests

from connectors.telegram.channel import SECRET_HEADER
from tests import photos
from tests.fakes import telegram_api as tg

pytestmark = pytest.mark.slow


def staff(backend):
    return {"Authorization": f"Bearer {backend.staff_token}"}


def staff_view(backend, ticket_id):
    listed = requests.get(f"{backend.root}/staff/requests", headers=staff(backend), timeout=10).json()
    return next(t for t in listed if t["service_request_id"] == ticket_id)


def bot_texts(rasa, conversation):
    answer = requests.get(f"{rasa.url}/conversations/{conversation}/tracker", params={"token": rasa.token}, timeout=30)
    answer.raise_for_status()
    return [e.get("text") or "" for e in answer.json()["events"] if e["event"] == "bot"]


def press(user, sent):
    """The message a button is under, as Telegram shows it in a callback query."""
    return {"message_id": 900, "from": tg.BOT, "chat": {"id": user["id"], "type": "private"}, "date": 1,
            "text": sent["text"], "reply_markup": sent["reply_markup"]}


def wait_for(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("waited in vain")


def test_a_second_citizen_joins_the_open_ticket_and_both_hear_its_news_and_rate_once(rasa_server, backend, stack_env, portal):
    if not hasattr(rasa_server.fakes, "telegram"):
        pytest.fail("the fake Telegram API did not start")
    building = uuid.uuid4().int % 9000 + 1000  # a place no other test reported
    # The filer, over REST.
    rest = f"{rasa_server.url}/webhooks/rest/webhook"
    sender = f"filer-{uuid.uuid4().hex[:8]}"

    def say(text):
        response = requests.post(rest, json={"sender": sender, "message": text}, timeout=60)
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text", "") for m in response.json())

    for text in ("路灯坏了,晚上很黑", f"朝阳区望京西园三区{building}号楼门口", "李先生", "13600003333"):
        summary = say(text)
    assert "加入这张工单" not in summary
    ticket_id = re.search(r"BJ\d{8}-\d{4}", say("确认")).group(0)

    # The neighbour, on Telegram, writes the same place otherwise.
    fake = rasa_server.fakes.telegram
    user = tg.new_user("zh-hans")
    url = f"{rasa_server.url}/webhooks/telegram/webhook"
    secret = {SECRET_HEADER: stack_env.env["TELEGRAM_WEBHOOK_SECRET"]}

    def send(update):
        assert requests.post(url, json=update, headers=secret, timeout=120).status_code == 200

    # The first message is a photo with its caption: the photo goes to the ticket the neighbour joins
    # (served by the portal page server, hence its fixture).
    first = tg.photo_update(fake, user, photos.png(), caption="路灯不亮好几天了")
    for update in (first, *(tg.text_update(user, t) for t in (f"望京西园3区{building}号楼", "张女士", "13900004444"))):
        before = len(fake.sent_to(user["id"]))
        send(update)
        fake.wait_sent(user["id"], before + 1)
    offer = wait_for(lambda: next((m for m in fake.sent_to(user["id"]) if "/join_ticket" in str(m.get("reply_markup"))), None))
    assert ticket_id in offer["text"] and "路灯" in offer["text"] and "李" not in offer["text"] and "3333" not in offer["text"]
    before = len(fake.sent_to(user["id"]))
    send(tg.callback_update(user, "/join_ticket", press(user, offer)))
    joined = "\n".join(fake.wait_sent(user["id"], before + 1)[before:])
    assert "已为您加入工单" in joined and ticket_id in joined
    assert staff_view(backend, ticket_id)["followers"] == 1
    private = requests.get(f"{backend.url}/requests/{ticket_id}.json", params={"api_key": backend.api_key}, timeout=10).json()[0]
    assert len(private["media_urls"]) == 1 and requests.get(private["media_urls"][0], timeout=10).status_code == 200
    assert len(requests.get(f"{backend.url}/requests.json", params={"service_code": "streetlight", "page_size": 200}).json()) >= 1

    # A status question from the neighbour shows the ticket they joined.
    before = len(fake.sent_to(user["id"]))
    send(tg.text_update(user, f"查询 {ticket_id}"))
    assert any("路灯" in t or ticket_id in t for t in fake.wait_sent(user["id"], before + 1)[before:])

    # The staff resolve it: both are told, both are asked to rate.
    before = len(fake.sent_to(user["id"]))
    moved = requests.post(f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": "resolved", "note": "灯已修复"},
                          headers=staff(backend), timeout=10)
    assert moved.status_code == 200
    question = wait_for(lambda: next((m for m in fake.sent_to(user["id"])[before:] if "rate" in str(m.get("reply_markup"))), None))
    assert any("灯已修复" in m.get("text", "") for m in fake.sent_to(user["id"])[before:])
    filer_heard = wait_for(lambda: [t for t in bot_texts(rasa_server, f"rest:{sender}") if "灯已修复" in t or "评价" in t])
    assert any("评价" in t for t in filer_heard)

    # Each rates once: the filer over REST (the question's button), the neighbour by pressing a button.
    assert "感谢" in say('/rate{"rating":"unsatisfied"}')
    button = next(b for row in question["reply_markup"]["inline_keyboard"] for b in row if "satisfied" in b["callback_data"])
    send(tg.callback_update(user, button["callback_data"], press(user, question)))
    shown = wait_for(lambda: (lambda v: v if v["rating"] and v["follower_ratings"] else None)(staff_view(backend, ticket_id)), 30)
    assert shown["rating"] == "unsatisfied" and len(shown["follower_ratings"]) == 1
    before = len(fake.sent_to(user["id"]))
    send(tg.text_update(user, f"{ticket_id} 不满意"))
    assert "已经评价过" in "\n".join(fake.wait_sent(user["id"], before + 1)[before:])
    assert len(staff_view(backend, ticket_id)["follower_ratings"]) == 1


def test_after_a_staff_merge_the_duplicates_citizen_hears_the_kept_tickets_news_and_rates_it(rasa_server, backend):
    rest = f"{rasa_server.url}/webhooks/rest/webhook"

    def file(sender, place):
        for text in ("小区门口的垃圾三天没人清运了", place, "匿名", "13600006666"):
            requests.post(rest, json={"sender": sender, "message": text}, timeout=60).raise_for_status()
        answer = requests.post(rest, json={"sender": sender, "message": "确认"}, timeout=60).json()
        return re.search(r"BJ\d{8}-\d{4}", "\n".join(m.get("text", "") for m in answer)).group(0)

    building = uuid.uuid4().int % 9000 + 1000
    first, second = f"keeper-{uuid.uuid4().hex[:8]}", f"dup-{uuid.uuid4().hex[:8]}"
    kept = file(first, f"海淀区学院路{building}号院")
    merged = file(second, f"海淀区知春路{building}号院")  # another place: filed, and later found to be the same pile
    answer = requests.post(f"{backend.root}/staff/requests/{merged}/merge", json={"into": kept}, headers=staff(backend), timeout=10)
    assert answer.status_code == 200 and answer.json()["followers"] == 1
    told = wait_for(lambda: [t for t in bot_texts(rasa_server, f"rest:{second}") if kept in t and merged in t])
    assert "已关闭" in told[0]
    requests.post(f"{backend.root}/staff/requests/{kept}/status", json={"status": "resolved", "note": "已清运"},
                  headers=staff(backend), timeout=10).raise_for_status()
    wait_for(lambda: [t for t in bot_texts(rasa_server, f"rest:{second}") if "已清运" in t])
    wait_for(lambda: [t for t in bot_texts(rasa_server, f"rest:{first}") if "已清运" in t])
    said = requests.post(rest, json={"sender": second, "message": '/rate{"rating":"satisfied"}'}, timeout=60).json()
    assert "感谢" in "\n".join(m.get("text", "") for m in said)
    assert [r["rating"] for r in staff_view(backend, kept)["follower_ratings"]] == ["satisfied"]
