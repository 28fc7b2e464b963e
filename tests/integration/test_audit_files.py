"""Presence audits as files: XLSX (a summary sheet and a sheet per township, numbers as
numbers, frozen header, no text that runs), PDF (cover with the finding log's head, Chinese
text, embedded fonts, a heat-map per post and a map per absence finding), through the API
for readers of different scopes and through `flask audit presence`."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from fieldapp.config import app_settings
from fieldapp.documents.audit_pdf import audit_html, audit_pdf
from fieldapp.documents.audit_svg import UNEVALUATED
from fieldapp.extensions import db
from fieldapp.models import Assignment, AuditHead, Cadre, Finding, Ping, User
from fieldapp.services.access.scope import Scope
from fieldapp.services.audits.presence_audit import presence_audit
from fieldapp.services.findings.audit_chain import GENESIS
from fieldapp.services.people import registry as people

from .helpers import OTHER_VILLAGE, TOWNSHIP, admin_headers, login, make_user
from .presence_helpers import iso_week
from .test_audits_presence import AUDIT, township_week  # noqa: F401

EVIL = '=HYPERLINK("http://evil.example")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(client, headers, fmt: str, **query):
    response = client.get(AUDIT, headers=headers, query_string={**query, "format": fmt})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def pdf_text(body: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(body))
    return reader, [page.extract_text() for page in reader.pages]


def embedded_fonts(reader: PdfReader) -> dict[str, bool]:
    """Each font the pages use: whether its program is embedded in the file."""
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def test_xlsx_has_a_summary_and_a_sheet_per_township(client, township_week):  # noqa: F811
    make_user("disc", "discipline", regions=["410922"])
    week = iso_week(township_week["monday"])
    response = download(client, login(client, "disc"), "xlsx", region="410922", week=week)
    assert response.mimetype == XLSX
    book = load_workbook(io.BytesIO(response.get_data()))
    summary, *townships = book.worksheets
    assert summary.title == "汇总"
    assert townships[0].title == f"城关镇 {TOWNSHIP}"
    assert len(townships) == 2 and townships[1].title.endswith(f" {OTHER_VILLAGE[:9]}")
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert len(sheet.title) <= 31 and not re.search(r"[\[\]:*?/\\]", sheet.title)
        assert sheet.column_dimensions["A"].width > 4
    header = [c.value for c in townships[0][1]]
    assert "姓名" in header and "在村夜数" in header
    rows = {r[header.index("姓名")].value: r for r in townships[0].iter_rows(min_row=2)}
    commuter, resident = rows[EVIL], rows["李娜"]
    nights = header.index("在村夜数")
    assert (commuter[nights].value, resident[nights].value) == (0, 7)
    assert type(commuter[nights].value) is int and commuter[nights].data_type == "n"
    assert commuter[header.index("干部编号")].value == township_week["commuter"]
    assert commuter[header.index("村代码")].value == "410922100201"  # a code stays text
    assert commuter[header.index("驻村起")].is_date
    assert commuter[header.index("姓名")].data_type == "s"
    total = [c.value for c in summary[summary.max_row]]
    summary_header = [c.value for c in summary[1]]
    assert total[0] == "合计" and total[summary_header.index("在村夜数")] == 14
    assert total[summary_header.index("驻村干部数")] == 3
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = b"".join(archive.read(n) for n in sheets).decode()
    assert sheets and "<f>" not in xml and "<f " not in xml  # no formula anywhere
    assert f'<is><t>{EVIL}</t></is>' in xml.replace("&quot;", '"')  # the name as text


def test_pdf_cover_summary_and_sections(client, township_week):  # noqa: F811
    headers = admin_headers(client)
    response = download(client, headers, "pdf", region=TOWNSHIP,
                        week=iso_week(township_week["monday"]))
    assert response.mimetype == "application/pdf"
    body = response.get_data()
    assert body.startswith(b"%PDF-") and len(body) < 2 * 1024 * 1024
    reader, pages = pdf_text(body)
    assert len(reader.pages) > 1
    head = db.session.get(AuditHead, 1)
    assert head is not None and head.last_hash != GENESIS  # evaluation raised a finding
    cover = pages[0]
    assert "在岗审计" in cover and "城关镇" in cover and TOWNSHIP in cover
    assert head.last_hash in cover.replace("\n", "")
    assert township_week["monday"].isoformat() in cover
    text = "".join(pages)
    assert "李娜" in text and "驻村不住村" in text and "各乡镇汇总" in text
    fonts = embedded_fonts(reader)
    assert fonts and all(fonts.values()), fonts
    assert any("NotoSansCJK" in name.replace("-", "") for name in fonts)


def test_pdf_in_english_when_asked(client, township_week):  # noqa: F811
    headers = {**admin_headers(client), "Accept-Language": "en"}
    response = download(client, headers, "pdf", region=TOWNSHIP,
                        week=iso_week(township_week["monday"]))
    _, pages = pdf_text(response.get_data())
    assert "Presence audit" in pages[0] and "在岗审计" not in pages[0]


def _admin_scope():
    admin = db.session.scalar(select(User).where(User.username == "root"))
    return Scope(admin or make_user("root", "admin"), app_settings().zone)


def test_report_draws_heat_maps_and_absence_maps(ctx, township_week):  # noqa: F811
    """Two weeks, the first never evaluated: its cells are drawn apart; the commuter's
    not_resident finding gets a map with its night fixes and centroids."""
    monday = township_week["monday"]
    settings = app_settings()
    audit = presence_audit(settings, _admin_scope(), monday - timedelta(days=7),
                           monday + timedelta(days=6), region=TOWNSHIP)
    html = audit_html(settings, _admin_scope(), audit)
    sections = dict(re.findall(r'<section class="cadre[^"]*" data-cadre-id="(\d+)"(.*?)</section>',
                               html, re.S))
    commuter = sections[str(township_week["commuter"])]
    resident = sections[str(township_week["resident"])]
    heat = re.search(r'<svg class="heat".*?</svg>', commuter, re.S)[0]
    cells = dict(re.findall(r'data-status="(\w+)" data-cells="(\d+)"', heat))
    # its days present, its nights away; the week before not evaluated, day and night
    assert cells == {"present": "7", "absent": "7", UNEVALUATED: "14"}
    assert 'data-kind="not_resident"' in commuter
    (drawing,) = re.findall(r'<svg class="map".*?</svg>', commuter, re.S)
    assert 'fill="#e7f5ff"' in drawing  # the village boundary
    fixes = int(re.search(r'class="fixes" data-count="(\d+)"', drawing)[1])
    finding = db.session.scalar(select(Finding).where(Finding.kind == "not_resident"))
    assert fixes == len(finding.evidence["ping_ids"]) >= 7  # the night fixes it names
    assert 'class="centroids" data-count="7"' in drawing  # a centroid a night
    assert re.search(r">\d+(\.\d+)? k?m</text>", drawing)  # the scale bar
    assert '<svg class="map"' not in resident and "data-kind" not in resident


def _map_fixes(html: str, cadre_id: int) -> int:
    section = re.search(rf'data-cadre-id="{cadre_id}".*?</section>', html, re.S)[0]
    return int(re.search(r'class="fixes" data-count="(\d+)"', section)[1])


def test_a_map_draws_only_fixes_from_dates_the_reader_sees(ctx, township_week):  # noqa: F811
    """The commuter's post ends on Wednesday and a post in another township follows: an
    inspector of the first township still sees the week's finding, but of its night fixes
    only those of Monday to Wednesday; an admin sees them all."""
    monday = township_week["monday"]
    posting = db.session.scalar(select(Assignment).where(
        Assignment.cadre_id == township_week["commuter"]))
    posting.ends_on = monday + timedelta(days=2)
    db.session.commit()
    people.create_assignment(township_week["commuter"], OTHER_VILLAGE, monday + timedelta(days=3))
    inspector = Scope(make_user("insp", "inspector", regions=[TOWNSHIP]), app_settings().zone)
    settings, week = app_settings(), (monday, monday + timedelta(days=6))
    finding = db.session.scalar(select(Finding).where(Finding.kind == "not_resident"))
    named = db.session.execute(select(Ping.recorded_at).where(
        Ping.id.in_(finding.evidence["ping_ids"]))).scalars().all()
    zone = settings.zone
    early = [t for t in named if t.astimezone(zone).date() <= monday + timedelta(days=2)]
    assert 0 < len(early) < len(named)
    seen = audit_html(settings, inspector, presence_audit(settings, inspector, *week,
                                                          region=TOWNSHIP))
    assert _map_fixes(seen, township_week["commuter"]) == len(early)
    everything = audit_html(settings, _admin_scope(), presence_audit(
        settings, _admin_scope(), *week, region=TOWNSHIP))
    assert _map_fixes(everything, township_week["commuter"]) == len(named)


def test_a_cadres_audit_names_the_cadre_on_its_cover(client, township_week):  # noqa: F811
    response = download(client, admin_headers(client), "pdf",
                        cadre_id=township_week["resident"],
                        week=iso_week(township_week["monday"]))
    assert f"cadre-{township_week['resident']}" in response.headers["Content-Disposition"]
    _, pages = pdf_text(response.get_data())
    assert "李娜" in pages[0] and str(township_week["resident"]) in pages[0]


def test_progress_follows_the_cadres(ctx, township_week):  # noqa: F811
    settings = app_settings()
    scope = _admin_scope()
    audit = presence_audit(settings, scope, township_week["monday"],
                           township_week["monday"] + timedelta(days=6), region=TOWNSHIP)
    seen = []

    def progress(items, what):
        for item in items:
            seen.append((what, item["row"]["cadre_id"]))
            yield item

    assert audit_pdf(settings, scope, audit, progress).startswith(b"%PDF-")
    assert seen == [("cadres", row["cadre_id"]) for row in audit["rows"]]


def test_scope_limits_rows_and_findings(client, township_week):  # noqa: F811
    make_user("insp", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("disc", "discipline", regions=["410922"])
    week = iso_week(township_week["monday"])
    inspector = login(client, "insp")
    book = load_workbook(io.BytesIO(download(client, inspector, "xlsx", region="410922",
                                             week=week).get_data()))
    assert len(book.worksheets) == 2 and book.worksheets[1].title.endswith(OTHER_VILLAGE[:9])
    names = [c.value for c in book.worksheets[1]["G"][1:]]
    assert "王强" in names and EVIL not in names and "李娜" not in names
    _, pages = pdf_text(download(client, inspector, "pdf", region="410922",
                                 week=week).get_data())
    text = "".join(pages)
    assert "王强" in text and "李娜" not in text and "HYPERLINK" not in text
    assert client.get(AUDIT, headers=inspector, query_string={
        "region": TOWNSHIP, "week": week, "format": "pdf"}).status_code == 404
    # the discipline office sees no finding that was not escalated to it: no map
    _, pages = pdf_text(download(client, login(client, "disc"), "pdf", region=TOWNSHIP,
                                 week=week).get_data())
    assert "HYPERLINK" in "".join(pages) and "驻村不住村" not in "".join(pages)


def test_the_openapi_document_names_every_format(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    answer = spec["paths"][AUDIT]["get"]["responses"]["200"]
    assert set(answer["content"]) == {"application/json", "text/csv", XLSX, "application/pdf"}
    assert "format=xlsx" in answer["description"] and "format=pdf" in answer["description"]


@pytest.mark.parametrize("fmt", ["docx", "XLSX", "pdf;", ""])
def test_an_unknown_format_is_422(client, township_week, fmt):  # noqa: F811
    response = client.get(AUDIT, headers=admin_headers(client), query_string={
        "region": TOWNSHIP, "week": iso_week(township_week["monday"]), "format": fmt})
    assert response.status_code == 422, response.get_json()
    assert "format" in json.dumps(response.get_json()["errors"])


def test_hostile_names_are_text_in_every_format(client, township_week):  # noqa: F811
    cadre = db.session.get(Cadre, township_week["resident"])
    cadre.name, cadre.unit = "李\x01娜</text><svg onload=x>&", "@SUM(1+1)\x0b"
    db.session.commit()
    headers = admin_headers(client)
    week = iso_week(township_week["monday"])
    book = load_workbook(io.BytesIO(download(client, headers, "xlsx", region=TOWNSHIP,
                                             week=week).get_data()))
    cells = {c.value: c for row in book.worksheets[1].iter_rows() for c in row}
    assert cells["李娜</text><svg onload=x>&"].data_type == "s"
    assert cells["@SUM(1+1)"].data_type == "s"
    _, pages = pdf_text(download(client, headers, "pdf", region=TOWNSHIP,
                                 week=week).get_data())
    assert "<svg onload=x>&" in "".join(pages)


def test_cli_writes_the_pdf_and_reports_on_stderr(ctx, township_week, tmp_path):  # noqa: F811
    out = tmp_path / "audit.pdf"
    week = iso_week(township_week["monday"])
    result = ctx.test_cli_runner().invoke(args=[
        "audit", "presence", "--region", TOWNSHIP, "--week", week, "--format", "pdf",
        "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"{out}: pdf, 2 posts of 2 cadres" in result.stderr
    reader, pages = pdf_text(out.read_bytes())
    assert len(reader.pages) > 1 and "在岗审计" in pages[0]


def test_cli_json_is_the_apis_json(client, township_week):  # noqa: F811
    week = iso_week(township_week["monday"])
    api = client.get(AUDIT, headers=admin_headers(client),
                     query_string={"region": TOWNSHIP, "week": week}).get_json()
    result = client.application.test_cli_runner().invoke(args=[
        "audit", "presence", "--region", TOWNSHIP, "--week", week])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed.pop("generated_at") and api.pop("generated_at")
    assert printed == api


def test_cli_refuses_cadres_bad_dates_and_missing_folders(ctx, township_week, tmp_path):  # noqa: F811
    from .helpers import make_user

    make_user("cad", "cadre", cadre_id=township_week["resident"])
    week = iso_week(township_week["monday"])
    runner = ctx.test_cli_runner()
    for args, says in (
            (["--region", TOWNSHIP, "--week", week, "--user", "cad"], "discipline office"),
            (["--region", TOWNSHIP, "--from", "0001-01-01", "--to", "0001-01-02"], "2000"),
            (["--region", TOWNSHIP, "--week", week, "-o", str(tmp_path / "no" / "a.json")],
             "no such folder")):
        result = runner.invoke(args=["audit", "presence", *args])
        assert result.exit_code != 0 and says in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_a_long_or_reversing_name_prints_whole_and_in_order(client, township_week):  # noqa: F811
    db.session.get(Cadre, township_week["resident"]).name = "\u202eRTL\u202c" + "W" * 74
    db.session.commit()
    body = client.get(AUDIT, headers=admin_headers(client), query_string={
        "region": TOWNSHIP, "week": iso_week(township_week["monday"]), "format": "pdf"}).data
    _, pages = pdf_text(body)
    text = "".join(pages)
    assert "RTL" in text and "LTR" not in text and "\u202e" not in text
    longest = max(len(run) for page in pages for run in re.findall(r"W+", page))
    assert sum(len(run) for run in re.findall(r"W+", text)) >= 74 and longest < 74
