"""Conversations over the REST channel of the real Rasa server, action server and dispatch backend."""
import re
import uuid

import pytest
import requests

pytestmark = pytest.mark.slow


class Citizen:
    """One conversation: says things, keeps what the bot answered."""

    def __init__(self, rasa_server, name=None):
        self.url = f"{rasa_server.url}/webhooks/rest/webhook"
        self.sender = name or f"citizen-{uuid.uuid4().hex[:8]}"

    def say(self, text, metadata=None):
        response = requests.post(self.url, json={"sender": self.sender, "message": text, "metadata": metadata or {}}, timeout=60)
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text", "") for m in response.json())


def tickets(backend, **params):
    response = requests.get(f"{backend.url}/requests.json", params=dict(params, api_key=backend.api_key, page_size=200), timeout=10)
    assert response.status_code == 200
    return response.json()


def staff_view(backend, ticket_id):
    listed = requests.get(f"{backend.root}/staff/requests", headers={"Authorization": f"Bearer {backend.staff_token}"}, timeout=10)
    return next(t for t in listed.json() if t["service_request_id"] == ticket_id)


def filed_id(reply):
    match = re.search(r"BJ\d{8}-\d{4}", reply)
    assert match, reply
    return match.group(0)


def test_chinese_report_with_corrections_files_one_correct_ticket(rasa_server, backend):
    example = "朝阳区望京西园三区5号楼门口路灯坏了三天了 电话13800138000"
    shown = example.replace("13800138000", "138*****000")  # filed whole; phones are masked in every output
    before = len([t for t in tickets(backend) if t["description"] == shown])
    citizen = Citizen(rasa_server)
    reply = citizen.say("朝阳区望京西园三区5号楼门口路灯坏了三天了 电话13800138000")
    assert "称呼" in reply  # only the name is missing
    summary = citizen.say("张三")
    assert "路灯照明" in summary and "城市管理委员会" in summary
    assert "13912345678" in citizen.say("不对,电话是13912345678")
    assert "物业管理" in citizen.say("类别不对,是物业问题")
    ticket_id = filed_id(citizen.say("确认"))
    assert ticket_id in citizen.say("确认")  # a repeated confirmation: the same ticket, no second one
    found = tickets(backend, service_request_id=ticket_id)
    assert len(found) == 1
    ticket = found[0]
    assert ticket["service_code"] == "property"
    assert ticket["agency_responsible"] == "住房和城乡建设委员会"
    assert ticket["description"] == shown
    assert ticket["address"] == "朝阳区望京西园三区5号楼门口"
    assert ticket["district"] == "朝阳区"
    assert ticket["phone"] == "139*****678"
    assert staff_view(backend, ticket_id)["contact_name"] == "张三"
    assert ticket["request_type"] == "complaint"
    assert ticket["language"] == "zh"
    assert ticket["extended_status"] == "received" and ticket["status"] == "open"
    assert ticket["expected_datetime"].endswith("+08:00")
    assert len([t for t in tickets(backend) if t["description"] == shown]) == before + 1

    status = citizen.say("我的工单办得怎么样了")
    assert ticket_id in status and "已受理" in status


def test_a_category_called_wrong_gets_every_category_to_choose_from(rasa_server, backend):
    citizen = Citizen(rasa_server)
    citizen.say("the restaurant downstairs plays loud music past midnight")
    citizen.say("5 Xinyuan Street, Chaoyang")
    summary = citizen.say("Mr Wu, 13800138000")
    assert "Category: noise" in summary
    listed = requests.post(citizen.url, json={"sender": citizen.sender, "message": "wrong category"}, timeout=60).json()
    assert "Which category" in listed[0]["text"]
    payloads = [b["payload"] for b in listed[-1]["buttons"]]
    assert payloads[:2] == ["/affirm", "/deny"]  # the summary's own, then every category but noise and other
    assert len(payloads[2:-1]) == 12 and "the category is market" in payloads
    assert payloads[-1] == "the category is other"  # none of these: the hotline routes it by hand
    assert "Category: consumer rights, food safety, prices" in citizen.say("the category is market")
    ticket = tickets(backend, service_request_id=filed_id(citizen.say("yes")))[0]
    assert ticket["service_code"] == "market"


def test_every_category_button_reads_as_an_answer_to_the_summary(rasa_server):
    # "the category is sanitation" read as praise, which the summary did not map: the rule "praise starts the
    # intake form" restarted the form with those words as the description and asked for the place again.
    import yaml

    from bot import services
    from bot.settings import ROOT

    mapped = set()
    for mapping in yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["slots"]["confirmed"]["mappings"]:
        mapped |= set([mapping["intent"]] if isinstance(mapping["intent"], str) else mapping["intent"])
    for lang in ("zh", "en"):
        for button in [services.choice(code, lang) for code in services.CODES if code != "other"] + [services.none_of_these(lang)]:
            parsed = requests.post(f"{rasa_server.url}/model/parse", params={"token": rasa_server.token},
                                   json={"text": button["payload"]}, timeout=30).json()
            assert parsed["intent"]["name"] in mapped, (button["payload"], parsed["intent"])


@pytest.mark.parametrize("lang, report, place, contact", [
    ("en", "a dead fox has been lying on the pavement outside the school since Monday", "5 Xinyuan Street, Chaoyang", "Mr Wu, 13800138000"),
    ("zh", "学校门口的人行道上有只死狐狸 从周一一直躺到现在", "朝阳区新源街5号", "吴先生 13800138000"),
])
def test_category_buttons_at_the_summary_keep_what_was_said(rasa_server, backend, lang, report, place, contact):
    from bot import services

    citizen = Citizen(rasa_server)
    citizen.say(report)
    citizen.say(place)
    citizen.say(contact)
    for button in (services.choice("market", lang), services.none_of_these(lang), services.choice("sanitation", lang)):
        summary = citizen.say(button["payload"])
        assert report in summary and place in summary, (button, summary)
    assert services.get("sanitation").name_en in summary or services.get("sanitation").name_zh in summary
    ticket = tickets(backend, service_request_id=filed_id(citizen.say("/affirm")))[0]
    assert ticket["service_code"] == "sanitation" and ticket["description"] == report


def test_a_citizen_with_only_a_title_is_asked_for_more_once(rasa_server):
    # Scripted citizens who had nothing to add to "Junction Box" were asked for more until they gave up. (That title
    # reads as a report since the classifier learnt 57 sets; "Metal Box" reads as nothing.)
    citizen = Citizen(rasa_server)
    assert "describe" in citizen.say("I'd like to report a problem")
    assert "a bit more" in citizen.say("Metal Box")
    assert "Where is it" in citizen.say("Metal Box")
    titled = Citizen(rasa_server)
    assert "describe" in titled.say("I'd like to report a problem")
    assert "Where is it" in titled.say("Pothole")  # a title that reads as a report is enough


def test_english_anonymous_report(rasa_server, backend):
    citizen2 = Citizen(rasa_server)
    assert "Where" in citizen2.say("there is a huge pothole on the road")
    assert "can find" in citizen2.say("home")
    reply = citizen2.say("No. 1 Zhongguancun Street, Haidian")
    assert "address you" in reply
    assert "phone" in citizen2.say("i'd rather not say my name")
    assert "does not look like a phone" in citizen2.say("12345")
    assert "Please check" in citizen2.say("my number is 138 0013 8000")
    ticket_id = filed_id(citizen2.say("yes"))
    ticket = tickets(backend, service_request_id=ticket_id)[0]
    assert ticket["service_code"] == "road"
    assert ticket["language"] == "en"
    assert staff_view(backend, ticket_id)["contact_name"] is None
    assert ticket["phone"] == "138*****000"
    assert ticket["district"] == "海淀区"


def test_the_replies_follow_the_language_of_each_message(rasa_server):
    """The NLU names each message's language (bot/nlu/language.py); digits alone keep the conversation's."""
    citizen = Citizen(rasa_server)
    assert "您好" in citizen.say("你好")
    assert "Hello" in citizen.say("hello")
    assert "Where is it" in citizen.say("the streetlight outside my building is broken")
    assert "How may we address you" in citizen.say("5 Deshengmenwai Street, Xicheng")
    assert "请留一个联系电话" in citizen.say("张三")  # Chinese again
    assert "核对" in citizen.say("13800138000")  # no words: the conversation stays Chinese


@pytest.mark.parametrize("name", ["Kevin", "Mary Smith", "小王"])
def test_a_name_the_classifier_cannot_place_is_still_taken_as_the_name(rasa_server, name):
    citizen = Citizen(rasa_server)
    # The address is in the first message, so the form asks for the name next.
    assert "address you" in citizen.say("the streetlight outside No. 5 Wangjing West Garden, Chaoyang is broken")
    reply = citizen.say(name)
    assert "phone" in reply or "电话" in reply, reply


def test_vague_address_is_asked_again(rasa_server):
    citizen = Citizen(rasa_server)
    citizen.say("楼下广场舞太吵了")
    reply = citizen.say("北京")
    assert "不够具体" in reply


def test_status_of_another_conversations_ticket_needs_the_last_four_digits(rasa_server, backend):
    owner = Citizen(rasa_server)
    owner.say("海淀区中关村大街1号门口井盖丢了很危险")
    owner.say("李女士")
    owner.say("13600001111")
    ticket_id = filed_id(owner.say("对"))

    caller = Citizen(rasa_server)
    caller.say(f"查一下{ticket_id}")
    told = caller.say("1111")
    assert ticket_id in told and "已受理" in told

    stranger = Citizen(rasa_server)
    assert "后四位" in stranger.say(f"查一下{ticket_id}")
    assert "不匹配" in stranger.say("1234")
    assert "后四位" in stranger.say(f"查一下{ticket_id}")  # asking again gives no new tries
    assert "不匹配" in stranger.say("0000")
    refused = stranger.say("9999")
    assert "无法告知" in refused and "12345" in refused and "锁定" in refused and "李女士" not in refused

    # The wrong tries were counted for the ticket, not the conversation: the right digits now wait an hour too.
    late = Citizen(rasa_server)
    late.say(f"查一下{ticket_id}")
    assert "锁定" in late.say("1111")


def test_a_forged_rating_of_someone_elses_resolved_ticket_changes_nothing(rasa_server, backend):
    owner = Citizen(rasa_server)
    owner.say("海淀区中关村大街1号门口井盖丢了很危险")
    owner.say("周先生")
    owner.say("13600003333")
    ticket_id = filed_id(owner.say("对"))
    staff = {"Authorization": f"Bearer {backend.staff_token}"}
    assert requests.post(f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": "resolved"}, headers=staff).ok
    stranger = Citizen(rasa_server)
    stranger.say('/rate{"rating":"unsatisfied","ticket_id":"%s"}' % ticket_id)
    assert staff_view(backend, ticket_id)["rating"] is None


def test_emergency_gets_the_number_first_and_no_ticket(rasa_server, backend):
    before = len(tickets(backend))
    citizen = Citizen(rasa_server)
    assert "119" in citizen.say("楼道着火了").splitlines()[0]
    assert "96777" in Citizen(rasa_server).say("家里燃气味很大")
    assert "120" in Citizen(rasa_server).say("someone collapsed and is not breathing")
    assert len(tickets(backend)) == before


def test_cancel_and_interruptions(rasa_server, backend):
    citizen = Citizen(rasa_server)
    citizen.say("小区垃圾好几天没人清运都臭了")
    interrupted = citizen.say("你是机器人吗")
    assert "智能助手" in interrupted and "地点" in interrupted  # answered, then the form asks again
    assert "已取消" in citizen.say("算了不办了")
    assert "12345" in Citizen(rasa_server).say("转人工")


def test_suggestion_and_praise_are_filed_with_their_type(rasa_server, backend):
    for text, kind in (("建议小区增加充电桩 朝阳区望京街道", "suggestion"), ("表扬环卫工人 海淀区中关村大街", "praise")):
        citizen = Citizen(rasa_server)
        citizen.say(text)
        citizen.say("匿名")
        citizen.say("13800138000")
        ticket_id = filed_id(citizen.say("确认提交"))
        assert tickets(backend, service_request_id=ticket_id)[0]["request_type"] == kind


def test_faq_answers_and_unknown_questions_become_inquiries(rasa_server, backend):
    assert "15个工作日" in Citizen(rasa_server).say("居住证怎么办理")
    citizen = Citizen(rasa_server)
    reply = citizen.say("请问电动自行车上牌去哪里办理")
    assert "咨询工单" in reply


def test_low_confidence_and_out_of_scope_get_an_answer(rasa_server):
    assert Citizen(rasa_server).say("帮我写首诗")
    assert Citizen(rasa_server).say("asdkjh qwe zzz")


def test_the_http_api_needs_the_token(rasa_server):
    citizen = Citizen(rasa_server)
    citizen.say("你好", metadata={"language": "zh"})
    url = f"{rasa_server.url}/conversations/rest:{citizen.sender}/tracker"  # the REST channel's conversation id
    assert requests.get(url, params={"token": rasa_server.token}, timeout=10).json()["sender_id"] == f"rest:{citizen.sender}"
    assert requests.get(url, timeout=10).status_code in (401, 403)
    assert requests.get(url, params={"token": "wrong"}, timeout=10).status_code in (401, 403)


def test_backend_down_queues_the_ticket_and_status_follows_delivery(rasa_server, backend, _stack):
    import os
    import signal
    import time

    os.killpg(backend.process.popen.pid, signal.SIGTERM)
    backend.process.popen.wait(timeout=15)
    try:
        citizen = Citizen(rasa_server)
        citizen.say("大兴区黄村西大街10号路灯坏了好几天")
        citizen.say("孙先生")
        citizen.say("13822223333")
        reply = citizen.say("确认")
        reference = re.search(r"BJ\d{8}-Q\d{4}", reply)
        assert reference and "排队" in reply, reply
        reference = reference.group(0)
        assert "排队" in citizen.say(f"查询 {reference}")
    finally:
        backend.process.popen = None
        _stack.processes.remove(backend.process)
        _stack.start(backend.process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        told = citizen.say(f"查询 {reference}")
        if re.search(r"BJ\d{8}-\d{4}", told):
            break
        time.sleep(3)
    ticket_id = re.search(r"BJ\d{8}-\d{4}", told).group(0)
    assert "已受理" in told
    [ticket] = tickets(backend, service_request_id=ticket_id)
    assert ticket["phone"] == "138*****333" and ticket["district"] == "大兴区"
    assert len([t for t in tickets(backend) if t["description"] == "大兴区黄村西大街10号路灯坏了好几天"]) == 1


@pytest.mark.parametrize("lang, report, contact, thanks_yes, thanks", [
    ("zh", "东城区和平里七区12号楼北侧的污水井冒水好几天了", "刘女士 13800138000", "好的,麻烦尽快处理,谢谢", "谢谢"),
    ("en", "the storm drain outside 12 Hepingli Seventh Lane, Dongcheng has been overflowing for days",
     "Ms Liu, 13800138000", "ok thanks, please go ahead", "thank you"),
])
def test_thanks_at_the_summary_file_the_ticket_when_they_say_yes_too(rasa_server, backend, lang, report, contact, thanks_yes, thanks):
    # "好的,麻烦尽快处理,谢谢" was heard as thanks only: the bot said "不客气" and showed the summary again.
    citizen = Citizen(rasa_server)
    citizen.say(report)
    summary = citizen.say(contact)
    again = citizen.say(thanks)  # a bare thanks confirms nothing: the summary stands
    assert not re.search(r"BJ\d{8}-\d{4}", again) and summary.splitlines()[-1] in again
    ticket_id = filed_id(citizen.say(thanks_yes))
    assert tickets(backend, service_request_id=ticket_id)[0]["service_code"] == "water"
