"""The page server alone (Flask's test client): what it sends a phone, and what it never lets the page fetch."""
import gzip

import pytest

from bot.settings import Settings
from connectors.portal.server import WIDGET, create_app

if not WIDGET.exists():
    pytest.skip("rasa-webchat is not installed (npm ci)", allow_module_level=True)


@pytest.fixture
def client():
    return create_app(Settings(rasa_url="http://127.0.0.1:5005")).test_client()


def test_the_widget_bundle_is_served_without_the_google_fonts_import(client):
    assert b"fonts.googleapis.com" in WIDGET.read_bytes()  # the package still asks for it...
    body = client.get("/webchat.js").get_data()
    assert b"fonts.googleapis.com" not in body and b"rw-launcher" in body  # ...our copy does not


def test_the_widget_bundle_is_gzipped_for_browsers_that_accept_it(client):
    plain = client.get("/webchat.js").get_data()
    zipped = client.get("/webchat.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.get_data()) == plain
    assert len(zipped.get_data()) < len(plain) / 3


def test_an_unchanged_widget_bundle_is_not_sent_twice(client):
    first = client.get("/webchat.js", headers={"Accept-Encoding": "gzip"})
    again = client.get("/webchat.js", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_every_response_keeps_the_page_on_our_own_servers(client):
    for path in ("/", "/webchat.js", "/static/portal.js", "/config.json", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self';" in policy and "googleapis" not in policy


def test_the_page_names_its_language_and_fits_a_phone(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1' in page
    assert "cdn" not in page.lower()


def test_no_file_outside_the_page_folder_is_served(client):
    assert client.get("/static/../server.py").status_code == 404
    assert client.get("/static/%2e%2e/server.py").status_code == 404
