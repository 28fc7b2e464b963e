"""Every benchmark still runs: each script once, with tiny counts, on SpatiaLite (scale.py,
which is PostGIS only, on PostGIS when FIELDAPP_TEST_POSTGRES_URL is set).

The figures mean nothing at this size (bench/README.md has the real runs); what is checked is
that a script finishes and prints its ratio, so a change to the services cannot break one
unnoticed.
"""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMOKE_RUNS = {
    "audits": ["--backends", "spatialite", "--cadres", "6", "--weeks", "1",
               "--interval-min", "240"],
    "collection": ["--backends", "spatialite", "--cadres", "6", "--rounds", "1",
                   "--interval-min", "60"],
    "ingest": ["--backends", "spatialite", "--rounds", "1", "--batches", "2", "--singles", "20"],
    "evaluate": ["--backends", "spatialite", "--interval-min", "60"],
    "media": ["--backend", "spatialite", "--photos", "2", "--hashes", "1000"],
    "media_memory": ["--backend", "spatialite", "--uploads", "2", "--max-pixels", "2000000"],
    "pages": ["--backends", "spatialite", "--weeks", "1", "--interval-min", "240",
              "--requests", "2"],
    "scale": ["--counties", "2", "--cadres", "6", "--weeks-quarter", "6", "--interval-min", "120",
              "--reads", "10", "--chunk", "100", "--rounds", "1"],
}
POSTGIS_ONLY = ("scale",)
SERVES = ("ingest", "media_memory")  # run gunicorn: each takes a free port


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SMOKE_RUNS))
def test_bench_script_runs(script):
    if script in POSTGIS_ONLY and not os.environ.get("FIELDAPP_TEST_POSTGRES_URL"):
        pytest.skip("PostGIS only: FIELDAPP_TEST_POSTGRES_URL is not set")
    args = SMOKE_RUNS[script] + (["--port", str(_free_port())] if script in SERVES else [])
    done = subprocess.run([sys.executable, f"bench/{script}.py", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "printed no figures"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
