"""What a video's container says (creation time, ISO-6709 location, duration, size, codec)
and its poster frame, read with PyAV (FFmpeg)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import av

from .probe import BadMedia, Probe, thumbnail_and_hash

LOCATION_KEYS = ("location", "com.apple.quicktime.location.ISO6709", "location-eng")
ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")


def probe_video(path) -> Probe:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = next((s for s in container.streams.video), None)
            if stream is None:
                raise BadMedia("the file has no video stream")
            frame = next(container.decode(stream), None)
            if frame is None:
                raise BadMedia("no frame of the video can be decoded")
            thumb, phash = thumbnail_and_hash(frame.to_image())
            metadata = {**container.metadata, **stream.metadata}
            duration = container.duration / av.time_base if container.duration else None
            probe = Probe(stream.codec_context.width, stream.codec_context.height, thumb,
                          phash, duration_s=duration, codec=stream.codec_context.name)
    except (av.error.FFmpegError, StopIteration, UnicodeDecodeError) as exc:
        raise BadMedia(f"the video cannot be read: {exc}") from exc
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
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso6709(value: str) -> tuple[float | None, float | None]:
    """"+36.1234+115.1234+050.0/" → (36.1234, 115.1234)."""
    match = ISO6709.match(value.strip())
    if not match:
        return None, None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon
