"""Media benchmark: server-side processing of a 12-megapixel JPEG against a bare decode.

    .venv/bin/python bench/media.py [--photos 7] [--backend spatialite]

Processing is the whole upload service — spool and sha256, type sniffing, EXIF, decode,
thumbnail, pHash with its indexed reuse lookup, content-addressed store, the database
row — on distinct photos. The baseline, measured in the same run on the same files, is
Pillow opening and fully decoding each file. Prints both medians and their ratio.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, prepare_database  # noqa: E402

SIZE = (4000, 3000)  # 12 megapixels


def photo(seed: int) -> bytes:
    """A camera-like 12 MP JPEG: smooth scene plus sensor noise, with EXIF."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
    scene = np.asarray(Image.fromarray(coarse).resize(SIZE, Image.Resampling.BICUBIC))
    noisy = np.clip(scene + rng.normal(0, 6, scene.shape), 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[271], exif[272] = "HUAWEI", "P40"
    exif.get_ifd(0x8769)[36867] = datetime.now().strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    Image.fromarray(noisy).save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def bare_decode(data: bytes) -> float:
    started = time.perf_counter()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
    return time.perf_counter() - started


FILL = {
    "postgresql": """INSERT INTO media (cadre_id, client_id, sha256, kind, format, size_bytes,
        recorded_at, received_at, exif_missing, width, height, phash, phash_b0, phash_b1,
        phash_b2, phash_b3, checks)
      SELECT :cadre, 'fill-' || i, md5(i::text) || md5(i::text), 'photo', 'jpeg', 1,
        now(), now(), true, 1, 1, h, h & 65535, (h >> 16) & 65535, (h >> 32) & 65535,
        (h >> 48) & 65535, '{}'
      FROM (SELECT i, (random() * 9.2e18)::int8 * (CASE WHEN random() < 0.5 THEN -1 ELSE 1 END)
            AS h FROM generate_series(1, :n) AS i) AS r""",
    "sqlite": """WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < :n)
      INSERT INTO media (cadre_id, client_id, sha256, kind, format, size_bytes, recorded_at,
        received_at, exif_missing, width, height, phash, phash_b0, phash_b1, phash_b2,
        phash_b3, checks)
      SELECT :cadre, 'fill-' || i, printf('%064x', i), 'photo', 'jpeg', 1,
        '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 1, 1, 1, h,
        h & 65535, (h >> 16) & 65535, (h >> 32) & 65535, (h >> 48) & 65535, '{}'
      FROM (SELECT i, random() AS h FROM r)""",
}


def reuse_lookup(settings, cadre_id: int, n: int) -> float:
    """Fill the media table with `n` random hashes in one statement; median seconds of the
    indexed near-duplicate lookup for a new item."""
    from sqlalchemy import text

    from fieldapp.extensions import db
    from fieldapp.models import MediaItem
    from fieldapp.services.media.uploads import reused_from

    db.session.execute(text(FILL[db.engine.dialect.name]), {"n": n, "cadre": cadre_id})
    db.session.execute(text("ANALYZE media"))  # as autovacuum would after a bulk load
    db.session.commit()
    rng, timings = np.random.default_rng(3), []
    for _ in range(20):
        h = int(rng.integers(-(2**63), 2**63 - 1))
        item = MediaItem(cadre_id=cadre_id + 1, sha256="0" * 64, phash=h,
                         recorded_at=datetime.now(UTC),
                         **{f"phash_b{k}": (h >> (16 * k)) & 0xFFFF for k in range(4)})
        started = time.perf_counter()
        reused_from(settings, item)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=7)
    parser.add_argument("--backend", default="spatialite")
    parser.add_argument("--hashes", type=int, default=1_000_000,
                        help="stored items to fill in before timing the reuse lookup")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.config import app_settings
    from fieldapp.db.connections import autocommit_connection
    from fieldapp.services.geodata.boundaries import import_features, load_features
    from fieldapp.services.ingest import senders
    from fieldapp.services.media import uploads
    from fieldapp.services.people import registry as people
    from fieldapp.services.people.demo import FILES

    photos = [photo(seed) for seed in range(args.photos)]
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(args.backend, Path(tmp))
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                          "UPLOAD_DIR": str(Path(tmp) / "uploads")})
        settings = app_settings(app)
        try:
            with app.app_context():
                upgrade()
                for level, path, code_field in FILES:
                    import_features(load_features(path), level, code_field=code_field)
                cadre = people.create_cadre("bench", "first_secretary")
                people.create_assignment(cadre.id, "410922100201", datetime(2026, 1, 1).date())
                token = people.create_device(cadre.id)[1]
                # The sender as the route gets it (the device, the cadre and its posts), read
                # before the clock starts: the route reads it before calling the service.
                with autocommit_connection() as conn:
                    sender = senders.require_device(settings, conn, token)
                processing, decoding = [], []
                for data in photos:
                    decoding.append(bare_decode(data))
                    meta = {"id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC)}
                    started = time.perf_counter()
                    item, created = uploads.upload(settings, sender, meta, io.BytesIO(data))
                    processing.append(time.perf_counter() - started)
                    if not created or item.width != SIZE[0]:
                        raise SystemExit(f"upload did not store the photo: {item!r}")
                lookup = reuse_lookup(settings, cadre.id, args.hashes)
        finally:
            drop_database(url)
    work, bare = statistics.median(processing), statistics.median(decoding)
    print(f"{args.backend}: {len(photos)} distinct {SIZE[0]}x{SIZE[1]} JPEGs "
          f"(~{statistics.median(map(len, photos)) / 1e6:.1f} MB each)")
    print(f"  upload processing (median): {work * 1000:.0f} ms")
    print(f"  bare Pillow open+decode (median): {bare * 1000:.0f} ms")
    print(f"  processing / bare decode = {work / bare:.2f}x (target <= 1.5)")
    print(f"  pHash reuse lookup among {args.hashes:,} stored items (median of 20): "
          f"{lookup * 1000:.2f} ms")


if __name__ == "__main__":
    main()
