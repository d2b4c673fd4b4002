"""bot/media.py on real files: what is kept, what is refused, what is stripped, and sealed metadata."""
import io
import stat

import pytest
from PIL import Image

from bot import media
from tests import photos


@pytest.fixture
def store(tmp_path):
    return media.MediaStore(str(tmp_path / "media"), "http://portal.test/media/", "channel-key")


def test_a_phone_jpeg_is_kept_without_its_exif_and_its_gps_is_read_first(store):
    photo = store.keep(photos.jpeg_with_gps())
    assert photo.gps == pytest.approx(photos.GPS, abs=1e-4)
    assert photo.url == f"http://portal.test/media/{photo.name}"
    stored = store.path(photo.name).read_bytes()
    assert not photos.has_metadata(stored)
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    assert Image.open(io.BytesIO(stored)).format == "JPEG"
    assert stat.S_IMODE(store.path(photo.name).stat().st_mode) == 0o600


def test_the_same_photo_twice_is_one_file_named_by_its_hash(store):
    first, second = store.keep(photos.jpeg_with_gps()), store.keep(photos.jpeg_with_gps())
    assert first.name == second.name and len(first.name) == 64 + 4
    assert len(list(store.directory.iterdir())) == 1


def test_a_png_without_gps_stays_a_png(store):
    photo = store.keep(photos.png())
    assert photo.name.endswith(".png") and photo.gps is None


@pytest.mark.parametrize(
    "make, reason",
    [
        (photos.renamed_pdf, "not_image"),
        (photos.twenty_megabytes, "too_big"),
        (photos.truncated_jpeg, "damaged"),
        (photos.decompression_bomb, "too_many_pixels"),
        (lambda: b"", "not_image"),
        (lambda: b"GIF89a" + b"\0" * 100, "not_image"),
    ],
)
def test_bad_files_are_refused_with_a_polite_reason_and_nothing_is_stored(store, make, reason):
    with pytest.raises(media.Refused) as refused:
        store.keep(make())
    assert refused.value.reason == reason
    assert "抱歉" in media.refusal(reason, "zh") and "Sorry" in media.refusal(reason, "en")
    assert not store.directory.exists() or not list(store.directory.iterdir())


def test_a_name_that_is_no_stored_hash_finds_nothing(store):
    photo = store.keep(photos.png())
    for name in ("", "..", "../channel.db", photo.name.upper(), photo.name + "x", "0" * 64 + ".png"):
        assert store.path(name) is None


def test_only_the_channels_own_seal_for_this_conversation_counts(store):
    photo = store.keep(photos.jpeg_with_gps())
    entry = store.attach("telegram:42", photo)
    assert store.genuine("telegram:42", {"photos": [entry]}) == [{k: v for k, v in entry.items() if k != "seal"}]
    assert store.genuine("rest:42", {"photos": [entry]}) == []  # another conversation
    forged = dict(entry, url="http://portal.test/media/" + "0" * 64 + ".jpg")
    assert store.genuine("telegram:42", {"photos": [forged, {"url": photo.url}, "x", None]}) == []
    other_key = media.MediaStore(str(store.directory), "http://portal.test/media", "another-key")
    assert other_key.genuine("telegram:42", {"photos": [entry]}) == []
    assert store.genuine("telegram:42", {"photos": "nope"}) == [] and store.genuine("telegram:42", None) == []


def test_a_webp_stays_webp_and_a_sideways_photo_is_stored_upright_without_the_orientation_tag(store):
    image = Image.new("RGB", (64, 48), (0, 128, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    out = io.BytesIO()
    image.save(out, "WEBP", exif=exif)
    photo = store.keep(out.getvalue())
    stored = Image.open(io.BytesIO(store.path(photo.name).read_bytes()))
    assert photo.name.endswith(".webp") and stored.size == (48, 64) and not stored.getexif()
