"""Telegram photos on their own: python-telegram-bot's getFile and download against the fake Bot API."""
import pytest

from bot.media import MediaStore
from tests import photos
from tests.channels.test_telegram_channel import db_url, fake, run  # noqa: F401 - fixtures
from tests.fakes import telegram_api as tg


@pytest.fixture
def store(tmp_path):
    return MediaStore(str(tmp_path / "media"), "http://portal.test/media", "channel-key")


def test_the_largest_size_is_downloaded_stripped_and_attached_sealed(fake, db_url, store):
    user = tg.new_user()
    [message] = run(fake, db_url, tg.photo_update(fake, user, photos.jpeg_with_gps()), media_store=store)
    assert message.text.startswith('/send_photo{"photo":[{')  # the entries as entities (connectors.common.photo_only)
    [entry] = store.genuine(message.sender_id, message.metadata)
    assert (entry["lat"], entry["long"]) == pytest.approx(photos.GPS, abs=1e-4)
    stored = store.path(entry["url"].rsplit("/", 1)[1]).read_bytes()
    assert not photos.has_metadata(stored)
    downloads = [c.params["file_path"] for c in fake.calls_to("download")]
    assert any(fake.files[p.split(".")[0]] == photos.jpeg_with_gps() for p in downloads)
    assert not any(fake.files.get(p.split(".")[0]) == b"thumbnail" for p in downloads)


def test_a_caption_is_the_text_and_a_picture_sent_as_a_file_counts_too(fake, db_url, store):
    user = tg.new_user()
    got = run(fake, db_url, tg.photo_update(fake, user, photos.png(), caption="井盖丢了"),
              tg.document_update(fake, user, photos.png(), "image/png", "scan.png"), media_store=store)
    assert [m.text.split("{")[0] for m in got] == ["井盖丢了", "/send_photo"]
    assert all(len(store.genuine(m.sender_id, m.metadata)) == 1 for m in got)


@pytest.mark.parametrize("make, words", [
    (photos.renamed_pdf, "JPEG、PNG 或 WebP"),
    (photos.twenty_megabytes, "10 MB"),
    (photos.truncated_jpeg, "损坏"),
    (photos.decompression_bomb, "尺寸太大"),
])
def test_bad_files_are_refused_politely_and_reach_nobody(fake, db_url, store, make, words):
    user = tg.new_user()
    update = tg.document_update(fake, user, make(), "image/jpeg", "photo.jpg")
    assert run(fake, db_url, update, media_store=store) == []
    [answer] = fake.texts_to(user["id"])
    assert words in answer and answer.startswith("抱歉")
    assert not store.directory.exists() or not list(store.directory.iterdir())


def test_a_refused_photo_keeps_its_caption(fake, db_url, store):
    user = tg.new_user("en")
    [message] = run(fake, db_url, tg.photo_update(fake, user, photos.truncated_jpeg(), caption="Broken swing"),
                    media_store=store)
    assert message.text == "Broken swing" and "photos" not in message.metadata
    assert "damaged" in fake.texts_to(user["id"])[0]
