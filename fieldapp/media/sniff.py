"""What a file is, from its first bytes — never from its name or declared type."""
from __future__ import annotations

PHOTO, VIDEO = "photo", "video"

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_VIDEO_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
                 b"M4V ", b"qt  ", b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gs7", b"3g2a",
                 b"3g2b", b"3g2c", b"dash", b"mmp4", b"MSNV"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, format) of a file from its first 64 bytes, or None if not a supported type."""
    if head.startswith(b"\xff\xd8\xff"):
        return PHOTO, "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PHOTO, "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return PHOTO, "webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return PHOTO, "heif"
        if brand in _VIDEO_BRANDS:
            return VIDEO, "3gp" if brand.startswith(b"3g") else (
                "mov" if brand == b"qt  " else "mp4")
    if head[4:8] in _QUICKTIME_ATOMS:
        return VIDEO, "mov"
    return None
