"""Duplicates, followers and merges on the backend (SQLite and PostgreSQL, as the rest of the suite)."""
import uuid

import requests

from tests.backend.test_staff_and_webhooks import heard, receiver  # noqa: F401 (receiver: a fixture)

STREET = "朝阳区望京西园三区{n}号楼门口"


def staff(backend):
    return {"Authorization": f"Bearer {backend.staff_token}"}


def file(backend, address, code="streetlight", **extra):
    data = dict(api_key=backend.api_key, service_code=code, description="路灯不亮", address_string=address,
                phone="13600001111", **extra)
    response = requests.post(f"{backend.url}/requests.json", data=data)
    assert response.status_code == 201, response.text
    return response.json()[0]["service_request_id"]


def duplicates(backend, **params):
    response = requests.get(f"{backend.url}/duplicates.json", params=dict(api_key=backend.api_key, **params))
    assert response.status_code == 200, response.text
    return response.json()


def unique_place():
    return STREET.format(n=uuid.uuid4().int % 90000 + 100)


def test_the_same_place_written_otherwise_finds_the_open_ticket_and_tells_nothing_personal(backend):
    place = unique_place()
    ticket = file(backend, place + "2单元301室")
    number = place.split("三区")[1].split("号楼")[0]
    found = duplicates(backend, service_code="streetlight", address_string=f"望京西园3区{number}号楼")
    assert [d["service_request_id"] for d in found] == [ticket]
    assert found[0]["match"] == "address" and found[0]["place"] == place
    assert not {"description", "phone", "contact_name", "notes", "address"} & set(found[0])
    assert duplicates(backend, service_code="sanitation", address_string=place) == []


def test_a_point_within_200_metres_matches_and_one_farther_does_not(backend):
    lat, long = 39.5 + (uuid.uuid4().int % 10000) / 100000, 116.3
    ticket = file(backend, "某路口", code="road", lat=str(lat), long=str(long))
    near = duplicates(backend, service_code="road", lat=lat + 0.001, long=long)  # about 111 m north
    assert [(d["service_request_id"], d["match"]) for d in near] == [(ticket, "nearby")]
    assert 100 <= near[0]["distance_m"] <= 125
    assert duplicates(backend, service_code="road", lat=lat + 0.003, long=long) == []  # about 330 m


def test_resolved_and_closed_tickets_are_no_duplicates(backend):
    place = unique_place()
    ticket = file(backend, place)
    requests.post(f"{backend.root}/staff/requests/{ticket}/status", json={"status": "resolved"}, headers=staff(backend))
    assert duplicates(backend, service_code="streetlight", address_string=place) == []


def test_the_lookup_needs_the_api_key_and_a_known_code(backend):
    assert requests.get(f"{backend.url}/duplicates.json", params={"service_code": "road", "address_string": "x"}).status_code == 403
    bad = requests.get(f"{backend.url}/duplicates.json", params={"api_key": backend.api_key, "service_code": "nope"})
    assert bad.status_code == 400


def test_joining_is_idempotent_and_the_count_is_public(backend):
    ticket = file(backend, unique_place())
    url = f"{backend.url}/requests/{ticket}/followers.json"
    assert requests.post(url, data={"follower_id": "f1"}).status_code == 403
    assert requests.post(url, data={"api_key": backend.api_key, "follower_id": "f1"}).status_code == 201
    again = requests.post(url, data={"api_key": backend.api_key, "follower_id": "f1"})
    assert again.status_code == 200 and again.json()["followers"] == 1
    assert requests.post(url, data={"api_key": backend.api_key, "follower_id": "bad id!"}).status_code == 400
    public = requests.get(f"{backend.url}/requests/{ticket}.json").json()[0]
    assert public["followers"] == 1 and "description" not in public


def test_a_followers_photos_join_the_tickets_once_each_and_only_the_api_key_sees_them(backend):
    mine = "http://127.0.0.1:8080/media/" + "a" * 64 + ".jpg"
    theirs = ["http://127.0.0.1:8080/media/" + c * 64 + ".jpg" for c in "bc"]
    ticket = file(backend, unique_place(), media_urls=[mine])
    url = f"{backend.url}/requests/{ticket}/followers.json"
    joined = requests.post(url, data={"api_key": backend.api_key, "follower_id": "f1", "media_urls": [mine, *theirs]})
    assert joined.status_code == 201, joined.text
    again = requests.post(url, data={"api_key": backend.api_key, "follower_id": "f1", "media_urls": theirs})
    assert again.status_code == 200  # a retry of the join: no photo twice
    private = requests.get(f"{backend.url}/requests/{ticket}.json", params={"api_key": backend.api_key}).json()[0]
    assert private["media_urls"] == [mine, *theirs] and private["media_url"] == mine
    public = requests.get(f"{backend.url}/requests/{ticket}.json").json()[0]
    assert "media_url" not in public and "media_urls" not in public
    bad = requests.post(url, data={"api_key": backend.api_key, "follower_id": "f2", "media_urls": ["ftp://x/y.jpg"]})
    assert bad.status_code == 400


def test_each_follower_rates_once_as_the_filer_does(backend):
    ticket = file(backend, unique_place())
    for follower in ("f1", "f2"):
        requests.post(f"{backend.url}/requests/{ticket}/followers.json", data={"api_key": backend.api_key, "follower_id": follower})
    requests.post(f"{backend.root}/staff/requests/{ticket}/status", json={"status": "resolved"}, headers=staff(backend))
    feedback = f"{backend.url}/requests/{ticket}/feedback.json"

    def rate(rating, follower=None, key=None):
        data = {"api_key": backend.api_key, "rating": rating, **({"follower_id": follower} if follower else {})}
        return requests.post(feedback, data=data, headers={"Idempotency-Key": key} if key else {}).status_code

    assert rate("satisfied", key="k0") == 200
    assert rate("unsatisfied", "f1", key="k1") == 200
    assert rate("unsatisfied", "f1", key="k1") == 200  # a retry
    assert rate("satisfied", "f1", key="k9") == 409
    assert rate("basically_satisfied", "f2") == 200
    assert rate("satisfied", "stranger") == 400
    assert rate("unsatisfied") == 409
    shown = [t for t in requests.get(f"{backend.root}/staff/requests", headers=staff(backend)).json() if t["service_request_id"] == ticket][0]
    assert shown["rating"] == "satisfied"
    assert sorted(r["rating"] for r in shown["follower_ratings"]) == ["basically_satisfied", "unsatisfied"]


def test_a_merge_moves_the_citizens_notes_both_and_closes_the_duplicate(backend):
    kept, merged = file(backend, unique_place()), file(backend, unique_place())
    requests.post(f"{backend.url}/requests/{merged}/followers.json", data={"api_key": backend.api_key, "follower_id": "f9"})
    response = requests.post(f"{backend.root}/staff/requests/{merged}/merge", json={"into": kept}, headers=staff(backend))
    assert response.status_code == 200 and response.json()["followers"] == 2
    view = {t["service_request_id"]: t for t in requests.get(
        f"{backend.url}/requests.json", params={"api_key": backend.api_key, "service_request_id": f"{kept},{merged}"}).json()}
    assert view[merged]["extended_status"] == "closed" and view[merged]["merged_into"] == kept
    assert kept in view[merged]["notes"][-1]["note"] and merged in view[kept]["notes"][-1]["note"]
    again = requests.post(f"{backend.root}/staff/requests/{merged}/merge", json={"into": kept}, headers=staff(backend))
    assert again.status_code == 400
    assert requests.post(f"{backend.root}/staff/requests/{kept}/merge", json={"into": kept}, headers=staff(backend)).status_code == 400
    assert requests.post(f"{backend.root}/staff/requests/{kept}/merge", json={"into": "BJ19990101-0001"}, headers=staff(backend)).status_code == 404
    assert requests.post(f"{backend.root}/staff/requests/{kept}/merge", json={"into": merged}).status_code == 403


def test_the_staff_cli_merges_and_tells_the_receivers_the_merge_before_the_closing(backend, receiver):
    import json
    import subprocess
    import sys

    from bot.settings import ROOT
    from tests.backend.test_staff_and_webhooks import SECRET

    requests.post(f"{backend.root}/staff/webhooks", json={"url": receiver.url, "secret": SECRET}, headers=staff(backend))
    kept, merged = file(backend, unique_place()), file(backend, unique_place())
    cli = [sys.executable, "-m", "bot.cli", "staff", "merge"]
    done = subprocess.run(cli + [merged, kept], env=dict(backend.settings_env), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and f"merged into {kept} (1 followers)" in done.stdout, done.stderr
    mine = [json.loads(body) for _, body in heard(receiver, merged, 2)]
    assert mine[0] == {"event": "merged", "service_request_id": merged, "merged_into": kept}
    assert mine[1]["event"] == "status_changed" and mine[1]["status"] == "closed"
    again = subprocess.run(cli + [merged, kept], env=dict(backend.settings_env), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "Traceback" not in again.stderr
