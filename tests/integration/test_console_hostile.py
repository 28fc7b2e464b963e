"""A hostile pass at the console pages: query values of the wrong type, repeated, huge or out
of range, control characters, injected markup in names, reasons and notes, forms that are
incomplete, duplicated, oversized or sent with the wrong method, sessions and CSRF tokens
that are not the reader's, other people's ids, and redirects off the server. Each is a 4xx
HTML page (never a 500, never JSON), changes nothing, and prints nothing unescaped; every
page with a session is kept out of shared caches."""
from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from flask.sessions import TaggedJSONSerializer
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from fieldapp.config import app_settings
from fieldapp.domain.dates import local_date
from fieldapp.extensions import db
from fieldapp.models import Finding, FindingEvent, Leave, Region
from fieldapp.models.types import utcnow
from fieldapp.services.presence import leaves

from .helpers import OTHER_VILLAGE, PASSWORD, TOWNSHIP, VILLAGE, make_cadre, make_user
from .page_helpers import csrf_token, page_login, post_form

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
NUMBERS = ("required_days", "present_days", "no_data_days", "required_nights",
           "present_nights", "no_data_nights")
MAP_DATA = re.compile(r'<script type="application/json" id="map-data">(.*?)</script>', re.S)


def _finding(cadre_id: int, region: str) -> int:
    finding = Finding(key=f"not_resident:{cadre_id}", cadre_id=cadre_id, region_code=region,
                      kind="not_resident", severity=3, status="open", summary="stored",
                      evidence={"counts": dict.fromkeys(NUMBERS, 3), "period": {}},
                      period_start=date(2026, 11, 16), period_end=date(2026, 11, 22))
    db.session.add(finding)
    db.session.commit()
    return finding.id


@pytest.fixture()
def world(client, ctx):
    """Cadre A (named like a script) in the inspector's township with a finding and a
    pending leave whose reason closes a textarea; cadre B with the same in another one."""
    soon = local_date(utcnow(), app_settings().zone) + timedelta(days=3)
    a, b = make_cadre(name=XSS), make_cadre(village=OTHER_VILLAGE, name="赵六")
    ids = {"a": a.id, "b": b.id, "fa": _finding(a.id, VILLAGE), "fb": _finding(b.id, OTHER_VILLAGE)}
    for key, cadre in (("la", a), ("lb", b)):
        ids[key] = leaves.request_leave(app_settings(), cadre.id, soon, soon, "personal",
                                        "</textarea>" + XSS).id
    make_user("insp", "inspector", regions=[TOWNSHIP])
    make_user("me", "cadre", cadre_id=a.id)
    return ids


def stored(ctx) -> tuple:
    """What no refused request may change: findings, their events, leave, uploaded files."""
    db.session.expire_all()
    return (sorted((f.id, f.status, f.assignee_id) for f in db.session.scalars(select(Finding))),
            db.session.scalar(select(func.count()).select_from(FindingEvent)),
            sorted((v.id, v.status, v.decision_note) for v in db.session.scalars(select(Leave))),
            sorted(p.name for p in Path(ctx.config["UPLOAD_DIR"]).rglob("*")))


def assert_page(answer, status: int) -> str:
    """A page of `status`, HTML, escaped, kept from shared caches; for a 4xx, the error page,
    the dossier saying why it refused a move, or the login form's alert."""
    body = answer.get_data(as_text=True)
    assert answer.status_code == status, (answer.status_code, body[-600:])
    assert answer.mimetype == "text/html" and "Traceback" not in body and XSS not in body
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "private, no-store"
    if status >= 400:
        assert re.search(f'data-(error|refused)="{status}"|role="alert"', body)
    return body


QUERIES = [  # (url, status): a bad queue filter is dropped with a message, the rest refused
    *[(f"/console/findings?{q}", 200) for q in (
        "kind=a&kind=b", f"cadre_id={2**63}", "cadre_id=NaN", "cadre_id=%C2%B2", "page=Infinity",
        "page=-1", "period=2026-W60", "period=2026-13", "period=0001-01", "period=9999-W01",
        "village=%00", "mine=%00", "township=" + "9" * 10_000, "endpoint=x", "_method=POST",
        "_external=1&_scheme=javascript", "status=open&status=%3Cscript%3E",
        "cadre_id=%E2%80%AE1", "kind=%EF%BF%BF%01")],
    ("/console/findings/{fb}", 404), (f"/console/findings/{2**31}", 404),
    (f"/console/findings/{2**63}", 404), ("/console/findings/0", 404),
    ("/console/findings/-1", 404), ("/console/findings/1e3", 404),
    ("/console/cadres/{b}", 404), (f"/console/cadres/{2**31}", 404),
    *[("/console/cadres/{a}?" + q, 400) for q in (
        "month=2026-13", "month=0001-01", "month=9999-12", "day=2026-02-30", "day=0001-01-01",
        "day=9999-12-31", "day=2026-11-18&slot=evening", "day=2026-11-18&month=2026-12",
        "day=" + "%00" * 10, "month=" + "x" * 10_000, "month=NaN", "day=2026-11-18&slot=",
        "day=2026-11-18%0A", "month=2026-11%E2%80%AE")],
    ("/console/cadres/{a}?month=2000-01", 404),  # before the cadre was posted: not found
    *[(f"/console/townships/{TOWNSHIP}?" + q, 400) for q in (
        "week=2026-W60", "week=2026-W00", "month=2026-13", "week=2026-W01&month=2026-01",
        "week=9999-W01", "month=0001-01", "week=%00", "week=" + "x" * 10_000, "week=Infinity")],
    ("/console/townships/410922200", 404), ("/console/townships/%00", 404),
    ("/console/townships/" + "1" * 10_000, 404),
    *[(f"/console/leaves?{q}", 400) for q in (
        "show=x", "page=NaN", "page=" + "9" * 5000, "page=0", "page=1.5")],
    ("/console/leaves?page=2&endpoint=x&_anchor=x", 200), ("/console/lang/xx", 404),
]


@pytest.mark.parametrize(("url", "status"), QUERIES, ids=[u[:60] for u, _ in QUERIES])
def test_hostile_query_values_are_pages_never_500(client, world, ctx, url, status):
    page_login(client, "insp")
    before = stored(ctx)
    body = assert_page(client.get(url.format(**world)), status)
    assert "javascript:" not in body and 'href="http' not in body
    assert stored(ctx) == before


@pytest.mark.parametrize("url", ["/console/cadres/{b}", "/console/findings/{fb}",
                                 "/console/findings", "/console/leaves",
                                 f"/console/townships/{TOWNSHIP}"])
def test_a_cadre_opens_only_their_own_pages(client, world, url):
    page_login(client, "me")
    assert_page(client.get("/console/cadres/{a}".format(**world)), 200)
    assert_page(client.get(url.format(**world)), 404)


def test_names_reasons_notes_and_map_labels_come_out_escaped(client, world, ctx):
    region = db.session.get(Region, VILLAGE)
    name, region.name = region.name, "</script>" + XSS
    db.session.commit()
    try:
        page_login(client, "insp")
        for url in ("/console/findings", "/console/findings/{fa}", "/console/cadres/{a}",
                    "/console/leaves"):
            assert ESCAPED in assert_page(client.get(url.format(**world)), 200), url
        for url in (f"/console/townships/{TOWNSHIP}", "/console/cadres/{a}"):
            data = MAP_DATA.findall(assert_page(client.get(url.format(**world)), 200))
            assert len(data) == 1 and "</" not in data[0] and "</script>" + XSS in json.dumps(
                json.loads(data[0]), ensure_ascii=False), url
    finally:
        db.session.get(Region, VILLAGE).name = name
        db.session.commit()
    url = "/console/findings/{fa}".format(**world)  # a refused move shows its note again
    refused = post_form(client, url, url + "/transitions",
                        {"action": "assign", "note": "</textarea>" + XSS, "assignee_id": "x"})
    assert "&lt;/textarea&gt;" + ESCAPED + "</textarea>" in assert_page(refused, 422)


FORMS = [  # (action URL, page holding the form, data, status)
    *[("/console/findings/{fa}/transitions", "/console/findings/{fa}", data, status)
      for data, status in (
          ({"action": "assign", "note": "a\0b"}, 400), ({"action": "\0", "note": "x"}, 400),
          ({"action": "assign", "note": "x", "assignee_id": "²"}, 422),
          ({"action": "assign", "note": "x", "assignee_id": "9999999999"}, 422),
          ({"action": "assign", "note": "x", "assignee_id": "9" * 5000}, 422),
          ({"note": "x"}, 422), ({"action": "assign"}, 422),
          ({"action": "assign", "note": "x" * 2001}, 422),
          ({"action": ["reopen", "assign"], "note": "x"}, 409))],
    ("/console/findings/{fb}/transitions", "/console/findings", {"action": "assign",
                                                                 "note": "x"}, 404),
    (f"/console/findings/{2**63 - 1}/transitions", "/console/findings",
     {"action": "assign", "note": "x"}, 404),
    *[("/console/findings/assign", "/console/findings", data, status) for data, status in (
        ({"ids": ["²", "{fb}", str(2**63), "9" * 5000], "note": "x"}, 302),
        ({"ids": "{fa}", "note": "\0"}, 400), ({"ids": "{fa}"}, 302))],
    *[("/console/leaves/{la}/decision", "/console/leaves", data, status) for data, status in (
        ({}, 400), ({"decision": "\0"}, 400), ({"decision": "reject", "note": "\0"}, 400),
        ({"decision": "reject"}, 422), ({"decision": "approve", "note": "x" * 2001}, 422),
        ({"decision": ["reject", "approve"], "note": ["", "why"]}, 422))],
    ("/console/leaves/{lb}/decision", "/console/leaves", {"decision": "approve"}, 404),
    (f"/console/leaves/{2**31}/decision", "/console/leaves", {"decision": "approve"}, 404),
]


@pytest.mark.parametrize(("action", "page", "data", "status"), FORMS,
                         ids=[f"{a}-{sorted(d)}-{s}" for a, _, d, s in FORMS])
def test_hostile_forms_change_nothing(client, world, ctx, action, page, data, status):
    page_login(client, "insp")
    before = stored(ctx)
    data = {k: [x.format(**world) for x in v] if isinstance(v, list) else v.format(**world)
            for k, v in data.items()}
    answer = post_form(client, page.format(**world), action.format(**world), data)
    if status == 302:  # the queue says which it did not assign
        assert answer.status_code == 302 and answer.headers["Cache-Control"] == "private, no-store"
    else:
        assert_page(answer, status)
    assert stored(ctx) == before


def test_extra_fields_are_ignored(client, world):
    page_login(client, "insp")
    url = "/console/findings/{fa}".format(**world)
    post_form(client, url, url + "/transitions", {"action": "assign", "note": "mine",
                                                  "status": "dismissed", "assignee_id": ""})
    db.session.expire_all()
    assert db.session.get(Finding, world["fa"]).status == "in_review"


def test_oversized_bodies_are_413_pages(client, world, ctx, configure):
    configure(MAX_JSON_BYTES=64 * 1024)
    token = csrf_token(client.get("/console/login").get_data(as_text=True))
    before = stored(ctx)
    login = {"username": "insp", "password": PASSWORD, "csrf_token": token}
    upload = client.post("/console/login", content_type="multipart/form-data", data={
        **login, "file": (io.BytesIO(b"x" * 100_000), "big.bin")})
    assert_page(upload, 413)
    with client.session_transaction() as session:
        assert "uid" not in session
    page_login(client, "insp")
    token = csrf_token(client.get("/console/leaves").get_data(as_text=True))
    action = "/console/leaves/{la}/decision".format(**world)
    for kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        assert_page(client.post(action, content_type=kind, data={
            "decision": "approve", "csrf_token": token, "note": "x" * 100_000}), 413)
    assert stored(ctx) == before


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_methods_are_405_pages(client, world, ctx, method):
    page_login(client, "insp")
    token = csrf_token(client.get("/console/leaves").get_data(as_text=True))
    before = stored(ctx)
    for url in ("/console/findings", "/console/findings/{fa}", "/console/leaves/{la}/decision",
                "/console/login"):
        for data in ({}, {"csrf_token": token}):
            answer = getattr(client, method)(url.format(**world), data=data)
            assert_page(answer, 405)
            assert method.upper() not in answer.headers["Allow"]
    for url in ("/console/findings/{fa}/transitions", "/console/findings/assign",
                "/console/leaves/{la}/decision", "/console/logout"):
        answer = client.get(url.format(**world))
        assert_page(answer, 405)
        assert "POST" in answer.headers["Allow"]
    assert_page(client.post("/console/no-such-page", data={}), 404)
    assert stored(ctx) == before


def test_sessions_and_tokens_that_are_not_the_readers_are_refused(client, world, ctx):
    other = ctx.test_client()
    foreign = csrf_token(other.get("/console/login").get_data(as_text=True))
    client.get("/console/login")
    assert_page(client.post("/console/login", data={
        "username": "insp", "password": PASSWORD, "csrf_token": foreign}), 400)
    page_login(client, "insp")
    before = stored(ctx)
    assert_page(client.post("/console/leaves/{la}/decision".format(**world), data={
        "decision": "approve", "csrf_token": foreign}), 400)
    assert stored(ctx) == before
    cookie = client.get_cookie("fieldapp_session").value
    with client.session_transaction() as session:
        forged = URLSafeTimedSerializer(  # this very session in Flask's format, another key
            "another-secret-key", salt="cookie-session", serializer=TaggedJSONSerializer(),
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1}).dumps(
            dict(session))
    assert client.get("/console/findings").status_code == 200
    for value in (cookie[:-4] + ("AAAA" if cookie[-4:] != "AAAA" else "BBBB"), forged,
                  "%00garbage", "x" * 4000):
        client.set_cookie("fieldapp_session", value)
        answer = client.get("/console/findings")
        assert answer.status_code == 302, value
        assert answer.headers["Location"].startswith("/console/login?next=")


TARGETS = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
           " //evil.example", "/\t/evil.example", "/\r\nSet-Cookie: x=1", "/console/\nX: 1",
           "javascript:alert(1)", "\0/x", "http:/evil.example", "/console/\x7f"]


@pytest.mark.parametrize("target", TARGETS)
def test_login_and_language_switch_stay_on_this_server(client, world, target):
    form = client.get("/console/login")
    target = quote(target, safe="")
    logged_in = client.post(f"/console/login?next={target}", data={
        "username": "insp", "password": PASSWORD,
        "csrf_token": csrf_token(form.get_data(as_text=True))})
    switched = client.get(f"/console/lang/en?next={target}")
    for answer in (logged_in, switched):
        location = answer.headers["Location"]
        assert answer.status_code == 302 and location.startswith("/"), location
        assert not location.startswith(("//", "/\\")) and location.isprintable(), location
    assert "lang=en" in switched.headers["Set-Cookie"]


def test_a_failed_login_sets_no_session(client, world):
    assert_page(client.get("/console/login"), 200)
    for username, password, status in (("insp", "wrong", 401), ("nobody", PASSWORD, 401),
                                       ("insp\0", PASSWORD, 400), ("insp", "a\0b", 400),
                                       ("insp" * 10_000, PASSWORD, 401)):
        answer = client.post("/console/login", data={
            "username": username, "password": password, "csrf_token": csrf_token(
                client.get("/console/login").get_data(as_text=True))})
        assert_page(answer, status)
        with client.session_transaction() as session:
            assert set(session) <= {"csrf_token", "_flashes"}, dict(session)
        assert client.get("/console/findings").status_code == 302
