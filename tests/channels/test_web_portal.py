"""The city portal in a real browser (Debian's chromium via Playwright): file a ticket in the widget, reload, ask."""
import os
import re
from pathlib import Path

import pytest
import requests

from bot.settings import ROOT
from tests.portal.browser import ARGS, CHROMIUM, LOCAL, widget_ready

pytestmark = pytest.mark.slow

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("needs Debian's chromium at /usr/bin/chromium", allow_module_level=True)
SCREENSHOT = ROOT / "docs" / "portal.png"


@pytest.fixture
def browser_page(tmp_path):
    with playwright_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 860}, locale="zh-CN",
        )
        page = context.new_page()
        outside = []
        page.on("request", lambda r: None if LOCAL.match(r.url) else outside.append(r.url))
        yield page
        context.close()
        assert outside == []  # no CDN: nothing even asked of an outside server (our copy of the widget drops its font)


def bot_lines(page):
    return page.locator(".rw-response").all_inner_texts()


def say(page, text, expect):
    """Types like a citizen and waits until a bot message matching `expect` appears."""
    before = len(bot_lines(page))
    page.locator(".rw-new-message").fill(text)
    page.locator(".rw-new-message").press("Enter")
    page.wait_for_function(
        "([n, pattern]) => { const all = [...document.querySelectorAll('.rw-response')];"
        " return all.length > n && all.slice(n).some(e => new RegExp(pattern).test(e.innerText)); }",
        arg=[before, expect], timeout=90_000,
    )
    return "\n".join(bot_lines(page)[before:])


def open_chat(page):
    widget_ready(page)  # shown once connected, by which time it has restored its open/closed state from storage
    if not page.locator(".rw-new-message").is_visible():
        page.locator(".rw-launcher").click()
    page.locator(".rw-new-message").wait_for(timeout=60_000)


def test_portal_serves_page_widget_and_config(portal, rasa_server):
    page = requests.get(portal.url, timeout=10)
    assert page.status_code == 200 and "12345" in page.text and "cdn" not in page.text.lower()
    assert requests.get(portal.url + "webchat.js", timeout=10).status_code == 200
    assert requests.get(portal.url + "config.json", timeout=10).json()["socketUrl"] == rasa_server.url
    assert requests.get(portal.url + "static/../../bot/settings.py", timeout=10).status_code == 404


def test_file_a_ticket_in_the_browser_reload_and_ask(portal, rasa_server, backend, browser_page, tmp_path):
    page = browser_page
    page.goto(portal.url)
    open_chat(page)
    say(page, "朝阳区望京西园三区5号楼门口路灯坏了三天了 电话13800138000", "称呼")
    say(page, "张三", "路灯照明")
    confirm = page.locator(".rw-reply").first
    confirm.wait_for(timeout=30_000)
    before = len(bot_lines(page))
    confirm.click()  # the quick reply button, as a citizen would
    page.wait_for_function(
        "n => [...document.querySelectorAll('.rw-response')].slice(n).some(e => /BJ\\d{8}-\\d{4}/.test(e.innerText))",
        arg=before, timeout=90_000,
    )
    ticket_id = re.search(r"BJ\d{8}-\d{4}", "\n".join(bot_lines(page)[before:])).group(0)

    page.reload()
    open_chat(page)
    page.wait_for_function(
        "id => [...document.querySelectorAll('.rw-response')].some(e => e.innerText.includes(id))",
        arg=ticket_id, timeout=30_000,
    )  # the history survived the reload
    status = say(page, "我的工单办得怎么样了", ticket_id)
    assert "已受理" in status
    # The README's picture is refreshed only on request, so a test run leaves the checkout clean.
    shot = SCREENSHOT if os.environ.get("SAVE_PORTAL_SCREENSHOT") else tmp_path / "portal.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def test_english_switch_reaches_the_bot(portal, rasa_server, browser_page):
    page = browser_page
    page.goto(portal.url + "?lang=en")
    assert "Citizen Service Hotline" in page.inner_text("header")
    open_chat(page)
    answer = say(page, "what can you do", r"[A-Za-z]{4}")
    assert not re.search(r"[\u4e00-\u9fff]{4}", answer)
    session = page.evaluate("() => JSON.parse(localStorage.getItem('chat_session')).session_id")
    events = requests.get(
        f"{rasa_server.url}/conversations/socketio:{session}/tracker", params={"token": rasa_server.token}, timeout=30
    ).json()["events"]
    said = [e for e in events if e["event"] == "user"]
    assert said and all(e["metadata"].get("language") == "en" for e in said)
