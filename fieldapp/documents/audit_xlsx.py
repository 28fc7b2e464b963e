"""A presence audit as an XLSX workbook: a summary sheet first (each township's totals and
the whole's), then a sheet per township with its cadres' rows and its total. Headers are
audit_table's, in the reader's language; numbers are numbers, dates are dates, codes stay
text; the header row is frozen and columns are as wide as what they hold.

No text cell can run: every cell holding text is written as a string cell (openpyxl would
otherwise make any text starting with "=" a formula), and characters XML cannot carry are
dropped.
"""
from __future__ import annotations

import io
import re
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .audit_table import COLUMNS, NUMBER_KEYS, table_rows

SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SUMMARY_SKIPS = {"village_code", "village_name", "cadre_id", "cadre_name", "role_label", "unit",
                 "posted_from", "posted_to"}  # cadre columns, empty on a total line
PLACE_KEYS = ("line", "township_code", "township_name")
WIDTH_MAX = 48
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F1F3F5")
TOTAL_FONT = Font(bold=True)


def audit_xlsx(audit: dict) -> bytes:
    """The workbook's bytes."""
    lines = table_rows(audit)
    cadre_lines = lines[:len(audit["rows"])]
    totals = lines[len(audit["rows"]):]  # a line per township, then the whole
    book = Workbook()
    summary = book.active
    taken: set[str] = set()
    summary.title = sheet_name(_("Totals"), taken)
    place_columns, numbers = [], []
    for key, header in COLUMNS:
        if key not in SUMMARY_SKIPS:
            (place_columns if key in PLACE_KEYS else numbers).append((key, header))
    summary_columns = [*place_columns, ("cadres", _("Cadres")), ("posts", _("Posts")),
                       *numbers]
    _fill(summary, summary_columns, totals, bold_from=len(totals) - 1)
    for township, total in zip(audit["townships"], totals, strict=False):
        code = township["township_code"]
        sheet = book.create_sheet(sheet_name(f"{township['township_name'] or ''} {code}",
                                             taken))
        rows = [line for line in cadre_lines if line["township_code"] == code]
        _fill(sheet, COLUMNS, [*rows, total], bold_from=len(rows))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(wanted: str, taken: set[str]) -> str:
    """`wanted` as a valid sheet name (≤31 characters, none of []:*?/\\, not starting or
    ending with an apostrophe) that no name in `taken` equals ignoring case; added to
    `taken`."""
    base = SHEET_NAME_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", wanted)).strip()
    base = base.strip("'").strip() or "sheet"
    name, n = base[:SHEET_NAME_MAX], 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def _fill(sheet: Worksheet, columns, lines: list[dict], bold_from: int) -> None:
    headers = [str(header) for _, header in columns]
    widths = [_width(h) for h in headers]
    for c, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=c)
        _put(cell, header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, line in enumerate(lines, start=2):
        for c, (key, _header) in enumerate(columns, start=1):
            cell = sheet.cell(row=r, column=c)
            value = line.get(key)
            _put(cell, value, number=key in NUMBER_KEYS or key in ("cadres", "posts"))
            if r - 2 >= bold_from:
                cell.font = TOTAL_FONT
            widths[c - 1] = max(widths[c - 1], _width(cell.value))
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(width + 2, WIDTH_MAX)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(lines) + 1, 1)}"


def _put(cell, value, number: bool = False) -> None:
    """A number as a number, a date as a date, anything else as a string cell."""
    if value is None:
        return
    if isinstance(value, bool):
        value = str(value)
    if number and isinstance(value, int):
        cell.value = value
        return
    if isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
        return
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.data_type = "s"  # never "f": text is never a formula


def _width(value) -> int:
    """Columns wide enough for `value`: CJK characters count two."""
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
