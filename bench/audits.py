"""Presence audit benchmark: a county-month audited as JSON, XLSX and PDF, the PDF against a
bare WeasyPrint render of the same HTML, and an evidence package for one finding.

    .venv/bin/python bench/audits.py [--backends spatialite,postgis] [--cadres 446]
                                     [--weeks 4] [--interval-min 5] [--runs 1]

Loads the demo county (446 cadres; `--cadres N` keeps the first N posts and removes the
others) and `--weeks` finished ISO weeks of pings every few minutes in the demo week's mix
(bench/evaluate.py's `generate`), bulk-loaded, and evaluates them. Each measurement then
runs in a fresh process (so its peak RSS, VmHWM, is its own), as the server's operator
(an admin: every finding, so every map):

- audit: `presence_audit` over the county and the range, and the audit as JSON text;
- xlsx: `audit_xlsx` of that audit;
- pdf: `audit_pdf` of it: the report's evidence read in a few queries, the template, the
  sections laid out a batch at a time and joined;
- bare: the same report's HTML (`audit_html`, built first and not timed) rendered by
  WeasyPrint in one call, `HTML(string=...).write_pdf()`: what the PDF would cost if
  building its HTML were free. pdf/bare is the price of fieldapp's own work (goal ≤ 1.3);
- package (when fieldapp/documents/packages.py is there): `finding_package` of the first
  not_resident finding, and `verify_package` of it.

Printed: wall time, peak RSS, statements sent to the database and output size of each, the
PDF's pages, and pdf/bare. With `--runs` > 1, pdf and bare alternate and the medians are
printed. PostGIS needs FIELDAPP_TEST_POSTGRES_URL (an admin URL), as for bench/ingest.py.
"""
from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, migrate_with_demo, prepare_database  # noqa: E402
from bench.evaluate import generate, load_rows  # noqa: E402

COUNTY = "410922"
JOBS = ("audit", "xlsx", "pdf", "bare", "package")


def make_app(url: str, workdir: str):
    from fieldapp import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-audits",
                       "AUDIT_SIGNING_KEY": str(Path(workdir) / "signing_key.pem")})


def fill(app, cadres: int, weeks: int, interval_min: int) -> dict:
    """Migrate; load the demo county keeping the first `cadres` posts, `weeks` finished
    weeks of their pings, and evaluate them. Returns the range and what was loaded."""
    from sqlalchemy import select

    from fieldapp.config import app_settings
    from fieldapp.extensions import db
    from fieldapp.models import Assignment
    from fieldapp.services.people.demo_week import home_points
    from fieldapp.services.presence import evaluation

    settings = app_settings(app)
    with app.app_context():
        migrate_with_demo(cadres)
        last_monday, last_sunday = evaluation.last_finished_week(settings)
        mondays = [last_monday - timedelta(weeks=k) for k in reversed(range(weeks))]
        posts = db.session.execute(select(Assignment.cadre_id, Assignment.region_code)
                                   .order_by(Assignment.id)).all()
        homes = home_points({p.region_code for p in posts})  # commits: SQLite's write lock
        parts = [generate(settings, posts, homes, monday, interval_min) for monday in mondays]
        pings = {column: np.concatenate([part[column] for part in parts])
                 for column in parts[0]}
        load_rows(db, pings)
        started = time.perf_counter()
        report = evaluation.evaluate(settings, mondays[0], last_sunday).report
        seconds = time.perf_counter() - started
    return {"first": mondays[0], "last": last_sunday, "pings": len(pings["epoch"]),
            "cadres": len(posts), "evaluation_s": seconds, "report": report}


def child(job: str, url: str, workdir: str, first: str, last: str) -> None:
    """One measurement in this fresh process; prints its figures as JSON."""
    from bench.pages import DatabaseClock
    from fieldapp.config import app_settings
    from fieldapp.services.access.scope import Scope, operator
    from fieldapp.services.audits.presence_audit import presence_audit

    app = make_app(url, workdir)
    settings = app_settings(app)
    with app.app_context():
        scope = Scope(operator(), settings.zone)
        clock = DatabaseClock()
        span = (date.fromisoformat(first), date.fromisoformat(last))
        run = JOB_RUNS[job]
        if job != "audit":
            audit = presence_audit(settings, scope, *span, region=COUNTY)
            prepared = PREPARE.get(job, lambda *_: None)(settings, scope, audit)
        clock.reset()
        started = time.perf_counter()
        if job == "audit":
            result = run(settings, scope, span)
        else:
            result = run(settings, scope, audit, prepared)
        seconds = time.perf_counter() - started
        statements = clock.statements
        extra = result.pop("then", None)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "statements": statements,
                      **result, **(extra or {})}))


def peak_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over an
    exec from the parent, whose pings arrays would be counted."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def _audit(settings, scope, span) -> dict:
    from fieldapp.documents.audit_files import audit_json
    from fieldapp.services.audits.presence_audit import presence_audit

    audit = presence_audit(settings, scope, *span, region=COUNTY)
    return {"bytes": len(audit_json(audit).encode()), "rows": len(audit["rows"]),
            "findings": sum(n for row in audit["rows"] for statuses in row["findings"].values()
                            for n in statuses.values())}


def _xlsx(settings, scope, audit, _prepared) -> dict:
    from fieldapp.documents.audit_xlsx import audit_xlsx

    return {"bytes": len(audit_xlsx(audit))}


def _pdf(settings, scope, audit, _prepared) -> dict:
    from fieldapp.documents.audit_pdf import audit_pdf

    body = audit_pdf(settings, scope, audit)
    return {"bytes": len(body), "pages": _pages(body)}


def _bare_html(settings, scope, audit) -> str:
    from fieldapp.documents.audit_pdf import audit_html

    return audit_html(settings, scope, audit)


def _bare(settings, scope, audit, html: str) -> dict:
    from weasyprint import HTML

    body = HTML(string=html).write_pdf()
    return {"bytes": len(body), "pages": _pages(body)}


def _package(settings, scope, audit, _prepared) -> dict:
    """Build the package of the first not_resident finding, then (timed apart) verify it."""
    from sqlalchemy import select

    from fieldapp.documents import packages
    from fieldapp.extensions import db
    from fieldapp.models import Finding

    flag_id = db.session.scalar(select(Finding.id).where(Finding.kind == "not_resident")
                                .order_by(Finding.id).limit(1))
    if flag_id is None:
        return {"skipped": "no not_resident finding"}
    built = packages.finding_package(settings, scope, flag_id)
    data = built if isinstance(built, bytes) else built.file.read()
    with tempfile.NamedTemporaryFile(suffix=".zip") as out:
        out.write(data)
        out.flush()
        started = time.perf_counter()
        problem = packages.verify_package(out.name, None, settings)
        verify_s = time.perf_counter() - started
    if problem:
        raise SystemExit(f"the package does not verify: {problem}")
    return {"bytes": len(data), "flag_id": flag_id, "then": {"verify_s": verify_s}}


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


JOB_RUNS = {"audit": _audit, "xlsx": _xlsx, "pdf": _pdf, "bare": _bare, "package": _package}
PREPARE = {"bare": _bare_html}


def measure(job: str, url: str, workdir: str, first: date, last: date) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", job, url, workdir,
                           first.isoformat(), last.isoformat()],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{job} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def has_packages() -> bool:
    try:
        from fieldapp.documents import packages
    except ImportError:
        return False
    return hasattr(packages, "finding_package") and hasattr(packages, "verify_package")


def run_backend(backend: str, args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(backend, Path(tmp))
        try:
            started = time.perf_counter()
            loaded = fill(make_app(url, tmp), args.cadres, args.weeks, args.interval_min)
            first, last = loaded["first"], loaded["last"]
            print(f"{backend}: {loaded['pings']:,} pings, {loaded['cadres']} cadres, "
                  f"{first}..{last} (filled in {time.perf_counter() - started:.0f} s; "
                  f"evaluated in {loaded['evaluation_s']:.1f} s, "
                  f"{loaded['report'].get('raised', 0)} findings)")
            audit = measure("audit", url, tmp, first, last)
            print(f"  audit (JSON): {_figures(audit)}, {audit['rows']} rows, "
                  f"{audit['findings']} findings counted")
            print(f"  xlsx:         {_figures(measure('xlsx', url, tmp, first, last))}")
            pdfs, bares = [], []
            for _ in range(args.runs):
                pdfs.append(measure("pdf", url, tmp, first, last))
                bares.append(measure("bare", url, tmp, first, last))
            pdf, bare = _median(pdfs), _median(bares)
            print(f"  pdf:          {_figures(pdf)}, {pdf['pages']} pages")
            print(f"  bare render:  {_figures(bare)}, {bare['pages']} pages")
            print(f"  pdf / bare = {pdf['seconds'] / bare['seconds']:.2f}x "
                  f"(runs: {sorted(round(p['seconds'] / b['seconds'], 2) for p, b in zip(pdfs, bares, strict=True))})")  # noqa: E501
            if has_packages():
                package = measure("package", url, tmp, first, last)
                if "skipped" in package:
                    print(f"  package:      skipped ({package['skipped']})")
                else:
                    print(f"  package of finding {package['flag_id']}: built "
                          f"{_figures(package)}; verified in "
                          f"{package['verify_s'] * 1000:.1f} ms")
            else:
                print("  package:      fieldapp/documents/packages.py not there yet")
        finally:
            drop_database(url)


def _median(runs: list[dict]) -> dict:
    middle = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {**middle, "seconds": statistics.median(r["seconds"] for r in runs)}


def _figures(result: dict) -> str:
    return (f"{result['seconds']:6.2f} s, peak RSS {result['peak_mb']:5.0f} MB, "
            f"{result['statements']:4d} statements, {result['bytes'] / 1024:8.1f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="spatialite,postgis")
    parser.add_argument("--cadres", type=int, default=446)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--interval-min", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child", nargs=5, metavar=("JOB", "URL", "DIR", "FIRST", "LAST"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    for backend in args.backends.split(","):
        run_backend(backend, args)


if __name__ == "__main__":
    main()
