"""Login throttling per address and per account, with counters every worker shares.

The rule (services/access/logins.py): failed logins are counted per client address
(LOGIN_RATE_LIMIT, over all accounts) and per account (LOGIN_ACCOUNT_LIMIT, from all
addresses) in fixed windows; past either limit the address, or the account, is answered 429
with Retry-After until the window ends, the password unchecked. An attempt refused by its
address's throttle does not count against the account.
"""
from __future__ import annotations

import http.client
import json
import time
import uuid

import pytest
import redis

from fieldapp.extensions import db

from .helpers import PASSWORD, at_once, make_user
from .servers import gunicorn

REDIS = "redis://127.0.0.1:6379/15"


RUN = {"salt": ""}  # per test: Redis counters outlive a test, and other runs share them


@pytest.fixture(autouse=True)
def one_window(configure):
    """Counters of this test alone, in windows long enough that none ends mid-test (the
    test of a window's end sets its own)."""
    RUN["salt"] = uuid.uuid4().hex[:8]
    configure(LOGIN_RATE_LIMIT="10 per hour", LOGIN_ACCOUNT_LIMIT="20 per day")


def attempt(client, username, password="wrong-guess", address="198.51.100.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": f"{address}/{RUN['salt']}"})


def codes(client, username, times, password="wrong-guess", address="198.51.100.1"):
    return [attempt(client, username, password, address).status_code for _ in range(times)]


def assert_throttled(response, what: str, window: int):
    assert response.status_code == 429
    body = response.get_json()
    assert body["code"] == 429 and f"too many failed logins {what}" in body["message"]
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= window
    assert f"{retry} s" in body["message"]


@pytest.fixture(params=["database", "redis"])
def storage(request, configure):
    """The counters in the database (the default), or in Redis."""
    if request.param == "redis":
        try:
            redis.Redis.from_url(REDIS).ping()
        except redis.ConnectionError:
            pytest.skip("no Redis on 127.0.0.1:6379")
        configure(RATELIMIT_STORAGE_URI=REDIS)
    return request.param


def name() -> str:
    """A fresh username, so Redis counters of other tests and runs never meet."""
    return f"u{uuid.uuid4().hex[:12]}"


def test_an_address_is_throttled_over_all_accounts(client, storage):
    first, second = name(), name()
    make_user(first, "admin")
    make_user(second, "admin")
    address = f"203.0.113.{uuid.uuid4().int % 250}"
    assert codes(client, first, 6, address=address) == [401] * 6
    assert codes(client, second, 4, address=address) == [401] * 4
    assert_throttled(attempt(client, second, PASSWORD, address), "from this address", 3600)
    assert_throttled(attempt(client, first, PASSWORD, address), "from this address", 3600)
    # the same accounts from another address are not affected
    assert attempt(client, second, PASSWORD, "192.0.2.77").status_code == 200


def test_an_account_is_throttled_from_every_address(client, storage):
    """40 guesses on one account from four addresses: only 20 are answered."""
    target = name()
    make_user(target, "admin")
    answered = []
    for n in range(4):
        answered += codes(client, target, 10, address=f"198.51.100.{n + 10}")
    assert answered.count(401) == 20 and answered.count(429) == 20
    assert_throttled(attempt(client, target, PASSWORD, "192.0.2.200"), "on this account",
                     86400)
    # an address refused for this account is not refused for others
    assert codes(client, target, 5, address="198.51.100.20") == [429] * 5
    other = name()
    make_user(other, "admin")
    assert attempt(client, other, PASSWORD, "198.51.100.20").status_code == 200


def test_a_throttled_address_cannot_lock_the_account_for_others(client, storage):
    victim = name()
    make_user(victim, "admin")
    codes(client, victim, 10, address="198.51.100.66")
    assert codes(client, victim, 50, address="198.51.100.66") == [429] * 50
    assert attempt(client, victim, PASSWORD, "192.0.2.5").status_code == 200


def test_the_lock_ends_with_its_window(client, configure, storage):
    configure(LOGIN_ACCOUNT_LIMIT="3 per 4 seconds")  # room for four logins on a busy box
    target = name()
    make_user(target, "admin")
    time.sleep(4 - time.time() % 4)  # start at a window's beginning
    assert codes(client, target, 3, address="198.51.100.3") == [401] * 3
    locked = attempt(client, target, PASSWORD, "192.0.2.9")
    assert_throttled(locked, "on this account", 4)
    time.sleep(int(locked.headers["Retry-After"]) + 0.05)
    assert attempt(client, target, PASSWORD, "192.0.2.9").status_code == 200


def test_a_success_does_not_count(client, storage):
    target = name()
    make_user(target, "admin")
    for _ in range(15):
        assert attempt(client, target, PASSWORD, "192.0.2.33").status_code == 200
    assert codes(client, target, 10, address="192.0.2.33") == [401] * 10


def test_parallel_guesses_cannot_slip_past_the_limit(client, storage):
    target = name()
    make_user(target, "admin")
    db.session.commit()
    answered = at_once(lambda: attempt(client, target).status_code, times=16)
    assert sorted(answered) == [401] * 10 + [429] * 6


def test_an_unreachable_redis_refuses_the_login_with_503(client, configure):
    """A guess the throttle cannot count is not checked: no token, and retry later."""
    make_user("cannot-count", "admin")
    configure(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    response = attempt(client, "cannot-count", PASSWORD)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "access_token" not in response.get_json()


def test_the_429_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    responses = spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "429" in responses and "Retry-After" in responses["429"]["description"]


@pytest.fixture()
def two_workers(ctx, database_url, tmp_path):
    """fieldapp under gunicorn with two worker processes on the test's database."""
    with gunicorn(database_url, tmp_path, "--workers", "2", env={
            "FIELDAPP_RATELIMIT_STORAGE_URI": "", "FIELDAPP_LOGIN_RATE_LIMIT": "10 per hour"}
            ) as port:
        yield port


def post_login(port: int, username: str, password: str) -> tuple[int, str | None]:
    """A login on a fresh connection (either worker may take it): status, Retry-After."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/auth/token",
                     body=json.dumps({"username": username, "password": password}),
                     headers={"Content-Type": "application/json", "Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After")
    finally:
        conn.close()


def test_two_workers_share_the_counters(client, two_workers):
    """24 guesses at once keep both sync workers busy; per-process counters would answer
    up to 20 of them."""
    make_user("shared", "admin")
    db.session.commit()
    db.session.close()  # hold no SQLite lock while the server answers
    answered = at_once(lambda: post_login(two_workers, "shared", "wrong")[0], times=24)
    assert sorted(answered) == [401] * 10 + [429] * 14
    status, retry = post_login(two_workers, "shared", PASSWORD)
    assert status == 429 and 1 <= int(retry) <= 3600
