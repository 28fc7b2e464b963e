"""What a photo or a video says about itself, plus its thumbnail and perceptual hash.

Photos are decoded once, in JPEG draft mode when possible (a 12-megapixel JPEG decodes at
1/4 or 1/8 scale, which still reads every byte, so truncation is still caught). The
thumbnail has its orientation applied and no metadata; the pHash is taken from it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

THUMB_PX = 320
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL, ORIENTATION = 271, 272, 274
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 36867, 36881
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}


class BadMedia(ValueError):
    """The file is not what it claims, truncated, corrupt, or too large to decode safely."""


@dataclass
class Probe:
    width: int
    height: int
    thumbnail: bytes
    phash: int                       # 64-bit perceptual hash as a signed int64
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    make: str | None = None
    model: str | None = None
    orientation: int | None = None
    exif_missing: bool = True
    duration_s: float | None = None
    codec: str | None = None
    extra: dict = field(default_factory=dict)


def probe_photo(path, fmt: str, local_zone: tzinfo, max_pixels: int) -> Probe:
    try:
        with Image.open(path) as image:
            if image.format != PILLOW_FORMATS[fmt]:
                raise BadMedia(f"the content is {image.format}, not {fmt}")
            width, height = image.size
            if width * height > max_pixels:
                raise BadMedia(f"{width}×{height} pixels is over the {max_pixels:,} limit "
                               "(decompression bomb guard)")
            exif = image.getexif()
            if image.format == "JPEG":
                image.draft("RGB", (THUMB_PX * 2, THUMB_PX * 2))
            image.load()
            thumb = thumbnail_and_hash(ImageOps.exif_transpose(image))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError) as exc:
        if isinstance(exc, BadMedia):
            raise
        raise BadMedia(f"the {fmt} file cannot be decoded: {exc}") from exc
    probe = Probe(width, height, thumb[0], thumb[1])
    _read_exif(exif, probe, local_zone)
    return probe


def thumbnail_and_hash(image: Image.Image) -> tuple[bytes, int]:
    image = image.convert("RGB")
    image.thumbnail((THUMB_PX, THUMB_PX))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)  # saved without EXIF: no location leaks
    return out.getvalue(), phash_of(image)


def phash_of(image: Image.Image) -> int:
    bits = imagehash.phash(image).hash.flatten()
    value = int("".join("1" if b else "0" for b in bits), 2)
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def _read_exif(exif, probe: Probe, local_zone: tzinfo) -> None:
    if not exif:
        return
    probe.exif_missing = False
    probe.make = _text(exif.get(MAKE))
    probe.model = _text(exif.get(MODEL))
    orientation = exif.get(ORIENTATION)
    probe.orientation = int(orientation) if isinstance(orientation, int) else None
    details = exif.get_ifd(EXIF_IFD)
    probe.taken_at = exif_time(_text(details.get(DATETIME_ORIGINAL)),
                               _text(details.get(OFFSET_TIME_ORIGINAL)), local_zone)
    gps = exif.get_ifd(GPS_IFD)
    probe.lat = gps_degrees(gps.get(2), gps.get(1), "S")
    probe.lon = gps_degrees(gps.get(4), gps.get(3), "W")
    if probe.lat is not None and not -90 <= probe.lat <= 90 or (
            probe.lon is not None and not -180 <= probe.lon <= 180):
        probe.lat = probe.lon = None


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    value = value.strip("\x00 ").strip()
    return value or None


def exif_time(stamp: str | None, offset: str | None, local_zone: tzinfo) -> datetime | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" with its "+08:00" offset, else in the local zone."""
    if not stamp:
        return None
    try:
        moment = datetime.strptime(stamp[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = local_zone
    if offset and len(offset) == 6 and offset[0] in "+-":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        except ValueError:
            zone = local_zone
    return moment.replace(tzinfo=zone)


def gps_degrees(value, ref, negative_ref: str) -> float | None:
    """EXIF GPS degrees in any of the forms phones write: (deg, min, sec) rationals,
    (deg, decimal minutes), a single decimal number; the reference as str or bytes."""
    if value is None:
        return None
    parts = value if isinstance(value, tuple | list) else (value,)
    try:
        numbers = [float(p) for p in parts]  # IFDRational, int or float; x/0 gives NaN
    except (ZeroDivisionError, TypeError, ValueError):
        return None
    if not numbers or any(n != n for n in numbers):
        return None
    degrees = sum(n / 60 ** i for i, n in enumerate(numbers[:3]))
    ref = _text(ref)
    return -abs(degrees) if ref and ref.upper().startswith(negative_ref) else degrees
