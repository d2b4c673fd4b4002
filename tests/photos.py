"""Real image files for the photo tests, made with Pillow: a phone-camera JPEG with EXIF GPS, and bad files."""
import io
import os

from PIL import Image

# 天安门广场, as a phone writes it: degrees, minutes, seconds
GPS = (39.9055, 116.3976)


def _dms(value: float):
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (d, m, s)


def jpeg_with_gps(size=(64, 48), color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "CameraApp 1.0"  # Software
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", _dms(GPS[0])
    gps[3], gps[4] = "E", _dms(GPS[1])
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size=(32, 32)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (10, 120, 200))
    image.save(out, "PNG")
    return out.getvalue()


def renamed_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def twenty_megabytes() -> bytes:
    """A real JPEG of 20 MB: random pixels at the highest quality compress hardly at all."""
    image = Image.frombytes("RGB", (2400, 2400), os.urandom(2400 * 2400 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=100, subsampling=0)
    data = out.getvalue()
    assert len(data) > 10 * 1024 * 1024
    return data


def truncated_jpeg() -> bytes:
    image = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    data = out.getvalue()
    return data[: len(data) // 2]


def decompression_bomb() -> bytes:
    """A tiny PNG that decodes to 20,000 x 20,000 pixels (400 megapixels): a few hundred kilobytes on the wire."""
    image = Image.new("1", (20000, 20000))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def has_metadata(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    return bool(image.getexif()) or any(k in image.info for k in ("exif", "xmp", "icc_profile", "XML:com.adobe.xmp"))
