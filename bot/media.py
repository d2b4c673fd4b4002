"""Citizens' photos: checked by decoding, stripped of metadata, kept by content hash under var/media/."""
import hashlib
import hmac
import io
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from bot import files

MAX_BYTES = 10 * 1024 * 1024
# 40 megapixels: more than any phone camera; a small file that decodes to more is a decompression bomb.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow warns above this and raises above twice it: both refused below
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a cut-off file is refused, not padded with grey

# Pillow format -> file extension, Content-Type
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
TYPES = {ext: mime for ext, mime in FORMATS.values()}
NAME = re.compile(r"[0-9a-f]{64}\.(jpg|png|webp)")

REFUSALS = {
    "too_big": {
        "zh": "抱歉,照片太大了(超过 10 MB),请压缩后再发,或换一张。",
        "en": "Sorry, that photo is too large (over 10 MB). Please send a smaller one.",
    },
    "not_image": {
        "zh": "抱歉,只能接收 JPEG、PNG 或 WebP 格式的照片,这个文件无法作为照片保存。",
        "en": "Sorry, I can only take photos in JPEG, PNG or WebP format; this file cannot be kept as a photo.",
    },
    "damaged": {
        "zh": "抱歉,这张照片不完整或已损坏,无法打开,请重新发送。",
        "en": "Sorry, that photo is incomplete or damaged and cannot be opened. Please send it again.",
    },
    "too_many_pixels": {
        "zh": "抱歉,这张照片的尺寸太大,无法处理,请截图或缩小后再发。",
        "en": "Sorry, that image's dimensions are too large to process. Please send a smaller version.",
    },
    "unavailable": {
        "zh": "抱歉,照片暂时无法接收,请稍后再发。您已填写的内容都还在。",
        "en": "Sorry, I cannot receive the photo right now; please send it again later. Everything else is kept.",
    },
}


class Refused(ValueError):
    """A file that is not a photo we keep; `reason` names the polite answer in REFUSALS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Photo:
    name: str  # <sha256 of the stored bytes>.<ext>
    url: str
    gps: Optional[Tuple[float, float]]  # (lat, long) read before stripping; never stored in the file


def refusal(reason: str, lang: str) -> str:
    return REFUSALS.get(reason, REFUSALS["not_image"])["en" if lang == "en" else "zh"]


def clean(data: bytes) -> Tuple[bytes, str, Optional[Tuple[float, float]]]:
    """The photo re-encoded without any metadata, its extension, and the GPS position its EXIF held."""
    if len(data) > MAX_BYTES:
        raise Refused("too_big")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise Refused("too_many_pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("too_many_pixels") from None
    except UnidentifiedImageError:
        raise Refused("not_image") from None
    except (OSError, SyntaxError, ValueError, EOFError):  # Pillow's words for a truncated or corrupt file
        raise Refused("damaged") from None
    kind = image.format
    gps = gps_of(image)
    try:
        return _pixels_only(image, kind), FORMATS[kind][0], gps
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):  # a damaged EXIF block, an odd mode
        raise Refused("damaged") from None


def _pixels_only(image: Image.Image, kind: str) -> bytes:
    # Turned upright by its EXIF orientation, since that tag goes with the rest; then only the pixels are kept.
    upright = ImageOps.exif_transpose(image)
    if kind == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())  # a new image: no info, no EXIF
    if upright.mode == "P":
        pixels.putpalette(upright.getpalette())
    out = io.BytesIO()
    options: Dict[str, Any] = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
    pixels.save(out, kind, **options)
    return out.getvalue()


def gps_of(image: Image.Image) -> Optional[Tuple[float, float]]:
    try:
        info = image.getexif().get_ifd(0x8825)  # GPSInfo
        lat = _degrees(info[2], info.get(1, "N"), "S")
        long = _degrees(info[4], info.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError, SyntaxError, OSError):
        return None
    if not (-90 <= lat <= 90 and -180 <= long <= 180) or (lat == 0 and long == 0):
        return None
    return round(lat, 6), round(long, 6)


def _degrees(dms: Iterable[Any], ref: Any, negative: str) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    ref = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -value if ref.strip().upper() == negative else value


class MediaStore:
    """Photos on disk, named by the hash of their stored bytes (the same photo twice is one file)."""

    def __init__(self, directory: str, base_url: str, key: str):
        self.directory = Path(directory)
        self.base_url = base_url.rstrip("/")
        # A key of its own, derived from the channel's: seals say "this channel stored this photo for this conversation".
        self._key = hashlib.sha256(b"12345chat-media-seal:" + (key or "").encode()).digest()

    @classmethod
    def from_settings(cls, settings: Any) -> "MediaStore":
        return cls(settings.media_dir, settings.media_base_url, settings.channel_data_key)

    def keep(self, data: bytes) -> Photo:
        """Check, strip and store a photo; raises Refused with the reason for the citizen."""
        stripped, ext, gps = clean(data)
        name = f"{hashlib.sha256(stripped).hexdigest()}.{ext}"
        path = self.directory / name
        if not path.exists():
            temporary = path.with_suffix(f".{os.getpid()}.part")
            with files.open_private(temporary, "wb") as f:
                f.write(stripped)
            os.replace(temporary, path)
        return Photo(name, f"{self.base_url}/{name}", gps)

    def path(self, name: str) -> Optional[Path]:
        """The stored file of a name from a media URL, or None (anything else, or a name we never stored)."""
        if not NAME.fullmatch(name or ""):
            return None
        path = self.directory / name
        return path if path.is_file() else None

    # --- photos as message metadata -------------------------------------------------------------------------

    def attach(self, conversation: str, photo: Photo) -> Dict[str, Any]:
        """The metadata entry for a photo the channel stored in this conversation, sealed against forgery:
        a caller of the REST or Socket.IO channel can put anything into metadata, but not a valid seal."""
        entry: Dict[str, Any] = {"url": photo.url}
        if photo.gps:
            entry["lat"], entry["long"] = photo.gps
        entry["seal"] = self._seal(conversation, entry)
        return entry

    def genuine(self, conversation: str, metadata: Any) -> List[Dict[str, Any]]:
        """The photo entries of a message's metadata whose seal this conversation's channel made."""
        entries = (metadata or {}).get("photos") if isinstance(metadata, dict) else None
        found = []
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("seal"), str):
                continue
            body = {k: v for k, v in entry.items() if k != "seal"}
            if hmac.compare_digest(self._seal(conversation, body), entry["seal"]):
                found.append(body)
        return found

    def _seal(self, conversation: str, entry: Dict[str, Any]) -> str:
        message = json.dumps([conversation, entry], sort_keys=True, ensure_ascii=False).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
