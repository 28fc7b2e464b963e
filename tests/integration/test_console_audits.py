"""The console's audit page: the same numbers as the API's audit, its four downloads through
the session, scope, hostile query values and the access log."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AccessLog

from .helpers import OTHER_VILLAGE, TOWNSHIP, admin_headers, make_user
from .page_helpers import page_login
from .presence_helpers import iso_week
from .test_audits_presence import AUDIT, township_week  # noqa: F401  (a fixture)

PAGE = "/console/audits"


def cells(html: str, cadre_id: int) -> dict[str, int]:
    row = re.search(rf'<tr data-cadre-id="{cadre_id}".*?</tr>', html, re.S)
    assert row, f"no row for cadre {cadre_id}"
    return {n: int(v) for n, v in re.findall(r'data-n="(\w+)">(\d+)<', row[0])}


def test_page_shows_the_audit_the_api_answers(client, township_week):  # noqa: F811
    week = iso_week(township_week["monday"])
    api = client.get(AUDIT, query_string={"region": TOWNSHIP, "week": week},
                     headers=admin_headers(client)).get_json()
    make_user("disc", "discipline", regions=["410922"])
    page_login(client, "disc")
    html = client.get(PAGE, query_string={"region": TOWNSHIP, "week": week}).get_data(
        as_text=True)
    assert f'data-rows="{len(api["rows"])}"' in html
    for row in api["rows"]:
        shown = cells(html, row["cadre_id"])
        assert shown == {n: row[n] for n in shown} and len(shown) == 11
    for fmt in ("csv", "xlsx", "pdf", "json"):
        assert f'data-format="{fmt}"' in html


def test_downloads_through_the_session(client, township_week):  # noqa: F811
    make_user("disc", "discipline", regions=["410922"])
    page_login(client, "disc")
    query = {"region": TOWNSHIP, "week": iso_week(township_week["monday"])}
    answer = client.get(f"{PAGE}/presence.csv", query_string=query)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.get_data(as_text=True).startswith("\ufeff")
    answer = client.get(f"{PAGE}/presence.json", query_string=query)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"{PAGE}/presence.docx", query_string=query).status_code == 404


def test_scope_and_hostile_values(client, township_week):  # noqa: F811
    make_user("insp", "inspector", regions=[OTHER_VILLAGE[:9]])
    page_login(client, "insp")
    week = iso_week(township_week["monday"])
    html = client.get(PAGE, query_string={"week": week}).get_data(as_text=True)
    assert f'data-cadre-id="{township_week["elsewhere"]}"' in html
    assert f'data-cadre-id="{township_week["commuter"]}"' not in html
    assert client.get(PAGE, query_string={"region": TOWNSHIP, "week": week}).status_code == 404
    assert client.get(PAGE, query_string={"cadre_id": township_week["commuter"],
                                          "week": week}).status_code == 404
    for query in ({"region": "41092x"}, {"cadre_id": "1e9"}, {"cadre_id": "99999999999"},
                  {"week": "2026-W99"}, {"from": "2026-02-30", "to": "2026-03-01"},
                  {"from": "9999-01-01", "to": "9999-01-02"}, {"week": week, "month": "2026-11"}):
        assert client.get(PAGE, query_string=query).status_code == 400, query
    for query in ({"from": "2026-01-01", "to": "2026-12-31"},
                  {"from": "2026-03-02", "to": "2026-03-01"}):
        assert client.get(PAGE, query_string=query).status_code == 422, query


def test_cadres_get_no_audit_page(client, township_week):  # noqa: F811
    make_user("cad", "cadre", cadre_id=township_week["commuter"])
    page_login(client, "cad")
    assert client.get(PAGE).status_code == 404


def test_every_cadre_shown_is_access_logged(client, township_week):  # noqa: F811
    make_user("disc", "discipline", regions=["410922"])
    page_login(client, "disc")
    client.get(PAGE, query_string={"region": "410922",
                                   "week": iso_week(township_week["monday"])})
    logged = db.session.scalar(select(func.count(func.distinct(AccessLog.subject_cadre_id)))
                               .where(AccessLog.resource == "audit_presence"))
    assert logged == 3


def test_packages_from_the_audit_page_and_the_dossier(client, township_week):  # noqa: F811
    import io
    import zipfile

    from fieldapp.models import Finding

    make_user("disc", "discipline", regions=["410922"])
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "disc")
    answer = client.get("/console/audits/package", query_string={
        "region": TOWNSHIP, "week": iso_week(township_week["monday"])})
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.data)).namelist()
    assert any(n.endswith("/manifest-sha256.txt.sig") for n in names)
    finding = db.session.scalar(select(Finding.id).where(
        Finding.cadre_id == township_week["commuter"], Finding.kind == "not_resident"))
    client.post("/console/logout")
    page_login(client, "insp")
    dossier = client.get(f"/console/findings/{finding}").get_data(as_text=True)
    assert f'href="/console/findings/{finding}/package"' in dossier
    answer = client.get(f"/console/findings/{finding}/package")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert db.session.scalar(select(func.count()).where(
        AccessLog.resource == "package")) == 1  # the audit package held no finding
