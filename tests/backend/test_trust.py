"""What a stranger can learn from the dispatch backend, and what the channel may do with its api_key."""
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest
import requests
from cryptography.fernet import Fernet

from bot.backend.__main__ import MIGRATIONS
from bot.backend.app import create_app
from bot.db import migrate
from bot.settings import Settings

PHONE = "13912349731"
SECRET_DIGITS = "9731"
PERSONAL = ("description", "address", "address_string", "lat", "long", "notes", "status_notes", "media_url", "media_urls",
            "phone", "contact_name", "first_name", "last_name", "email", "rating", "rating_comment", "account_id")
STATUS_BOARD = {
    "service_request_id", "status", "extended_status", "status_zh", "service_code", "service_name",
    "agency_responsible", "district", "request_type", "requested_datetime", "updated_datetime", "expected_datetime",
    "followers", "merged_into",  # how many joined it, and where a merged duplicate went: nobody's identity
}


def file(backend, **fields):
    data = dict(
        api_key=backend.api_key,
        service_code="noise",
        description=f"楼下饭店油烟噪声 {uuid.uuid4().hex[:8]},有事打我手机{PHONE}",
        address_string="东城区东四十条甲22号3单元501",
        first_name="赵六",
        phone=PHONE,
        lat="39.93",
        long="116.43",
        media_url="http://127.0.0.1/media/a.jpg",
        district="东城区",
    )
    data.update(fields)
    response = requests.post(f"{backend.url}/requests.json", data=data, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()[0]["service_request_id"]


def staff(backend):
    return {"Authorization": f"Bearer {backend.staff_token}"}


def move(backend, ticket_id, status, note=None):
    response = requests.post(
        f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": status, "note": note}, headers=staff(backend)
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def ticket(backend):
    ticket_id = file(backend)
    move(backend, ticket_id, "dispatched", f"已派单,联系人赵六 {PHONE}")
    return ticket_id


def xml_fields(raw: bytes):
    root = ET.fromstring(raw)
    return [{child.tag: child for child in request} for request in root.findall("request")]


def test_the_public_list_carries_no_description_address_notes_phone_or_name_in_json_and_xml(backend, ticket):
    listed = requests.get(f"{backend.url}/requests.json", params={"service_request_id": ticket})
    [item] = listed.json()
    assert set(item) == STATUS_BOARD
    assert item["service_request_id"] == ticket and item["district"] == "东城区"
    raw = requests.get(f"{backend.url}/requests.xml", params={"service_request_id": ticket}).content
    [element] = xml_fields(raw)
    assert set(element) == STATUS_BOARD
    for text in (listed.text, raw.decode()):
        assert "赵六" not in text and "东四十条" not in text and "油烟" not in text and "***" not in text


def test_a_public_single_ticket_carries_no_description_address_notes_phone_or_name_in_json_and_xml(backend, ticket):
    [item] = requests.get(f"{backend.url}/requests/{ticket}.json").json()
    assert not set(item) & set(PERSONAL) and set(item) == STATUS_BOARD
    raw = requests.get(f"{backend.url}/requests/{ticket}.xml").content
    [element] = xml_fields(raw)
    assert set(element) == STATUS_BOARD
    assert "赵六".encode() not in raw and "东四十条".encode() not in raw


def test_a_wrong_api_key_is_403_not_the_public_view(backend, ticket):
    for path in (f"requests/{ticket}.json", "requests.json", f"requests/{ticket}.xml", "requests.xml"):
        response = requests.get(f"{backend.url}/{path}", params={"api_key": "guess"})
        assert response.status_code == 403, path
        assert "赵六" not in response.text and ticket not in response.text


def test_a_phone_inside_a_description_or_a_note_is_masked_in_the_api_key_view(backend, ticket):
    [item] = requests.get(f"{backend.url}/requests/{ticket}.json", params={"api_key": backend.api_key}).json()
    assert item["description"].endswith("有事打我手机139*****731")
    assert item["address"] == "东城区东四十条甲22号3单元501" and item["lat"] == 39.93
    assert item["media_url"] == "http://127.0.0.1/media/a.jpg" and item["phone"] == "139*****731"
    assert item["notes"][-1]["note"] == "已派单,联系人赵六 139*****731"
    assert item["status_notes"] == "已派单,联系人赵六 139*****731"
    raw = requests.get(f"{backend.url}/requests/{ticket}.xml", params={"api_key": backend.api_key}).content
    [element] = xml_fields(raw)
    assert element["description"].text.endswith("139*****731")
    assert element["notes"].find("note/note").text.startswith("已受理")


PHOTOS = ["http://127.0.0.1/media/" + "a" * 64 + ".jpg", "http://127.0.0.1/media/" + "b" * 64 + ".png"]


def test_every_photo_is_returned_in_the_api_key_view_and_none_in_the_public_one(backend):
    ticket_id = file(backend, media_url=PHOTOS[0], media_urls=PHOTOS)
    [item] = requests.get(f"{backend.url}/requests/{ticket_id}.json", params={"api_key": backend.api_key}).json()
    assert item["media_url"] == PHOTOS[0] and item["media_urls"] == PHOTOS
    raw = requests.get(f"{backend.url}/requests/{ticket_id}.xml", params={"api_key": backend.api_key}).content
    assert [e.text for e in ET.fromstring(raw).findall("request/media_urls/media_url")] == PHOTOS
    for public in (requests.get(f"{backend.url}/requests/{ticket_id}.json"), requests.get(f"{backend.url}/requests.xml")):
        assert "/media/" not in public.text
    # A ticket with one media_url (the plain Open311 way) lists it in media_urls too.
    [single] = requests.get(f"{backend.url}/requests/{file(backend)}.json", params={"api_key": backend.api_key}).json()
    assert single["media_urls"] == ["http://127.0.0.1/media/a.jpg"]


@pytest.mark.parametrize("urls", [["javascript:alert(1)"], ["http://x/" + "a" * 2000], [PHOTOS[0]] * 21])
def test_media_urls_that_are_no_web_addresses_or_too_many_are_refused(backend, urls):
    data = dict(api_key=backend.api_key, service_code="noise", description="路灯坏了很多天", address_string="东城区东四十条甲22号",
                media_urls=urls)
    assert requests.post(f"{backend.url}/requests.json", data=data, timeout=10).status_code == 400


def test_the_last_four_digits_of_the_phone_are_in_no_output(backend, ticket):
    key = {"api_key": backend.api_key}
    outputs = [requests.post(f"{backend.url}/requests.json", data=dict(
        api_key=backend.api_key, service_code="road", description=f"井盖丢了 {PHONE}", address_string="东城区东四十条", phone=PHONE,
    )).text]
    for fmt in ("json", "xml"):
        for params in ({}, key):
            outputs.append(requests.get(f"{backend.url}/requests/{ticket}.{fmt}", params=params).text)
            outputs.append(requests.get(f"{backend.url}/requests.{fmt}", params=dict(params, service_request_id=ticket)).text)
        outputs.append(requests.post(f"{backend.url}/requests/{ticket}/verify.{fmt}", data=dict(key, last4="0000")).text)
    outputs.append(requests.get(f"{backend.root}/staff/requests", headers=staff(backend)).text)
    outputs.append(requests.post(
        f"{backend.root}/staff/requests/{ticket}/status", json={"status": "in_progress", "note": f"回电{PHONE}"}, headers=staff(backend)
    ).text)
    for output in outputs:
        # As figures of their own: other tests' tickets carry random hex ids ("…e6b29731"), which may hold them.
        assert not re.search(rf"(?<![0-9a-f]){SECRET_DIGITS}(?![0-9a-f])", output) and PHONE not in output


def verify(backend, ticket_id, last4, session=requests):
    response = session.post(f"{backend.url}/requests/{ticket_id}/verify.json", data={"api_key": backend.api_key, "last4": last4})
    assert response.status_code == 200, response.text
    return response.json()


def test_verification_counts_wrong_tries_per_ticket_across_callers_and_locks_after_three(backend):
    ticket_id = file(backend)
    callers = [requests.Session() for _ in range(4)]
    assert verify(backend, ticket_id, "1111", callers[0]) == {
        "service_request_id": ticket_id, "verified": False, "locked": False, "locked_until": None, "tries_left": 2,
    }
    assert verify(backend, ticket_id, "2222", callers[1])["tries_left"] == 1
    third = verify(backend, ticket_id, "3333", callers[2])
    assert third["locked"] and third["tries_left"] == 0
    until = datetime.fromisoformat(third["locked_until"])
    assert timedelta(minutes=59) < until - datetime.now(timezone.utc) <= timedelta(hours=1)
    # Locked: even the right digits, from a caller that never tried, are not checked.
    fourth = verify(backend, ticket_id, SECRET_DIGITS, callers[3])
    assert fourth["verified"] is False and fourth["locked"] and fourth["locked_until"] == third["locked_until"]
    # Another ticket is not locked by this one's tries.
    assert verify(backend, file(backend), SECRET_DIGITS)["verified"] is True


def test_verification_needs_the_api_key_four_digits_and_a_known_ticket(backend):
    ticket_id = file(backend)
    url = f"{backend.url}/requests/{ticket_id}/verify.json"
    assert requests.post(url, data={"last4": SECRET_DIGITS}).status_code == 403
    assert requests.post(url, data={"api_key": "guess", "last4": SECRET_DIGITS}).status_code == 403
    for bad in ("973", "97310", "abcd", "９７３１", ""):
        assert requests.post(url, data={"api_key": backend.api_key, "last4": bad}).status_code == 400
    assert verify(backend, ticket_id, SECRET_DIGITS)["tries_left"] == 3  # malformed answers were not counted
    missing = requests.post(f"{backend.url}/requests/BJ19990101-0001/verify.json", data={"api_key": backend.api_key, "last4": "1234"})
    assert missing.status_code == 404


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def local_backend(tmp_path):
    """The backend's WSGI app in this process on a store of its own, with a clock the test moves."""
    settings = Settings(
        backend_database_url=f"sqlite:///{tmp_path / 'dispatch.db'}",
        backend_data_key=Fernet.generate_key().decode(),
        dispatch_api_key="local-key-0123456789",
        backend_staff_token="local-staff-0123456789",
    )
    migrate(settings.backend_database_url, MIGRATIONS)
    clock = Clock()
    app = create_app(settings, clock=clock)
    client = app.test_client()
    client.clock, client.key = clock, settings.dispatch_api_key
    return client


def test_a_locked_ticket_is_checked_again_after_an_hour_and_not_before(local_backend):
    c, key = local_backend, local_backend.key
    created = c.post("/open311/v2/requests.json", data=dict(
        api_key=key, service_code="noise", description="夜间施工", address_string="东城区东四十条", phone=PHONE,
    ))
    ticket_id = created.get_json()[0]["service_request_id"]

    def check(digits):
        return c.post(f"/open311/v2/requests/{ticket_id}/verify.json", data={"api_key": key, "last4": digits}).get_json()

    for digits in ("1111", "2222", "3333"):
        check(digits)
    c.clock.now += timedelta(minutes=59, seconds=59)
    assert check(SECRET_DIGITS)["locked"] is True
    c.clock.now += timedelta(seconds=1)
    assert check(SECRET_DIGITS) == {
        "service_request_id": ticket_id, "verified": True, "locked": False, "locked_until": None, "tries_left": 3,
    }
    # The hour over, the count starts again: three more wrong answers lock it again.
    assert [check("0000")["tries_left"] for _ in range(3)] == [2, 1, 0]
    assert check(SECRET_DIGITS)["locked"] is True


def test_a_second_rating_is_refused_by_the_backend_and_its_retry_is_not(backend):
    ticket_id = file(backend)
    move(backend, ticket_id, "resolved", "已处理")
    url = f"{backend.url}/requests/{ticket_id}/feedback.json"
    first = requests.post(url, data={"api_key": backend.api_key, "rating": "satisfied"}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 200
    retry = requests.post(url, data={"api_key": backend.api_key, "rating": "satisfied"}, headers={"Idempotency-Key": "k1"})
    assert retry.status_code == 200 and retry.json()["rating"] == "satisfied"
    for headers in ({"Idempotency-Key": "k2"}, {}):
        second = requests.post(url, data={"api_key": backend.api_key, "rating": "unsatisfied"}, headers=headers)
        assert second.status_code == 409 and second.json()[0]["code"] == 409
    listed = requests.get(f"{backend.root}/staff/requests", headers=staff(backend)).json()
    assert next(t for t in listed if t["service_request_id"] == ticket_id)["rating"] == "satisfied"


def test_a_10000_character_description_is_filed_whole(backend):
    letter = ("尊敬的领导:我们小区东门外的夜市每晚营业到凌晨两点,噪声和油烟严重影响居民休息。" * 300)[:9992] + "此致敬礼,谢谢。"
    assert len(letter) == 10000
    ticket_id = file(backend, description=letter)
    [item] = requests.get(f"{backend.url}/requests/{ticket_id}.json", params={"api_key": backend.api_key}).json()
    assert item["description"] == letter
    raw = requests.get(f"{backend.url}/requests/{ticket_id}.xml", params={"api_key": backend.api_key}).content
    assert xml_fields(raw)[0]["description"].text == letter
    assert json.loads(requests.post(f"{backend.url}/requests.json", data=dict(
        api_key=backend.api_key, service_code="noise", description=letter + "。", address_string="东城区东四十条",
    )).text)[0]["code"] == 400
