"""Sniffing and metadata parsing on hand-made bytes and values."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL.TiffImagePlugin import IFDRational

from fieldapp.media.probe import exif_time, gps_degrees, hamming
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
