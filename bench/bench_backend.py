"""Throughput and latency of the dispatch backend: POST requests, GET requests/{id}, a private page of
200 (phones masked in every description), SQLite, loopback; and the masking of one 10,000-character letter."""
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.common import percentiles, stack_env
from bot.stack import Stack, standard_processes

REQUESTS = 400
THREADS = 4


def _hammer(call, count):
    samples, lock = [], threading.Lock()

    def worker(n):
        session = requests.Session()
        for i in range(n):
            started = time.perf_counter()
            call(session, i)
            with lock:
                samples.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=worker, args=(count // THREADS,)) for _ in range(THREADS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return dict(percentiles(samples), per_second=round(len(samples) / elapsed, 1))


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = stack_env(Path(tmp))
        env["NOTIFY_URL"] = ""
        backend = next(p for p in standard_processes(env, var=Path(tmp)) if p.name == "dispatch backend")
        with Stack(env, log_dir=Path(tmp) / "log") as stack:
            stack.start(backend)
            url, key = env["DISPATCH_URL"], env["DISPATCH_API_KEY"]
            ids = []

            def post(session, i):
                response = session.post(f"{url}/requests.json", data={
                    "api_key": key, "service_code": "streetlight", "description": f"路灯坏了 {i}",
                    "address_string": "朝阳区望京西园三区5号楼", "phone": "13800138000", "first_name": "张三",
                }, timeout=10)
                ids.append(response.json()[0]["service_request_id"])

            def get(session, i):
                session.get(f"{url}/requests/{ids[i % len(ids)]}.json", timeout=10).raise_for_status()

            def private_page(session, i):
                params = {"api_key": key, "page_size": 200}
                session.get(f"{url}/requests.json", params=params, timeout=30).raise_for_status()

            return {
                "post_requests": _hammer(post, REQUESTS),
                "get_request_by_id": _hammer(get, REQUESTS),
                "get_private_page_of_200": _hammer(private_page, 40),
                "mask_phones_in_a_10000_character_letter_ms": _mask_letter(),
                "client_threads": THREADS,
                "store": "sqlite",
            }


def _mask_letter() -> float:
    """Milliseconds to mask the phones in one 10,000-character complaint letter holding one number."""
    from bot.phone import mask_in

    letter = ("尊敬的领导:我们小区东门外的夜市每晚营业到凌晨两点,噪声和油烟严重影响居民休息。" * 300)[:9980]
    letter += "联系电话13800138000。"
    started = time.perf_counter()
    for _ in range(20):
        mask_in(letter)
    return round((time.perf_counter() - started) / 20 * 1000, 2)
