"""Hostile input to every endpoint of the dispatch backend: each gets a 4xx or an answer, never a 5xx."""
import http.client
import json
from urllib.parse import urlsplit

import pytest

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><service_request><description>&lol3;</description></service_request>'
)
FORM = "application/x-www-form-urlencoded"
KEY = "{key}"  # replaced by the suite's api_key
R = "/open311/v2/requests"
TICKET = R + "/{ticket}"
FORM_HEADERS = {"Content-Type": FORM}
STAFF_JSON = {"Content-Type": "application/json", "Authorization": "Bearer {staff}"}
GOOD = f"api_key={KEY}&service_code=noise&address_string=%E4%B8%9C%E5%9F%8E%E5%8C%BA&description="

# (method, path under the backend's root, body bytes or None, extra headers)
CASES = [
    # malformed and odd forms on POST requests
    ("POST", R + ".json", f"api_key={KEY}".encode(), FORM_HEADERS),
    ("POST", R + ".json", f"api_key={KEY}&service_code=noise&service_code=road&description=x&address_string=y".encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "x" * (1 << 20)).encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "x" * 10001).encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "%ED%A0%80%ED%B0%80").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "%FF%FE%00%01").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "%00%00%00").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "\u202e\u200b\ufeff\U0001F525" * 50).encode("utf-8"), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&lat=nan&long=inf").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&lat=1e309&long=-1e309").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&lat=0x10&long=%EF%BC%91%EF%BC%92").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&lat=" + "9" * 5000).encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&phone=" + "1" * 5000).encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&phone=%F0%9F%98%80%2B86").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&first_name=" + "名" * 100000).encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&district=" + "区" * 5000).encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&account_id=" + "a" * 5000).encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&media_url=javascript:alert(1)").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&request_type[]=x&urgency=CRITICAL&language=zh-CN").encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&email=" + "@" * 3000).encode(), FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a&attribute[urgency]=" + "x" * 300).encode(), FORM_HEADERS),
    ("POST", R + ".json", b"%%%%&&&===", FORM_HEADERS),
    ("POST", R + ".json", (GOOD + "a").encode(), {"Content-Type": FORM + "; charset=no-such-charset"}),
    ("POST", R + ".json", (GOOD + "a").encode("utf-16"), {"Content-Type": FORM + "; charset=utf-16"}),
    ("POST", R + ".json", (GOOD + "a").encode(), {"Content-Type": FORM, "Idempotency-Key": "k" * 129}),
    ("POST", R + ".json", (GOOD + "a").encode(), {"Content-Type": FORM, "Idempotency-Key": "键\u0000\u2028"}),
    ("POST", R + ".json", json.dumps({"api_key": KEY, "service_code": "noise"}).encode(), {"Content-Type": "application/json"}),
    ("POST", R + ".json", b'{"api_key": ', {"Content-Type": "application/json"}),
    ("POST", R + ".json", b"--x\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nabc", {"Content-Type": "multipart/form-data; boundary=x"}),
    ("POST", R + ".json", b"--x\r\n\r\n--x--", {"Content-Type": "multipart/form-data"}),
    ("POST", R + ".xml", BILLION_LAUGHS, {"Content-Type": "text/xml"}),
    ("POST", R + ".xml", b"<service_request><description>", {"Content-Type": "application/xml"}),
    ("POST", R + ".json", b"\x00" * 1000, {"Content-Type": "application/octet-stream"}),
    # odd queries on GET requests
    ("GET", R + ".json?page=-1", None, {}),
    ("GET", R + ".json?page=99999999999999999999", None, {}),
    ("GET", R + ".json?page_size=1e3&page=%00", None, {}),
    ("GET", R + ".json?start_date=2026-13-45T99:99:99%2B08:00", None, {}),
    ("GET", R + ".json?start_date=%00&end_date=%FF", None, {}),
    ("GET", R + ".json?end_date=0001-01-01T00:00:00", None, {}),
    ("GET", R + ".json?start_date=9999-12-31T23:59:59-23:59", None, {}),
    ("GET", R + ".json?service_request_id=" + "," * 10000, None, {}),
    ("GET", R + ".json?service_request_id=" + ",".join(f"BJ20261128-{i:04d}" for i in range(3000)), None, {}),
    ("GET", R + ".json?status=,,,,open,,closed", None, {}),
    ("GET", R + ".json?service_code=" + "%27%3B%20DROP%20TABLE%20service_requests%3B--", None, {}),
    ("GET", R + ".json?api_key=%FF%FE", None, {}),
    ("GET", R + ".json?api_key=" + "k" * 10000, None, {}),
    ("GET", R + ".xml?api_key=a&api_key=b", None, {}),
    # path tricks
    ("GET", R + "/%00.json", None, {}),
    ("GET", R + "/..%2F..%2Fstaff%2Frequests.json", None, {}),
    ("GET", R + "/../../staff/requests", None, {}),
    ("GET", R + "/%3Cscript%3E.xml", None, {}),
    ("GET", R + "/" + "B" * 10000 + ".json", None, {}),
    ("GET", R + "/%E5%B7%A5%E5%8D%95.json", None, {}),
    ("GET", R + "/%ED%A0%80.json", None, {}),
    ("GET", R + "/BJ20261128-0042.json.xml", None, {}),
    ("GET", R + "/.json", None, {}),
    ("GET", "//open311/v2/requests.json", None, {}),
    ("GET", R + ".JSON", None, {}),
    ("GET", "/open311/v2/services/%2e%2e.json", None, {}),
    ("GET", "/open311/v2/discovery.json%00.xml", None, {}),
    ("PUT", R + ".json", b"x", {}),
    ("DELETE", R + "/BJ20261128-0001.json", None, {}),
    ("OPTIONS", R + ".json", None, {}),
    # feedback and verification with wrong types and sizes
    ("POST", R + "/BJ19990101-0001/feedback.json", f"api_key={KEY}&rating=satisfied".encode(), FORM_HEADERS),
    ("POST", R + "/%00/feedback.json", f"api_key={KEY}&rating=satisfied".encode(), FORM_HEADERS),
    ("POST", TICKET + "/feedback.json", f"api_key={KEY}&rating=satisfied&rating=unsatisfied".encode(), FORM_HEADERS),
    ("POST", TICKET + "/feedback.json", f"api_key={KEY}&rating=%ED%A0%80".encode(), FORM_HEADERS),
    ("POST", TICKET + "/feedback.xml", f"api_key={KEY}&rating=satisfied&comment={'x' * 100000}".encode(), FORM_HEADERS),
    ("POST", TICKET + "/feedback.json", f"api_key={KEY}&rating=satisfied".encode(), {"Content-Type": FORM, "Idempotency-Key": "k" * 500}),
    ("POST", TICKET + "/verify.json", f"api_key={KEY}&last4=1234&last4=5678".encode(), FORM_HEADERS),
    ("POST", TICKET + "/verify.json", f"api_key={KEY}&last4=%D9%A3%D9%A4%D9%A5%D9%A6".encode(), FORM_HEADERS),
    ("POST", TICKET + "/verify.xml", f"api_key={KEY}&last4={'1' * 100000}".encode(), FORM_HEADERS),
    ("POST", TICKET + "/verify.json", json.dumps({"api_key": KEY, "last4": 1234}).encode(), {"Content-Type": "application/json"}),
    ("POST", R + "/%ED%A0%80/verify.json", f"api_key={KEY}&last4=1234".encode(), FORM_HEADERS),
    # staff endpoints: bad JSON, wrong types, lone surrogates, with and without the token
    ("POST", "/staff/requests/{ticket}/status", b"{", STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b"[1, 2]", STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b'"resolved"', STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b'{"status": 5, "note": {"a": 1}}', STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b'{"status": "in_progress", "note": ["x"]}', STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b'{"status": "in_progress", "note": "\\ud800 \\udfff"}', STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b'{"status": "\\ud800"}', STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b'{"status": "in_progress", "note": "' + b"x" * 200000 + b'"}', STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b"\xff\xfe{}", STAFF_JSON),
    ("POST", "/staff/requests/{ticket}/status", b'{"status": "resolved"}', {"Content-Type": "application/json", "Authorization": "Bearer \u00e9\u00e9"}),
    ("POST", "/staff/requests/{ticket}/status", b'{"status": "resolved"}', {"Content-Type": "application/json", "Authorization": "Basic Zm9vOmJhcg=="}),
    ("POST", "/staff/webhooks", b'{"url": ["http://x"], "secret": {"a": 1}}', STAFF_JSON),
    ("POST", "/staff/webhooks", b'{"url": "http://\\ud800/", "secret": "s"}', STAFF_JSON),
    ("POST", "/staff/webhooks", b"null", STAFF_JSON),
    ("GET", "/staff/requests?status=%ED%A0%80&page=-5", None, {"Authorization": "Bearer {staff}"}),
    ("GET", "/staff/requests?page=1e9", None, {"Authorization": "Bearer {staff}"}),
]


@pytest.fixture(scope="module")
def ticket_id(backend):
    import requests

    data = dict(api_key=backend.api_key, service_code="noise", description="夜间施工", address_string="东城区东四十条", phone="13912349731")
    return requests.post(f"{backend.url}/requests.json", data=data, timeout=10).json()[0]["service_request_id"]


def send(backend, method, path, body, headers):
    parts = urlsplit(backend.root)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        # putrequest sends the path exactly as written: no normalizing of "..", "//" or "%00".
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value.encode("utf-8"))
        connection.putheader("Content-Length", str(len(body or b"")))
        connection.endheaders(body or b"")
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_at_least_sixty_hostile_inputs_are_tried():
    assert len(CASES) >= 60


@pytest.mark.parametrize("method, path, body, headers", CASES, ids=[f"{i:02d}" for i in range(len(CASES))])
def test_no_hostile_input_gets_a_server_error(backend, ticket_id, method, path, body, headers):
    fill = lambda text: text.replace("{key}", backend.api_key).replace("{staff}", backend.staff_token).replace("{ticket}", ticket_id)
    path = fill(path)
    body = body.replace(b"{key}", backend.api_key.encode()) if body else body
    headers = {k: fill(v) for k, v in headers.items()}
    status, answer = send(backend, method, path, body, headers)
    assert status < 500, (status, answer[:300])
    assert b"Traceback" not in answer
