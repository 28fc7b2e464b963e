"""What fieldapp measures about itself, for Prometheus (GET /metrics, api/metrics.py).

Counted as it happens, in each process: request latency by endpoint, and the fixes the web
workers answered by client kind and answer (`count_pings`; the MQTT subscriber, a process of
its own, logs its tally instead: docs/mqtt.md). Under gunicorn each
worker counts on its own; with PROMETHEUS_MULTIPROC_DIR set (scripts/start.sh and deploy/ set
it) the workers' counts are summed at each scrape. Read from the database at each scrape:
background jobs by state and task (queue depth, failures), evaluation runs (how many, how
long, what they found), and the connection pool's use in the scraped process.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

REQUEST_SECONDS = Histogram(
    "fieldapp_request_seconds", "Time to answer a request, by endpoint, method and status",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
# a made-up method is "other", so no client can make series without end
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PINGS = Counter("fieldapp_pings", "Fixes answered, by client kind and answer",
                ["client", "status"])
ANSWERS = {"accepted": "accepted", "duplicate": "duplicates", "rejected": "rejected",
           "discarded": "discarded"}  # status → its count in an ingest answer


def count_pings(client: str, answer: dict) -> None:
    """Count one ingest answer ({"accepted": n, "duplicates": n, …}) for `client`: native,
    owntracks, osmand or traccar."""
    for status, count_key in ANSWERS.items():
        if answer.get(count_key):
            PINGS.labels(client, status).inc(answer[count_key])


def install(app: Flask) -> None:
    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        if "request_started" in g:
            endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
            method = request.method if request.method in METHODS else "other"
            REQUEST_SECONDS.labels(endpoint, method, str(response.status_code)).observe(
                time.perf_counter() - g.request_started)
        return response


class _DatabaseCollector:
    """The figures that live in the database, read when Prometheus asks."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self) -> Iterable:
        from .extensions import db
        from .models import EvaluationRun, JobRun

        with self.app.app_context():
            jobs = GaugeMetricFamily("fieldapp_jobs", "Background jobs by task and state "
                                     "(queued: the queue's depth)", labels=["task", "state"])
            for task, state, count in db.session.execute(select(
                    JobRun.task, JobRun.state, func.count()).group_by(JobRun.task, JobRun.state)):
                jobs.add_metric([task, state], count)
            yield jobs
            seconds, changes = [], {"raised": 0, "updated": 0, "withdrawn": 0}
            for started, finished, report in db.session.execute(select(
                    EvaluationRun.started_at, EvaluationRun.finished_at, EvaluationRun.report)
                    .where(EvaluationRun.finished_at.is_not(None))):
                seconds.append((finished - started).total_seconds())
                for change in changes:
                    changes[change] += (report or {}).get(change, 0)
            yield SummaryMetricFamily("fieldapp_evaluation_seconds",
                                      "Evaluation runs finished, and their total duration",
                                      count_value=len(seconds), sum_value=sum(seconds))
            found = GaugeMetricFamily("fieldapp_evaluation_findings",
                                      "Findings the evaluation runs raised, updated and "
                                      "withdrew, over all runs", labels=["change"])
            for change, count in changes.items():
                found.add_metric([change], count)
            yield found
            pool = db.engine.pool
            use = GaugeMetricFamily("fieldapp_db_pool_connections",
                                    "Database connections of the scraped process's pool",
                                    labels=["state"])
            for state, value in (("in_use", getattr(pool, "checkedout", lambda: 0)()),
                                 ("idle", getattr(pool, "checkedin", lambda: 0)())):
                use.add_metric([state], value)
            yield use
            db.session.remove()


def exposition(app: Flask) -> bytes:
    """The text Prometheus scrapes: this process's (or every worker's) counts, then the
    database's figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    database = CollectorRegistry()
    database.register(_DatabaseCollector(app))
    return generate_latest(registry) + generate_latest(database)
