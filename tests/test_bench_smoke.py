"""Every benchmark still runs: each script once, with tiny counts, on SpatiaLite.

The figures mean nothing at this size (bench/README.md has the real runs); what is checked is
that a script finishes and prints its ratio, so a change to the services cannot break one
unnoticed.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMOKE_RUNS = {
    "ingest": ["--backends", "spatialite", "--rounds", "1", "--batches", "2", "--singles", "20",
               "--port", "8931"],
    "evaluate": ["--backends", "spatialite", "--interval-min", "60"],
    "media": ["--backend", "spatialite", "--photos", "2", "--hashes", "1000"],
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SMOKE_RUNS))
def test_bench_script_runs(script):
    done = subprocess.run([sys.executable, f"bench/{script}.py", *SMOKE_RUNS[script]], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "printed no figures"
