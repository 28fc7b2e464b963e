"""What a photo or a video says about itself, plus its thumbnail and perceptual hash.

Memory is bounded by what the header says before anything is decoded: a photo over the
pixel limit (the decompression-bomb guard) or whose decode would need more than the decode
budget is refused. The budget is counted as each format is decoded here: a JPEG in draft
mode, at 1/2 … 1/8 scale (which still reads every byte, so truncation is still caught); a
PNG at its own mode (1 byte a pixel for greyscale and palette, 4 for RGB, since Pillow holds
RGB as 4 bytes); HEIC and WebP at what their libraries hold besides Pillow's image
(`DECODE_BYTES_PER_PIXEL`, measured in bench/README.md). The full-size image is then
shrunk to ~640 px without a converted copy (`reduce` for the modes it takes, else a
nearest-neighbour step), and only that small image is converted to RGB, turned upright
and hashed. The thumbnail has no metadata; the pHash is taken from it.

Metadata is untrusted input: anything impossible in it (a capture time outside the
supported dates, GPS out of range, an orientation that is not 1–8, an IFD that does not
parse) is treated as absent, never as a failed upload.
"""
from __future__ import annotations

import ctypes
import io
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

import imagehash
from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from ..domain.dates import supported_moment

register_heif_opener()
log = logging.getLogger(__name__)
M_MMAP_THRESHOLD, MMAP_FROM = -3, 4 * 1024 * 1024


def _return_freed_images_to_the_system() -> None:
    """Allocations of 4 MB and more (decoded pixels, in Pillow's 16 MB blocks, libheif's
    and libwebp's buffers) are mmapped and unmapped when freed. glibc otherwise raises
    its mmap threshold after the first big free, then serves such blocks from each
    thread's own arena and keeps them: a worker's four threads, each having decoded one
    large photo, held four decodes' memory although only one ran at a time (measured in
    bench/README.md). Fixing the threshold stops that; elsewhere than glibc nothing is done."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_FROM)


_return_freed_images_to_the_system()

THUMB_PX = 320
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL, ORIENTATION = 271, 272, 274
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 36867, 36881
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}
TEXT_MAX = 64  # make and model columns
# Bytes a pixel takes in Pillow's own image, by mode (every other mode takes 4).
PILLOW_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# How many times Pillow's image a format's decoder holds at its peak (measured at 64 MP:
# WebP ~16 bytes a pixel for RGB or RGBA, HEIC ~7 for RGB).
DECODE_BYTES_PER_PIXEL = {"webp": 4, "heif": 2}
# Modes Image.reduce takes without a converted full-size copy (it premultiplies LA/RGBA).
REDUCIBLE = {"L", "RGB", "RGBX", "CMYK", "I", "F"}
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
             4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
             6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}


def plausible_time(moment: datetime) -> datetime | None:
    """`moment` (aware) if it lies within the API's supported dates, else None: any other
    is nonsense from a reset clock or a hostile file, treated as absent."""
    return moment if supported_moment(moment) else None


class BadMedia(ValueError):
    """The file is not what it claims, truncated, corrupt, or too large to decode safely.
    Its message is for the uploader: it names no path and quotes no decoder."""


@dataclass(frozen=True)
class DecodeLimits:
    max_pixels: int        # width × height of a photo or a video frame
    max_bytes: int         # decoded bytes one decode may hold, as counted above


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


Slot = Callable[[], AbstractContextManager]


def check_size(width: int, height: int, decoded_bytes: int, limits: DecodeLimits,
               what: str = "photo") -> None:
    """Refuse, from the header, a picture over the pixel limit or the decode budget."""
    if width <= 0 or height <= 0:
        raise BadMedia(f"the {what} declares no size")
    if width * height > limits.max_pixels:
        raise BadMedia(f"{width}×{height} pixels is over the {limits.max_pixels:,} limit "
                       "(decompression bomb guard)")
    if decoded_bytes > limits.max_bytes:
        raise BadMedia(f"decoding this {width}×{height} {what} would need "
                       f"{decoded_bytes / 2**20:,.0f} MB, over the "
                       f"{limits.max_bytes / 2**20:,.0f} MB limit")


def decoded_bytes(fmt: str, mode: str, size: tuple[int, int]) -> int:
    """Bytes the decode of an image of `size` (after draft) and `mode` holds at its peak."""
    return (size[0] * size[1] * PILLOW_BYTES.get(mode, 4)
            * DECODE_BYTES_PER_PIXEL.get(fmt, 1))


def probe_photo(path, fmt: str, local_zone: tzinfo, limits: DecodeLimits,
                slot: Slot = nullcontext) -> Probe:
    """Check the header, then decode inside `slot()` (the caller's bound on decodes at
    once), make the thumbnail and pHash, and read the metadata."""
    try:
        with Image.open(path) as image:
            if image.format != PILLOW_FORMATS[fmt]:
                raise BadMedia(f"the content is not {fmt}")
            width, height = image.size
            if image.format == "JPEG":
                image.draft("RGB", (THUMB_PX * 2, THUMB_PX * 2))
            check_size(width, height, decoded_bytes(fmt, image.mode, image.size), limits)
            with slot():
                image.load()
                exif = _exif(image)  # after load: a PNG's getexif() decodes it for eXIf
                orientation = _orientation(exif)
                thumb = thumbnail_and_hash(image, orientation)
    except BadMedia:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError, EOFError) as exc:
        log.info("undecodable %s upload: %r", fmt, exc)
        raise BadMedia(f"the {fmt} file cannot be decoded (truncated or corrupt)") from exc
    probe = Probe(width, height, thumb[0], thumb[1], orientation=orientation)
    _read_exif(exif, probe, local_zone)
    return probe


def thumbnail_and_hash(image: Image.Image, orientation: int | None = None) -> tuple[bytes, int]:
    """A ≤ 320 px upright RGB JPEG and its pHash, without a full-size copy of `image`."""
    small = shrink(image, 2 * THUMB_PX)
    if small.mode.startswith("I;16"):
        small = small.convert("I").point(lambda v: v / 256).convert("L")
    elif small.mode == "PA" or small.mode == "P" and "transparency" in small.info:
        small = small.convert("RGBA")
    if small.mode != "RGB":
        small = small.convert("RGB")
    small.thumbnail((THUMB_PX, THUMB_PX))
    if orientation in TRANSPOSE:
        small = small.transpose(TRANSPOSE[orientation])
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)  # saved without EXIF: no location leaks
    return out.getvalue(), phash_of(small)


def shrink(image: Image.Image, target: int) -> Image.Image:
    """`image` brought down to about `target` px on its long side (at least that), with
    no full-size intermediate: box reduction where Pillow's `reduce` takes the mode as
    it is, else a nearest-neighbour resize."""
    factor = max(image.size) // target
    if factor < 2:
        return image
    if image.mode in REDUCIBLE:
        return image.reduce(factor)
    size = (max(1, image.width // factor), max(1, image.height // factor))
    return image.resize(size, Image.Resampling.NEAREST)


def phash_of(image: Image.Image) -> int:
    bits = imagehash.phash(image).hash.flatten()
    value = int("".join("1" if b else "0" for b in bits), 2)
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def _exif(image: Image.Image) -> Image.Exif | None:
    try:
        return image.getexif()
    except Exception as exc:  # noqa: BLE001 — any failure to parse untrusted EXIF is "none"
        log.info("unreadable EXIF: %r", exc)
        return None


def _orientation(exif) -> int | None:
    try:
        value = exif.get(ORIENTATION) if exif else None
    except Exception:  # noqa: BLE001
        return None
    return value if isinstance(value, int) and value in range(1, 9) else None


def _read_exif(exif, probe: Probe, local_zone: tzinfo) -> None:
    """Each piece read on its own: a piece that does not parse or cannot be true is left
    absent, and the rest is still read."""
    if not exif:
        return
    probe.exif_missing = False
    probe.make = _guarded(lambda: _text(exif.get(MAKE)))
    probe.model = _guarded(lambda: _text(exif.get(MODEL)))
    details = _guarded(lambda: exif.get_ifd(EXIF_IFD)) or {}
    probe.taken_at = _guarded(lambda: exif_time(_text(details.get(DATETIME_ORIGINAL)),
                                                _text(details.get(OFFSET_TIME_ORIGINAL)),
                                                local_zone))
    gps = _guarded(lambda: exif.get_ifd(GPS_IFD)) or {}
    probe.lat = _guarded(lambda: gps_degrees(gps.get(2), gps.get(1), "S"))
    probe.lon = _guarded(lambda: gps_degrees(gps.get(4), gps.get(3), "W"))
    if probe.lat is None or probe.lon is None or not (
            -90 <= probe.lat <= 90 and -180 <= probe.lon <= 180):
        probe.lat = probe.lon = None


def _guarded(read):
    try:
        return read()
    except Exception as exc:  # noqa: BLE001 — nonsense in untrusted metadata is "absent"
        log.info("unreadable EXIF field: %r", exc)
        return None


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:TEXT_MAX] or None


def exif_time(stamp: str | None, offset: str | None, local_zone: tzinfo) -> datetime | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" with its "+08:00" offset, else in the local zone; None
    when absent, malformed or outside the supported dates (year 1 at +14:00 is no time)."""
    if not stamp:
        return None
    try:
        moment = datetime.strptime(stamp[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = local_zone
    if offset and len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            sign = -1 if offset[0] == "-" else 1
            if hours <= 14 and minutes < 60:
                zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        except ValueError:
            zone = local_zone
    return plausible_time(moment.replace(tzinfo=zone))


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
