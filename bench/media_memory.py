"""Media memory benchmark: each gunicorn worker's peak RSS under concurrent uploads of the
worst photo the service still accepts, against the same worker idle.

    .venv/bin/python bench/media_memory.py [--uploads 8] [--backend spatialite]

fieldapp runs under gunicorn as `scripts/start.sh` serves it (2 workers × 4 threads) on a
throw-away database with the demo boundaries and one registered device. Two photos are
built with Pillow, flat colour so they compress to a few hundred KB:

- **issue**: the PNG of issue 14, 10,900 × 11,000 greyscale (119.9 MP, just under
  `FIELDAPP_MAX_IMAGE_PIXELS`, ~117 KB);
- **worst**: the PNG whose decode needs the most memory among those the settings accept:
  RGB (Pillow holds 4 bytes a pixel) as large as the pixel limit and, where the setting
  exists, the decode budget `FIELDAPP_MAX_DECODE_MB` allow.

For each, gunicorn starts afresh and each worker handles a tiny upload (so both have
imported and touched the upload path); then every worker's peak is reset
(`/proc/<pid>/clear_refs`), its idle RSS read, then
`--uploads` clients post the photo at once, each with its own client id, and every worker's
peak RSS (`VmHWM`) is read. Prints, per worker, idle RSS, peak RSS and peak/idle, the
answers' statuses and the wall time. Target: every peak under 1 GB.
"""
from __future__ import annotations

import argparse
import http.client
import io
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, prepare_database  # noqa: E402
from bench.ingest import Server, setup_people  # noqa: E402

MB = 1024 * 1024
TARGET = 1024 * MB


def setting(key: str):
    from fieldapp.config import SETTINGS

    return next((s.default for s in SETTINGS if s.key == key), None)


def flat_png(mode: str, size: tuple[int, int], colour) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG", compress_level=9)
    return out.getvalue()


def worst_size(pixels_max: int, budget: int | None, bytes_per_pixel: int) -> tuple[int, int]:
    """The largest near-square size under both limits."""
    pixels = pixels_max if budget is None else min(pixels_max, budget // bytes_per_pixel)
    width = int(pixels ** 0.5)
    return width, pixels // width


def workers(master: int) -> list[int]:
    """The gunicorn master's children, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry))
    return sorted(found)


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def upload(port: int, token: str, data: bytes, statuses: list, lock) -> None:
    boundary = uuid.uuid4().hex
    fields = {"id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC).isoformat()}
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
             .encode() for k, v in fields.items()]
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                 f"filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n".encode()
                 + data + f"\r\n--{boundary}--\r\n".encode())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("POST", "/api/v1/media", body=b"".join(parts), headers={
        "Authorization": f"Device {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = conn.getresponse()
    body = response.read()
    with lock:
        statuses.append(response.status)
    if response.status not in (200, 201, 503):
        print(f"  unexpected answer {response.status}: {body[:300]!r}", file=sys.stderr)


def run_case(name: str, data: bytes, size, mode: str, server: Server, token: str,
             n: int) -> dict:
    pids = workers(server.proc.pid)
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    time.sleep(0.3)
    idle = {pid: status_kb(pid, "VmRSS") for pid in pids}
    statuses: list[int] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=upload, args=(server.port, token, data, statuses, lock))
               for _ in range(n)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    peak = {pid: status_kb(pid, "VmHWM") for pid in pids}
    print(f"{name}: {n} concurrent uploads of a {len(data) / 1024:.0f} KB {mode} PNG, "
          f"{size[0]:,} × {size[1]:,} ({size[0] * size[1] / 1e6:.1f} MP); {elapsed:.1f} s; "
          f"answers {sorted(statuses)}")
    for pid in pids:
        verdict = "under" if peak[pid] < TARGET else "OVER"
        print(f"  worker {pid}: idle {idle[pid] / MB:.0f} MB, peak {peak[pid] / MB:.0f} MB, "
              f"peak/idle = {peak[pid] / idle[pid]:.2f}x ({verdict} 1 GB)")
    return {"peak": max(peak.values()), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--backend", default="spatialite")
    parser.add_argument("--port", type=int, default=8921)
    parser.add_argument("--max-pixels", type=int, default=None,
                        help="FIELDAPP_MAX_IMAGE_PIXELS for the server (default: the app's "
                             "default); the photos are built to fit it")
    args = parser.parse_args()
    pixels_max = args.max_pixels or setting("MAX_IMAGE_PIXELS")
    budget_mb = setting("MAX_DECODE_MB")
    budget = budget_mb * MB if budget_mb is not None else None
    issue_size = (10_900, 11_000)
    if issue_size[0] * issue_size[1] > pixels_max:
        issue_size = worst_size(pixels_max, None, 1)
    cases = [("issue", "L", issue_size, 200),
             ("worst", "RGB", worst_size(pixels_max, budget, 4), (200, 120, 40))]
    photos = [(name, mode, size, flat_png(mode, size, colour))
              for name, mode, size, colour in cases]
    print(f"gunicorn: 2 workers x 4 threads; pixel limit {pixels_max:,}; decode budget "
          f"{'none' if budget is None else f'{budget_mb} MB'}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(args.backend, Path(tmp))
        try:
            tokens, _ = setup_people(url, 1)
            env = {"FIELDAPP_DATABASE_URL": url, "FIELDAPP_SECRET_KEY": "bench",
                   "FIELDAPP_UPLOAD_DIR": str(Path(tmp) / "uploads"),
                   "FIELDAPP_MAX_IMAGE_PIXELS": str(pixels_max),
                   "PYTHONWARNINGS": "ignore"}  # Pillow's own bomb warning, the limiter's
            results = []
            for name, mode, size, data in photos:  # fresh workers for each photo
                server = Server("wsgi:app", args.port, env)
                try:
                    warm = flat_png("RGB", (64, 64), (1, 2, 3))
                    warmers = [threading.Thread(target=upload, args=(
                        server.port, tokens[0], warm, [], threading.Lock())) for _ in range(4)]
                    for t in warmers:  # at once, so both workers touch the upload path
                        t.start()
                    for t in warmers:
                        t.join()
                    results.append(run_case(name, data, size, mode, server, tokens[0],
                                            args.uploads))
                finally:
                    server.stop()
        finally:
            drop_database(url)
    worst = max(r["peak"] for r in results)
    print(f"highest worker peak: {worst / MB:.0f} MB "
          f"({'under' if worst < TARGET else 'OVER'} the 1 GB target)")


if __name__ == "__main__":
    main()
