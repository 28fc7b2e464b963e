"""What a video's container says (creation time, ISO-6709 location, duration, size, codec)
and its poster frame, read with PyAV (FFmpeg).

A frame is held to the photos' limits: the stream's declared size is checked before
anything is decoded, FFmpeg is told the same pixel limit (`max_pixels`, so a frame that
grows mid-stream is refused by the decoder), decoding runs on one thread (no frame-thread
pool of full frames), and the poster frame is scaled down by swscale before it becomes a
Pillow image. Messages name no path and quote no FFmpeg error (FFmpeg's name the file).
"""
from __future__ import annotations

import logging
import math
import re
from contextlib import nullcontext
from datetime import UTC, datetime

import av

from .probe import (
    THUMB_PX,
    BadMedia,
    DecodeLimits,
    Probe,
    Slot,
    check_size,
    plausible_time,
    thumbnail_and_hash,
)

log = logging.getLogger(__name__)
# A decoded frame's bytes a pixel, counted high: 4:2:0 is 1.5, 4:4:4 at 16 bits 6, and
# swscale's RGB for the poster comes from the scaled frame only.
FRAME_BYTES_PER_PIXEL = 4
CODEC_MAX = 16  # the codec column

LOCATION_KEYS = ("location", "com.apple.quicktime.location.ISO6709", "location-eng")
ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")


def probe_video(path, limits: DecodeLimits, slot: Slot = nullcontext) -> Probe:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = next((s for s in container.streams.video), None)
            if stream is None:
                raise BadMedia("the file has no video stream")
            context = stream.codec_context
            width, height = context.width, context.height
            check_size(width, height, width * height * FRAME_BYTES_PER_PIXEL, limits,
                       "video frame")
            context.thread_count = 1
            context.options = {"max_pixels": str(limits.max_pixels)}
            with slot():
                frame = next(container.decode(stream), None)
                if frame is None:
                    raise BadMedia("no frame of the video can be decoded")
                check_size(frame.width, frame.height,
                           frame.width * frame.height * FRAME_BYTES_PER_PIXEL, limits,
                           "video frame")
                scale = min(1.0, 2 * THUMB_PX / max(frame.width, frame.height))
                poster = frame.to_image(width=max(1, round(frame.width * scale)),
                                        height=max(1, round(frame.height * scale)))
                thumb, phash = thumbnail_and_hash(poster)
            metadata = {**container.metadata, **stream.metadata}
            duration = container.duration / av.time_base if container.duration else None
            probe = Probe(width, height, thumb, phash,
                          duration_s=duration if duration and math.isfinite(duration)
                          and duration >= 0 else None,
                          codec=(context.name or "")[:CODEC_MAX] or None)
    except (av.error.FFmpegError, StopIteration, UnicodeDecodeError, ValueError,
            OSError) as exc:
        if isinstance(exc, BadMedia):
            raise
        log.info("unreadable video upload: %r", exc)
        raise BadMedia("the video cannot be read (truncated, corrupt or not a video)") from exc
    probe.taken_at = container_time(metadata.get("creation_time"))
    for key in LOCATION_KEYS:
        if key in metadata:
            probe.lat, probe.lon = iso6709(metadata[key])
            break
    probe.exif_missing = probe.taken_at is None and probe.lat is None
    return probe


def container_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return plausible_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except (ValueError, OverflowError, TypeError):
        return None


def iso6709(value: str) -> tuple[float | None, float | None]:
    """"+36.1234+115.1234+050.0/" → (36.1234, 115.1234)."""
    match = ISO6709.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return None, None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon
