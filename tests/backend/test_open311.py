"""The reference dispatch backend against the GeoReport v2 spec, over HTTP (JSON and XML)."""
import sqlite3
import threading
import uuid
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import create_engine, text

from bot import services
from bot.backend.store import BEIJING


def file(backend, key=None, **fields):
    data = dict(
        api_key=backend.api_key,
        service_code="streetlight",
        description=f"路灯坏了 {uuid.uuid4().hex[:8]}",
        address_string="朝阳区望京西园三区5号楼",
        first_name="张三",
        phone="13800138000",
    )
    data.update(fields)
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(f"{backend.url}/requests.json", data=data, headers=headers, timeout=10)


def test_discovery_services_and_definitions_in_json_and_xml(backend):
    discovery = requests.get(f"{backend.url}/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    listed = requests.get(f"{backend.url}/services.json").json()
    assert [s["service_code"] for s in listed] == list(services.CODES)
    heating = next(s for s in listed if s["service_code"] == "heating")
    assert heating["service_name"] == "供暖" and heating["service_name_en"] == "heating"
    assert heating["group"] == "城市管理委员会"
    root = ET.fromstring(requests.get(f"{backend.url}/services.xml").content)
    assert root.tag == "services" and len(root.findall("service")) == 14
    definition = requests.get(f"{backend.url}/services/noise.json").json()
    assert definition["service_code"] == "noise" and definition["attributes"][0]["code"] == "urgency"
    assert ET.fromstring(requests.get(f"{backend.url}/services/noise.xml").content).tag == "service_definition"


def test_post_requires_the_api_key(backend):
    response = file(backend, api_key="wrong")
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert requests.post(f"{backend.url}/requests.json", data={"service_code": "noise"}).status_code == 403


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"service_code": "nope"}, "service_code"),
        ({"description": ""}, "description"),
        ({"description": "x" * 10001}, "10000"),
        ({"address_string": ""}, "location"),
        ({"phone": "12345"}, "phone"),
        ({"lat": "north"}, "lat"),
        ({"request_type": "shout"}, "request_type"),
    ],
)
def test_bad_requests_get_400_with_the_spec_error_format(backend, fields, message):
    response = file(backend, **fields)
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and message in error["description"]


def test_a_filed_request_follows_the_12345_rules(backend):
    response = file(backend, service_code="water", district="朝阳区", language="zh", request_type="complaint")
    assert response.status_code == 201
    [created] = response.json()
    ticket_id = created["service_request_id"]
    assert ticket_id.startswith("BJ") and len(ticket_id) == len("BJ20261128-0042")
    [ticket] = requests.get(f"{backend.url}/requests/{ticket_id}.json").json()
    assert ticket["agency_responsible"] == "水务局"
    assert ticket["status"] == "open" and ticket["extended_status"] == "received" and ticket["status_zh"] == "已受理"
    assert "phone" not in ticket and "description" not in ticket  # the public view is the status board
    requested = datetime.fromisoformat(ticket["requested_datetime"])
    expected = datetime.fromisoformat(ticket["expected_datetime"])
    assert ticket["requested_datetime"].endswith("+08:00")
    assert expected - requested == timedelta(hours=24)  # a utility
    [private] = requests.get(f"{backend.url}/requests/{ticket_id}.json", params={"api_key": backend.api_key}).json()
    assert private["phone"] == "138*****000" and private["address"] == "朝阳区望京西园三区5号楼"
    assert "contact_name" not in private  # for staff only


@pytest.mark.parametrize("code, urgency, hours", [("noise", "normal", 7 * 24), ("noise", "critical", 2), ("heating", "normal", 24)])
def test_expected_datetime_from_urgency(backend, code, urgency, hours):
    [created] = file(backend, service_code=code, urgency=urgency).json()
    delta = datetime.fromisoformat(created["expected_datetime"]) - datetime.fromisoformat(created["requested_datetime"])
    assert delta == timedelta(hours=hours)


def test_description_is_inert_text_in_xml(backend):
    nasty = "<script>alert(1)</script> & 路灯"
    [created] = file(backend, description=nasty).json()
    url = f"{backend.url}/requests/{created['service_request_id']}.xml"
    raw = requests.get(url, params={"api_key": backend.api_key}).content
    assert b"<script>" not in raw
    request = ET.fromstring(raw).find("request")
    assert request.find("description").text == nasty
    assert request.find("phone").text == "138*****000"


def test_idempotency_key_gives_one_ticket_even_at_once(backend):
    key = uuid.uuid4().hex
    first = file(backend, key=key)
    again = file(backend, key=key, description="something else")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]

    key = uuid.uuid4().hex
    results = []
    threads = [threading.Thread(target=lambda: results.append(file(backend, key=key))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.json()[0]["service_request_id"] for r in results} == {results[0].json()[0]["service_request_id"]}
    assert sorted(r.status_code for r in results) == [200] * 7 + [201]


def test_concurrent_filings_get_distinct_sequential_ids(backend):
    results = []
    threads = [threading.Thread(target=lambda: results.append(file(backend))) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r.json()[0]["service_request_id"] for r in results]
    assert all(r.status_code == 201 for r in results) and len(set(ids)) == 10


def test_get_requests_filters_and_pages(backend):
    marker = uuid.uuid4().hex[:8]
    ids = [file(backend, service_code="greenery", description=f"树倒了 {marker} {i}").json()[0]["service_request_id"] for i in range(5)]
    listed = requests.get(f"{backend.url}/requests.json", params={"service_request_id": ",".join(ids)}).json()
    assert {t["service_request_id"] for t in listed} == set(ids)
    page1 = requests.get(f"{backend.url}/requests.json", params={"service_code": "greenery", "page_size": 2}).json()
    page2 = requests.get(f"{backend.url}/requests.json", params={"service_code": "greenery", "page_size": 2, "page": 2}).json()
    assert len(page1) == 2 and len(page2) == 2 and not {t["service_request_id"] for t in page1} & {t["service_request_id"] for t in page2}
    assert all(t["service_code"] == "greenery" for t in page1 + page2)
    future = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert requests.get(f"{backend.url}/requests.json", params={"start_date": future}).json() == []
    # Other tests of the shared backend close tickets of other codes (a merge closes its duplicate).
    assert requests.get(f"{backend.url}/requests.json", params={"status": "closed", "service_code": "greenery"}).json() == []
    assert requests.get(f"{backend.url}/requests.json", params={"status": "open", "service_code": "greenery"}).json()
    for params in ({"page_size": 0}, {"page": "x"}, {"start_date": "yesterday"}, {"status": "lost"}):
        response = requests.get(f"{backend.url}/requests.json", params=params)
        assert response.status_code == 400 and response.json()[0]["code"] == 400
    root = ET.fromstring(requests.get(f"{backend.url}/requests.xml", params={"service_request_id": ids[0]}).content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == ids[0]


def test_not_found_in_both_formats(backend):
    response = requests.get(f"{backend.url}/requests/BJ19990101-0001.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    xml = requests.get(f"{backend.url}/requests/BJ19990101-0001.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.content).find("error/code").text == "404"
    assert requests.get(f"{backend.url}/services/nope.json").status_code == 404
    assert requests.get(f"{backend.url}/nothing-here.json").status_code == 404


def test_the_georeport_client_reads_our_endpoint(backend):
    [created] = file(backend, service_code="noise").json()
    for fmt in ("json", "xml"):
        client = GeoReport(backend.url, api_key=backend.api_key, output_format=fmt)
        codes = [s["service_code"] for s in client.get_service_list()]
        assert "noise" in codes and len(codes) == 14
        assert client.get_service_definition("noise")["service_code"] == "noise"
        found = client.get_service_request(created["service_request_id"])
        found = found[0] if isinstance(found, list) else found.get("request", found)
        assert found["service_request_id"] == created["service_request_id"]
        listed = client.get_service_requests(service_request_id=created["service_request_id"])
        listed = listed if isinstance(listed, list) else [listed]
        assert listed[0]["service_request_id"] == created["service_request_id"]


def test_the_phone_is_never_stored_in_clear(backend):
    file(backend, phone="13987654321", first_name="王五")
    url = backend.settings_env["BACKEND_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///"):]) as db:
            dump = "\n".join(db.iterdump())
    else:
        engine = create_engine(url, future=True)
        with engine.connect() as c:
            tables = c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
            dump = "\n".join(str(v) for t in tables for row in c.execute(text(f'SELECT * FROM "{t}"')) for v in row)
        engine.dispose()
    assert "13987654321" not in dump and "王五" not in dump
    assert "139*****321" in dump and "139****4321" not in dump  # the mask hides the verification digits


def test_feedback_once_resolved(backend):
    [created] = file(backend).json()
    ticket_id = created["service_request_id"]
    url = f"{backend.url}/requests/{ticket_id}/feedback.json"
    early = requests.post(url, data={"api_key": backend.api_key, "rating": "satisfied"})
    assert early.status_code == 400 and "resolved" in early.json()[0]["description"]
    staff = {"Authorization": f"Bearer {backend.staff_token}"}
    assert requests.post(f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": "resolved"}, headers=staff).ok
    rated = requests.post(url, data={"api_key": backend.api_key, "rating": "satisfied", "comment": "修得很快"})
    assert rated.status_code == 200 and rated.json() == {"service_request_id": ticket_id, "rating": "satisfied"}
    assert requests.post(url, data={"api_key": backend.api_key, "rating": "meh"}).status_code == 400
    again = requests.post(url, data={"api_key": backend.api_key, "rating": "unsatisfied"})
    assert again.status_code == 409 and again.json()[0]["code"] == 409
    assert requests.post(url, data={"rating": "satisfied"}).status_code == 403
    missing = f"{backend.url}/requests/BJ19990101-0001/feedback.json"
    assert requests.post(missing, data={"api_key": backend.api_key, "rating": "satisfied"}).status_code == 404
    staff_view = requests.get(f"{backend.root}/staff/requests", headers=staff).json()
    assert next(t for t in staff_view if t["service_request_id"] == ticket_id)["rating"] == "satisfied"


def test_an_overlong_idempotency_key_is_refused_not_cut(backend):
    response = file(backend, key="k" * 129)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()[0]["description"]


def test_ids_override_the_other_filters(backend):
    [created] = file(backend, service_code="labor").json()
    ticket_id = created["service_request_id"]
    params = {"service_request_id": ticket_id, "service_code": "noise", "status": "closed", "start_date": "2099-01-01T00:00:00+08:00"}
    [found] = requests.get(f"{backend.url}/requests.json", params=params).json()
    assert found["service_request_id"] == ticket_id
    # Lower case, as a citizen may type it, finds the same ticket.
    [found] = requests.get(f"{backend.url}/requests/{ticket_id.lower()}.json").json()
    assert found["service_request_id"] == ticket_id


def test_the_default_window_is_the_last_90_days(backend):
    [created] = file(backend, service_code="market").json()
    ticket_id = created["service_request_id"]
    old = datetime.now(timezone.utc) - timedelta(days=100)
    engine = create_engine(backend.settings_env["BACKEND_DATABASE_URL"], future=True)
    with engine.begin() as c:  # back-date it, as if filed 100 days ago
        c.execute(text("UPDATE service_requests SET requested_at = :old WHERE service_request_id = :id"), {"old": old, "id": ticket_id})
    engine.dispose()
    listed = lambda **p: {t["service_request_id"] for t in requests.get(f"{backend.url}/requests.json", params=dict(service_code="market", page_size=200, **p)).json()}
    assert ticket_id not in listed()
    since = (old - timedelta(days=1)).astimezone(BEIJING).isoformat(timespec="seconds")
    until = (old + timedelta(days=1)).astimezone(BEIJING).isoformat(timespec="seconds")
    assert ticket_id in listed(start_date=since)
    assert ticket_id in listed(start_date=since, end_date=until)
    assert ticket_id not in listed(start_date=until)


def test_errors_in_xml_and_unknown_formats(backend):
    forbidden = requests.post(f"{backend.url}/requests.xml", data={"service_code": "noise"})
    assert forbidden.status_code == 403
    error = ET.fromstring(forbidden.content)
    assert error.tag == "errors" and error.find("error/code").text == "403" and error.find("error/description").text
    for path in ("services.html", "requests.csv", "discovery.yaml", "requests/BJ20261128-0001.txt"):
        response = requests.get(f"{backend.url}/{path}")
        assert response.status_code == 404 and response.json()[0]["code"] == 404
    assert requests.delete(f"{backend.url}/requests.json").status_code == 405


def test_a_request_in_xml_carries_its_notes_and_extensions(backend):
    [created] = file(backend, district="海淀区", language="en", request_type="suggestion").json()
    url = f"{backend.url}/requests/{created['service_request_id']}.xml"
    root = ET.fromstring(requests.get(url, params={"api_key": backend.api_key}).content)
    request = root.find("request")
    assert request.find("extended_status").text == "received" and request.find("status").text == "open"
    assert request.find("district").text == "海淀区" and request.find("language").text == "en"
    assert request.find("request_type").text == "suggestion"
    [note] = request.findall("notes/note")
    assert note.find("status").text == "received" and note.find("datetime").text.endswith("+08:00")
