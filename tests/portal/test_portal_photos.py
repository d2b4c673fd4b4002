"""A photo uploaded with the widget's photo button in Chromium, by keyboard, to a filed ticket serving the stripped
image; the upload endpoint refuses strangers and oversized bodies unread."""
import uuid

import pytest
import requests

from tests import photos
from tests.channels.test_photos_e2e import assert_serves_the_stripped_photo, ticket_of
from tests.portal.browser import TICKET, axe_violations, bot_texts, choose_reply, open_chat, say, wait_for_bot

pytestmark = pytest.mark.slow


def upload_by_keyboard(page, path, expect):
    """Tab from the message box to the photo button, Enter, pick the file; waits for the bot's answer."""
    page.wait_for_function("() => document.activeElement.classList.contains('rw-new-message')", timeout=30_000)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "发送照片"
    # Enter must open the file picker: the hidden input is clicked with the key press's user activation. The picker
    # itself is stopped there and the file set on the input (Playwright's filechooser event proved flaky here).
    page.evaluate("""() => document.querySelector('.photo-input').addEventListener('click', event => {
        window.pickerOpenedByKey = navigator.userActivation.isActive; event.preventDefault(); }, {once: true})""")
    page.keyboard.press("Enter")
    assert page.evaluate("() => window.pickerOpenedByKey") is True
    before = len(bot_texts(page))
    page.locator(".photo-input").set_input_files(str(path))
    return wait_for_bot(page, before, expect)


def test_a_photo_uploaded_in_the_browser_is_filed_with_its_position_and_served_stripped(
        visit, portal, rasa_server, backend, tmp_path):
    citizen = visit(None, "zh")
    page = citizen.page
    open_chat(citizen)
    wait_for_bot(page, 0, "12345")  # the greeting: the widget puts the focus back in its input as it arrives
    picture = tmp_path / "IMG_0001.jpg"
    picture.write_bytes(photos.jpeg_with_gps())
    assert "收到照片" in upload_by_keyboard(page, picture, "收到照片")
    assert axe_violations(page) == []  # with the photo button in the widget
    say(citizen, "小区门口的路灯坏了三天了,晚上很黑", "拍摄位置")
    choose_reply(citizen, "怎么称呼")  # 是,用这个位置
    say(citizen, "王女士", "电话")
    assert "照片:1 张" in say(citizen, "13912345678", "照片:1 张")
    filed = choose_reply(citizen, TICKET.pattern)
    ticket = ticket_of(backend, TICKET.search(filed).group(0))
    assert (ticket["lat"], ticket["long"]) == pytest.approx(photos.GPS, abs=1e-4)
    assert_serves_the_stripped_photo(ticket, portal)

    # A renamed PDF is refused politely, in the chat.
    page.locator(".rw-new-message").focus()
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(photos.renamed_pdf())
    assert "JPEG、PNG 或 WebP" in upload_by_keyboard(page, fake, "JPEG、PNG 或 WebP")
    # Chromium logs every 4xx answer to a fetch; the refusal's 415 is the only one.
    assert [e for e in citizen.console_errors if "status of 415" not in e] == []
    assert citizen.outside_requests == []


def test_the_upload_endpoint_takes_photos_only_for_a_live_session_and_refuses_big_bodies_unread(rasa_server):
    url = f"{rasa_server.url}/webhooks/socketio/photo"
    files = {"photo": ("a.jpg", photos.jpeg_with_gps(), "image/jpeg")}
    for session in (uuid.uuid4().hex, "", "../../telegram:42"):  # nobody connected with it / no id / not an id
        answer = requests.post(url, data={"session_id": session}, files=files, timeout=30)
        assert answer.status_code == 403
    big = requests.post(url, data=b"x" * (11 * 1024 * 1024), headers={"Content-Type": "multipart/form-data; boundary=x"},
                        timeout=60)
    assert big.status_code == 413 and "10 MB" in big.json()["message"]
