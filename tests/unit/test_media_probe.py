"""Sniffing and metadata parsing on hand-made bytes and values."""
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from fieldapp.media import slots
from fieldapp.media.probe import (
    BadMedia,
    DecodeLimits,
    check_size,
    decoded_bytes,
    exif_time,
    gps_degrees,
    hamming,
    shrink,
    thumbnail_and_hash,
)
from fieldapp.media.sniff import sniff
from fieldapp.media.video import container_time, iso6709


@pytest.mark.parametrize("head, expected", [
    (b"\xff\xd8\xff\xe1\x00\x10Exif", ("photo", "jpeg")),
    (b"\x89PNG\r\n\x1a\n\x00\x00", ("photo", "png")),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", ("photo", "webp")),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", ("photo", "heif")),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00", ("photo", "heif")),
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", ("video", "mp4")),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", ("video", "mov")),
    (b"\x00\x00\x00\x18ftyp3gp5\x00\x00\x00\x00", ("video", "3gp")),
    (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", ("video", "mov")),
    (b"%PDF-1.7\n", None), (b"GIF89a", None), (b"", None),
])
def test_sniff(head, expected):
    assert sniff(head) == expected


def test_gps_forms():
    dms = (IFDRational(36, 1), IFDRational(5, 1), IFDRational(306, 100))
    assert gps_degrees(dms, "N", "S") == pytest.approx(36.08418333)
    assert gps_degrees(dms, b"S\x00", "S") == pytest.approx(-36.08418333)
    assert gps_degrees((IFDRational(115, 1), IFDRational(73842, 10000)), "E", "W") == \
        pytest.approx(115.12307)
    assert gps_degrees(36.5, None, "S") == 36.5
    assert gps_degrees((IFDRational(1, 0),), "N", "S") is None  # 1/0 written by a bad app
    assert gps_degrees(None, "N", "S") is None


def test_exif_time_uses_the_offset_else_the_zone():
    zone = ZoneInfo("Asia/Shanghai")
    with_offset = exif_time("2026:11:20 09:00:00", "+05:30", zone)
    assert with_offset.utcoffset() == timedelta(hours=5, minutes=30)
    local = exif_time("2026:11:20 09:00:00", None, zone)
    assert local.astimezone(UTC) == datetime(2026, 11, 20, 1, tzinfo=UTC)
    assert exif_time("0000:00:00 00:00:00", None, zone) is None
    assert exif_time("2026:11:20 09:00:00", "bogus!", zone).tzinfo is zone


def test_container_metadata():
    assert iso6709("+36.0850+115.1230+050.0/") == (36.085, 115.123)
    assert iso6709("-33.8688+151.2093/") == (-33.8688, 151.2093)
    assert iso6709("nowhere") == (None, None)
    assert container_time("2026-11-20T01:00:00.000000Z") == datetime(2026, 11, 20, 1,
                                                                     tzinfo=UTC)
    assert container_time("garbage") is None


def test_hamming_on_signed_hashes():
    assert hamming(-1, 0) == 64
    assert hamming(0b1011, 0b0001) == 2


@pytest.mark.parametrize("stamp, offset", [
    ("0001:01:01 00:00:00", "+14:00"),   # year 0 in UTC: astimezone() would overflow
    ("9999:12:31 23:59:59", "-14:00"),   # year 10000 in UTC
    ("1969:12:31 23:59:59", "+00:00"),   # before the supported dates
    ("2100:01:01 00:00:00", "+00:00"),   # after them
])
def test_exif_time_outside_the_supported_dates_is_absent(stamp, offset):
    assert exif_time(stamp, offset, ZoneInfo("Asia/Shanghai")) is None


def test_exif_time_with_an_impossible_offset_is_read_in_the_zone():
    zone = ZoneInfo("Asia/Shanghai")
    assert exif_time("2026:11:20 09:00:00", "+15:00", zone).tzinfo is zone
    assert exif_time("2026:11:20 09:00:00", "+08:75", zone).tzinfo is zone
    assert exif_time("2026:11:20 09:00:00", "+14:00", zone).utcoffset() == timedelta(hours=14)


def test_container_time_outside_the_supported_dates_is_absent():
    assert container_time("0001-01-01T00:00:00+14:00") is None
    assert container_time("9999-12-31T23:59:59-14:00") is None


LIMITS = DecodeLimits(max_pixels=120_000_000, max_bytes=400 * 2**20)


@pytest.mark.parametrize("fmt, mode, size, accepted", [
    ("png", "L", (10_900, 11_000), True),        # issue 14's PNG: 114 MB
    ("png", "RGB", (10_900, 11_000), False),     # 4 bytes a pixel: 457 MB
    ("png", "RGB", (10_000, 10_000), True),      # 381 MB
    ("jpeg", "RGB", (1363, 1375), True),         # a 120 MP JPEG after draft at 1/8
    ("webp", "RGB", (6000, 5000), False),        # libwebp holds ~16 bytes a pixel
    ("webp", "RGB", (4000, 3000), True),
    ("heif", "RGB", (8064, 6048), True),         # a 48 MP iPhone HEIC: 372 MB
])
def test_decode_budget_by_format(fmt, mode, size, accepted):
    def check():
        check_size(*size, decoded_bytes(fmt, mode, size), LIMITS)

    if accepted:
        check()
    else:
        with pytest.raises(BadMedia, match="MB limit"):
            check()


def test_pixel_limit_and_empty_sizes_are_refused():
    with pytest.raises(BadMedia, match="decompression bomb"):
        check_size(11_000, 11_000, 0, LIMITS)
    with pytest.raises(BadMedia, match="no size"):
        check_size(0, 100, 0, LIMITS)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "1", "LA", "I;16", "CMYK", "I", "F"])
def test_shrink_never_makes_a_full_size_image(mode):
    image = Image.new(mode, (4000, 2500))
    small = shrink(image, 640)
    assert 640 <= max(small.size) < 1300 and small.mode == mode
    thumb, _ = thumbnail_and_hash(image, orientation=6)
    with Image.open(io.BytesIO(thumb)) as out:
        assert out.size == (200, 320) and out.mode == "RGB"


def test_decode_slots_refuse_after_the_wait():
    with slots.decode_slot(1, 1), pytest.raises(slots.Busy), slots.decode_slot(1, 0.05):
        pass
    with slots.decode_slot(1, 0.05):  # released again
        pass
