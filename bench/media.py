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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=7)
    parser.add_argument("--backend", default="spatialite")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.services import media, people
    from fieldapp.services.demo import FILES
    from fieldapp.services.geodata import import_features, load_features

    photos = [photo(seed) for seed in range(args.photos)]
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(args.backend, Path(tmp))
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                          "UPLOAD_DIR": str(Path(tmp) / "uploads")})
        try:
            with app.app_context():
                upgrade()
                for level, path, code_field in FILES:
                    import_features(load_features(path), level, code_field=code_field)
                cadre = people.create_cadre("bench", "first_secretary")
                people.create_assignment(cadre.id, "410922100201", datetime(2026, 1, 1).date())
                processing, decoding = [], []
                for data in photos:
                    decoding.append(bare_decode(data))
                    meta = {"id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC)}
                    started = time.perf_counter()
                    media.upload(cadre.id, meta, io.BytesIO(data))
                    processing.append(time.perf_counter() - started)
        finally:
            drop_database(url)
    work, bare = statistics.median(processing), statistics.median(decoding)
    print(f"{args.backend}: {len(photos)} distinct {SIZE[0]}x{SIZE[1]} JPEGs "
          f"(~{statistics.median(map(len, photos)) / 1e6:.1f} MB each)")
    print(f"  upload processing (median): {work * 1000:.0f} ms")
    print(f"  bare Pillow open+decode (median): {bare * 1000:.0f} ms")
    print(f"  processing / bare decode = {work / bare:.2f}x (target <= 1.5)")


if __name__ == "__main__":
    main()
