"""Real media files made in the tests: photos with EXIF in several forms, HEIC, PNG,
an MP4 with a location tag, and broken or hostile files."""
from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction

import av
import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from pillow_heif import register_heif_opener

register_heif_opener()


def scene(seed: int = 1, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A smooth random picture with structure, so perceptual hashes mean something."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    return image


def dms(value: float) -> tuple:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (IFDRational(degrees, 1), IFDRational(minutes, 1),
            IFDRational(Fraction(seconds).limit_denominator(10000).numerator,
                        Fraction(seconds).limit_denominator(10000).denominator))


def jpeg(image: Image.Image | None = None, lat: float | None = None,
         lon: float | None = None, taken: str | None = None, offset: str | None = None,
         gps_form: str = "dms", orientation: int | None = None, quality: int = 90,
         make: str = "HUAWEI") -> bytes:
    """A JPEG with EXIF written as a phone would: DMS rationals, decimal degrees, or
    (deg, decimal minutes); references as text."""
    image = image or scene()
    exif = Image.Exif()
    exif[271], exif[272] = make, "P40"
    if orientation:
        exif[274] = orientation
    details = exif.get_ifd(0x8769)
    if taken:
        details[36867] = taken
    if offset:
        details[36881] = offset
    if lat is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[3] = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
        if gps_form == "dms":
            gps[2], gps[4] = dms(abs(lat)), dms(abs(lon))
        elif gps_form == "decimal":
            gps[2], gps[4] = (IFDRational(Fraction(abs(lat)).limit_denominator(10**7)),), \
                (IFDRational(Fraction(abs(lon)).limit_denominator(10**7)),)
        else:  # degrees and decimal minutes
            gps[2] = (IFDRational(int(abs(lat)), 1),
                      IFDRational(round((abs(lat) % 1) * 60 * 10**5), 10**5))
            gps[4] = (IFDRational(int(abs(lon)), 1),
                      IFDRational(round((abs(lon) % 1) * 60 * 10**5), 10**5))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def png(image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    (image or scene(3)).save(out, "PNG")
    return out.getvalue()


def webp(image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    (image or scene(6)).save(out, "WEBP", quality=80)
    return out.getvalue()


def heic(image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    (image or scene(4)).save(out, "HEIF", quality=80)
    return out.getvalue()


def mp4(location: str | None = "+36.0850+115.1230/",
        creation: str = "2026-11-20T01:00:00Z") -> bytes:
    """A real two-second H.264/MPEG-4 clip whose container carries a location tag."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        if location:
            container.metadata["location"] = location
        container.metadata["creation_time"] = creation
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        base = np.asarray(scene(5, (160, 120)))
        for i in range(20):
            frame = av.VideoFrame.from_ndarray(np.roll(base, i, axis=1), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


def png_bomb(width: int = 40000, height: int = 40000) -> bytes:
    """A PNG that declares 1.6 gigapixels in a few hundred bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width // 8 + 1) * 64)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows)
            + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
