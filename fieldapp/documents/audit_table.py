"""A presence audit as a table: its columns with their headers in the reader's language, and
the CSV of it (through the one CSV writer, so cells are formula-safe, BOM first)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..i18n import label
from ..services.exports import csv_text

# (key in an audit row, header)
COLUMNS = [
    ("line", _l("Line")),
    ("township_code", _l("Township code")), ("township_name", _l("Township")),
    ("village_code", _l("Village code")), ("village_name", _l("Village")),
    ("cadre_id", _l("Cadre id")), ("cadre_name", _l("Name")), ("role_label", _l("Role")),
    ("unit", _l("Dispatching unit")), ("posted_from", _l("Posted from")),
    ("posted_to", _l("Posted to")), ("posted_days", _l("Posted days")),
    ("required_days", _l("Days required")), ("present_days", _l("Days present")),
    ("no_data_days", _l("Days without data")), ("excused_days", _l("Days excused")),
    ("required_nights", _l("Nights required")), ("present_nights", _l("Nights present")),
    ("no_data_nights", _l("Nights without data")), ("excused_nights", _l("Nights excused")),
    ("leave_days", _l("Leave days")), ("unevaluated_days", _l("Days not evaluated")),
    ("findings_text", _l("Findings")),
]
NUMBER_KEYS = {"cadre_id", "posted_days", "required_days", "present_days", "no_data_days",
               "excused_days", "required_nights", "present_nights", "no_data_nights",
               "excused_nights", "leave_days", "unevaluated_days"}


def findings_text(findings: dict[str, dict[str, int]]) -> str:
    """"不住村 已确认 1；…" — each kind with its counts by status, in the reader's words."""
    parts = []
    for kind in sorted(findings):
        statuses = "、".join(f"{label('status', status)} {number}"
                            for status, number in sorted(findings[kind].items()))
        parts.append(f"{label('kind', kind)} {statuses}")
    return "；".join(parts)


def table_rows(audit: dict) -> list[dict]:
    """The audit's cadre rows, then a total line per township, then the whole's total;
    each a dict over COLUMNS' keys."""
    rows = [{**row, "line": str(_l("Cadre")), "role_label": label("role", row["role"]),
             "findings_text": findings_text(row["findings"])} for row in audit["rows"]]
    for township in audit["townships"]:
        rows.append({**township["totals"], "line": str(_l("Township total")),
                     "township_code": township["township_code"],
                     "township_name": township["township_name"],
                     "findings_text": findings_text(township["totals"]["findings"])})
    rows.append({**audit["totals"], "line": str(_l("Total")),
                 "findings_text": findings_text(audit["totals"]["findings"])})
    return rows


def headers() -> list[str]:
    return [str(header) for _, header in COLUMNS]


def audit_csv(audit: dict) -> str:
    """The audit as CSV with headers in the reader's language."""
    keys = [key for key, _ in COLUMNS]
    return csv_text(headers(), ({header: row.get(key) for key, header in
                                 zip(keys, headers(), strict=True)} for row in table_rows(audit)))
