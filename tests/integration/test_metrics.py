"""GET /metrics: Prometheus' text format, for this machine or a scraper with the token only;
request latency by endpoint, jobs by state, evaluation runs and the pool from the database."""
from datetime import UTC, date, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from fieldapp.config import app_settings
from fieldapp.jobs import install, jobs
from fieldapp.services.presence.evaluation import evaluate

from .helpers import admin_headers
from .ping_helpers import phone, ping, village_points


def families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def samples(family, **labels) -> list:
    return [s for s in family.samples
            if all(s.labels.get(k) == v for k, v in labels.items())]


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return families(response.get_data(as_text=True))


def cadre_lists(found: dict) -> float:
    """Requests answered by GET /api/v1/cadres with 200 so far (counted per process)."""
    return sum(s.value for s in samples(found["fieldapp_request_seconds"],
                                        endpoint="people.list_cadres", method="GET",
                                        status="200") if s.name.endswith("_count"))


def test_metrics_count_requests_jobs_and_evaluations(client, ctx, configure, tmp_path):
    configure(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")
    ctx.extensions.pop("fieldapp.jobs")
    install(ctx)
    jobs().enqueue("settle_challenges", {})
    day = date.today() - timedelta(days=3)
    evaluate(app_settings(), day, day)
    headers = admin_headers(client)
    before = cadre_lists(scrape(client))
    assert client.get("/api/v1/cadres", headers=headers).status_code == 200
    found = scrape(client)
    assert cadre_lists(found) == before + 1
    assert samples(found["fieldapp_jobs"], task="settle_challenges", state="queued")[0].value == 1
    counted = {s.name: s.value for s in found["fieldapp_evaluation_seconds"].samples}
    assert counted["fieldapp_evaluation_seconds_count"] == 1
    assert counted["fieldapp_evaluation_seconds_sum"] >= 0
    assert {s.labels["state"] for s in found["fieldapp_db_pool_connections"].samples} == {
        "in_use", "idle"}


def test_metrics_answer_only_this_machine_or_the_token(client, ctx, configure):
    remote = {"REMOTE_ADDR": "203.0.113.5"}
    assert client.get("/metrics", environ_base=remote).status_code == 404
    configure(METRICS_TOKEN="scrape-secret-0123456789")
    assert client.get("/metrics", environ_base=remote).status_code == 404
    assert client.get("/metrics", environ_base=remote, headers={
        "Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", environ_base=remote, headers={
        "Authorization": "Bearer scrape-secret-0123456789"}).status_code == 200


def pings_counted(found: dict, client: str) -> dict:
    return {s.labels["status"]: s.value for s in found["fieldapp_pings"].samples
            if s.name == "fieldapp_pings_total" and s.labels["client"] == client}


@pytest.mark.device_paths
def test_fixes_are_counted_by_client_and_answer(client, ctx, configure):
    configure(COLLECTION="track")
    _, device = phone()
    (lat, lon), _ = village_points()
    before = pings_counted(scrape(client), "native")
    first = ping(lat, lon)
    answer = client.post("/api/v1/pings", headers=device, json={"pings": [
        first, first, ping(lat, lon, minutes_ago=20), {"id": "bad", "lat": "x"}]})
    assert answer.status_code == 200, answer.get_json()
    client.post("/api/v1/pings", headers=device, json=first)  # resent
    after = pings_counted(scrape(client), "native")
    assert {k: after.get(k, 0) - before.get(k, 0) for k in ("accepted", "duplicate",
                                                          "rejected")} == {
        "accepted": 2, "duplicate": 2, "rejected": 1}
    token = device["Authorization"].split()[1]
    osmand = pings_counted(scrape(client), "osmand").get("accepted", 0)
    moment = int(datetime.now(UTC).timestamp()) - 60
    sent = client.get(f"/api/v1/ingest/osmand?id={token}&lat={lat}&lon={lon}"
                      f"&timestamp={moment}")
    assert sent.status_code == 200
    assert pings_counted(scrape(client), "osmand")["accepted"] == osmand + 1
