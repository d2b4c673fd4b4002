"""The duplicate offer: lookup time on PostgreSQL with 100,000 tickets (HTTP `GET duplicates.json` and the query
alone), and its precision on bench/data/duplicate_pairs.yml (written before the lookup existed), with the
category predicted from each description as the bot does."""
import random
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import yaml
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from bench.common import percentiles
from bot import address, services
from bot.backend import store
from bot.backend.models import ServiceRequest
from bot.crypto import Vault
from bot.stack import Process, Stack, VENV_BIN, free_port, process_env

ADMIN = "postgresql://postgres@127.0.0.1/postgres"
TICKETS = 100_000
QUERIES = 400
PAIRS = Path(__file__).resolve().parent / "data" / "duplicate_pairs.yml"
_NAMES = "安和平康乐华阳明光新兴盛嘉福宁泰瑞祥丰裕景翠清润"
_KINDS = ("园", "里", "苑", "家园", "小区", "花园")


def _synthetic_address(rng: random.Random) -> str:
    name = "".join(rng.choice(_NAMES) for _ in range(2)) + rng.choice(_KINDS)
    return f"{rng.choice(['朝阳区', '海淀区', '丰台区', '西城区'])}{name}{rng.randint(1, 9)}区{rng.randint(1, 40)}号楼"


def _fill(url: str, rng: random.Random) -> list:
    """100,000 tickets over the last 60 days, 14 codes, 70 % open, half with coordinates in Beijing."""
    now = datetime.now(timezone.utc)
    codes = [s.code for s in services.SERVICES]
    engine = create_engine(url, future=True)
    places = []
    with engine.begin() as connection:
        batch = []
        for i in range(TICKETS):
            place = _synthetic_address(rng)
            located = rng.random() < 0.5
            at = now - timedelta(seconds=rng.randint(0, 60 * 86400))
            batch.append(dict(
                service_request_id=f"BJ20000101-B{i:06d}", service_code=rng.choice(codes), request_type="complaint",
                urgency="normal", status=rng.choices(["received", "dispatched", "in_progress", "resolved", "closed"],
                                                     [30, 20, 20, 15, 15])[0],
                description="bench", address=place, address_key=address.key(place), language="zh",
                lat=39.75 + rng.random() * 0.35 if located else None, long=116.2 + rng.random() * 0.45 if located else None,
                requested_at=at, updated_at=at, expected_at=at + timedelta(days=7), verify_failures=0,
            ))
            places.append(place)
            if len(batch) == 5000:
                connection.execute(insert(ServiceRequest.__table__), batch)
                batch = []
        connection.execute(text("ANALYZE service_requests"))
    engine.dispose()
    return places


def _lookup_times(base: str, key: str, places: list, rng: random.Random) -> dict:
    codes = [s.code for s in services.SERVICES]
    session = requests.Session()
    by_address, nearby, hits = [], [], 0
    for i in range(QUERIES):
        params = {"api_key": key, "service_code": rng.choice(codes)}
        if i % 2:
            params.update(lat=39.75 + rng.random() * 0.35, long=116.2 + rng.random() * 0.45)
        else:
            params["address_string"] = rng.choice(places) if rng.random() < 0.7 else _synthetic_address(rng)
        started = time.perf_counter()
        response = session.get(f"{base}/duplicates.json", params=params, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        hits += bool(response.json())
        (nearby if i % 2 else by_address).append(elapsed)
    return {"http_by_address": percentiles(by_address), "http_nearby": percentiles(nearby), "queries_with_a_match": hits}


def _query_times(url: str, places: list, rng: random.Random) -> dict:
    """The store's query alone, in this process: what the index does, without HTTP and JSON."""
    codes = [s.code for s in services.SERVICES]
    engine = create_engine(url, future=True)
    samples = []
    now = datetime.now(timezone.utc)
    for i in range(QUERIES):
        started = time.perf_counter()
        with Session(engine, future=True) as s:
            if i % 2:
                store.duplicates(rng.choice(codes), session=s, now=now, lat=39.75 + rng.random() * 0.35, long=116.2 + rng.random() * 0.45)
            else:
                store.duplicates(rng.choice(codes), session=s, now=now, address=rng.choice(places))
        samples.append((time.perf_counter() - started) * 1000)
    with engine.connect() as c:
        plan = "\n".join(r[0] for r in c.execute(text(
            "EXPLAIN SELECT * FROM service_requests WHERE service_code = 'road' AND address_key = 'zh:x'"
            " AND requested_at >= now() - interval '30 days' AND status IN ('received', 'dispatched', 'in_progress')")))
    engine.dispose()
    return {"query_only": percentiles(samples), "address_plan_uses_index": "ix_service_requests_duplicates" in plan}


def _precision(url: str) -> dict:
    """Each pair: file the first, ask with the second, close the first (the pairs reuse places)."""
    from bot.nlu import category, gazetteer

    pairs = yaml.safe_load(PAIRS.read_text("utf-8"))["pairs"]
    engine = create_engine(url, future=True)
    vault = Vault(Fernet.generate_key().decode())
    outcome = {"true_offer": 0, "false_offer": 0, "missed": 0, "right_silence": 0}
    by_kind, wrong = {}, []
    for pair in pairs:
        first, second = pair["first"], pair["second"]
        with Session(engine, future=True) as s, s.begin():
            row, _ = store.create(store.NewRequest(
                service_code=category.predict(first["description"])[0], description=first["description"],
                address=first["address"], lat=first.get("lat"), long=first.get("long"),
                district=gazetteer.find_district(first["address"]), language=pair["lang"],
            ), session=s, vault=vault)
            first_id = row.service_request_id
        with Session(engine, future=True) as s:
            found = store.duplicates(
                category.predict(second["description"])[0], session=s, now=datetime.now(timezone.utc),
                address=second["address"], lat=second.get("lat"), long=second.get("long"),
                district=gazetteer.find_district(second["address"]),
            )
            offered = first_id in [d.request.service_request_id for d in found]
        with Session(engine, future=True) as s, s.begin():
            store.set_status(first_id, "closed", "bench", session=s)
        verdict = {(True, True): "true_offer", (False, True): "false_offer", (True, False): "missed",
                   (False, False): "right_silence"}[(pair["duplicate"], offered)]
        outcome[verdict] += 1
        kind = by_kind.setdefault(f"{pair['kind']}/{pair['lang']}", {"pairs": 0, "right": 0})
        kind["pairs"] += 1
        kind["right"] += verdict in ("true_offer", "right_silence")
        if verdict in ("false_offer", "missed"):
            wrong.append(f"{verdict}: {first['address']} | {second['address']} ({pair['kind']})")
    engine.dispose()
    offers = outcome["true_offer"] + outcome["false_offer"]
    should = outcome["true_offer"] + outcome["missed"]
    return {
        "pairs": len(pairs), **outcome,
        "precision": round(outcome["true_offer"] / offers, 3) if offers else None,
        "recall": round(outcome["true_offer"] / should, 3) if should else None,
        "by_kind": by_kind, "wrong": wrong,
    }


def run() -> dict:
    rng = random.Random(12345)
    name = f"dispatch_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1/{name}"
    port = free_port()
    env = process_env(dict(
        BACKEND_PORT=str(port), BACKEND_DATABASE_URL=url, DISPATCH_API_KEY="bench-dup-key-0123456789",
        BACKEND_DATA_KEY=Fernet.generate_key().decode(), BACKEND_STAFF_TOKEN="bench-dup-staff-0123456789",
        NOTIFY_URL="", NOTIFY_WEBHOOK_SECRET="",
    ))
    base = f"http://127.0.0.1:{port}/open311/v2"
    try:
        with tempfile.TemporaryDirectory() as tmp, Stack(env, log_dir=Path(tmp)) as stack:
            stack.start(Process("dispatch backend", [str(VENV_BIN / "python"), "-m", "bot.backend"], f"http://127.0.0.1:{port}/health", base))
            started = time.perf_counter()
            places = _fill(url, rng)
            result = {"tickets": TICKETS, "fill_seconds": round(time.perf_counter() - started, 1)}
            result.update(_lookup_times(base, env["DISPATCH_API_KEY"], places, rng))
            result.update(_query_times(url, places, rng))
            result["precision"] = _precision(url)
        return result
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
