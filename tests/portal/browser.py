"""The city portal in Debian's chromium, driven by Playwright with its device descriptors (no browser download)."""
import re
from dataclasses import dataclass, field
from typing import List, Optional

from bot.settings import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# The device classes of the issue, by Playwright's names; None is a desktop browser.
DEVICES = {
    "small Android phone": "Galaxy S9+",  # 320 px wide
    "Android phone": "Galaxy S5",  # 360 px
    "iPhone": "iPhone 13",  # 390 px
    "large Android phone": "Pixel 7",  # 412 px
    "tablet": "iPad (gen 7)",  # 810 px
    "desktop": None,
}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
LOCAL = re.compile(r"^(https?|wss?)://127\.0\.0\.1[:/]|^data:")
# axe-core from our node_modules, answered by the browser context itself at a same-origin path: the page's
# Content-Security-Policy allows it like any of our scripts, and the portal serves no test tooling.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__axe-core/axe.min.js"
TICKET = re.compile(r"BJ\d{8}-\d{4}")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{4}")
BOT_TIMEOUT = 90_000


@dataclass
class Visit:
    """One citizen's browser tab on the portal, and what it logged or fetched on the way."""

    page: object
    touch: bool
    console_errors: List[str] = field(default_factory=list)
    outside_requests: List[str] = field(default_factory=list)

    def press(self, locator) -> None:
        """Taps on a touch screen, clicks elsewhere."""
        locator.tap() if self.touch else locator.click()


def open_visit(chromium, url: str, device: Optional[str], lang: Optional[str] = None, context_options=None) -> Visit:
    options = dict(DESKTOP)
    if device:
        options = dict(chromium.devices[device])
        options.pop("default_browser_type", None)  # Debian's chromium runs every descriptor, WebKit ones too
    options["locale"] = "en-US" if lang == "en" else "zh-CN"
    options.update(context_options or {})
    context = chromium.browser.new_context(**options)
    context.route(f"**{AXE_PATH}", lambda route: route.fulfill(path=str(AXE), content_type="application/javascript"))
    page = context.new_page()
    visit = Visit(page=page, touch=bool(options.get("has_touch")))
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: visit.console_errors.append(str(exc)))
    page.on("request", lambda r: None if LOCAL.match(r.url) else visit.outside_requests.append(r.url))
    page.goto(url + (f"?lang={lang}" if lang else ""))
    return visit


def widget_ready(page) -> None:
    """Waits until the widget is connected (it stays hidden until then) and has restored its stored state."""
    page.locator(".rw-launcher, .rw-new-message").first.wait_for(state="visible", timeout=60_000)


def open_chat(visit: Visit) -> None:
    page = visit.page
    widget_ready(page)
    if not page.locator(".rw-new-message").is_visible():
        visit.press(page.locator(".rw-launcher"))
    page.locator(".rw-new-message").wait_for(state="visible", timeout=30_000)


def bot_texts(page) -> List[str]:
    return page.locator(".rw-response").all_inner_texts()


def wait_for_bot(page, before: int, pattern: str) -> str:
    """Waits until a bot message after the first `before` matches `pattern`; returns the new messages."""
    page.wait_for_function(
        "([n, p]) => [...document.querySelectorAll('.rw-response')].slice(n)"
        ".some(e => new RegExp(p).test(e.innerText))",
        arg=[before, pattern], timeout=BOT_TIMEOUT,
    )
    return "\n".join(bot_texts(page)[before:])


def say(visit: Visit, text: str, expect: str) -> str:
    """Types like a citizen (tap the box, type, tap send; or Enter on a keyboard) and waits for the answer."""
    page = visit.page
    before = len(bot_texts(page))
    box = page.locator(".rw-new-message")
    if visit.touch:
        box.tap()
        page.keyboard.type(text)
        page.locator(".rw-send").tap()
    else:
        box.fill(text)
        box.press("Enter")
    return wait_for_bot(page, before, expect)


def choose_reply(visit: Visit, expect: str) -> str:
    """Presses the first quick reply the bot offers (the confirmation) and waits for the answer."""
    page = visit.page
    reply = page.locator(".rw-reply").first
    reply.wait_for(timeout=30_000)
    before = len(bot_texts(page))
    visit.press(reply)
    return wait_for_bot(page, before, expect)


def fits_the_screen(page, button=".rw-launcher") -> dict:
    """What a citizen would see go wrong: the page wider than the screen, the chat button off it or too small."""
    return page.evaluate(
        """selector => {
            const launcher = document.querySelector(selector);
            const box = launcher && launcher.getClientRects().length ? launcher.getBoundingClientRect() : null;
            return {
                overflow: document.documentElement.scrollWidth - window.innerWidth,
                launcher_on_screen: !!box && box.left >= 0 && box.top >= 0
                    && box.right <= window.innerWidth && box.bottom <= window.innerHeight,
                launcher_size: box ? [Math.round(box.width), Math.round(box.height)] : null,
            };
        }""",
        button,
    )


def axe_violations(page, impacts=("serious", "critical")) -> List[str]:
    """Runs axe-core inside the page; returns the violations of the given impacts, readable."""
    page.add_script_tag(url=AXE_PATH)
    found = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
            id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"""
    )
    return [f"{v['impact']} {v['id']}: {v['targets']}" for v in found if v["impact"] in impacts]
