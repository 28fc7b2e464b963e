"""A presence audit as a printable PDF in the reader's language (Chinese by default):
A4, a cover (subject, dates, generation time in the settings' zone, the finding log's head
hash), a summary table of townships and the whole, then a section per post: the numbers,
a day/night heat-map of the range, the findings, and for each `not_resident` or `absent`
finding a map of the village boundary with the fixes it names and the night centroids.

HTML and CSS from the template `web/templates/reports/audit.html`, rendered by
WeasyPrint with Noto CJK (Debian's fonts-noto-cjk) embedded as subsets. The cadres'
sections are laid out a batch at a time, so `progress` can follow them, and their pages
joined into one PDF numbered throughout. WeasyPrint fetches nothing: every drawing is
inline SVG, and any URL in the document is refused.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from ..config import Settings
from ..i18n import finding_summary, label
from ..services.access.scope import Scope
from ..services.audits.report_evidence import (
    MAPPED_KINDS,
    DayRecord,
    ReportEvidence,
    report_evidence,
)
from .audit_svg import (
    COLOURS,
    NOT_POSTED,
    UNEVALUATED,
    finding_map,
    heat_map,
)
from .audit_table import COLUMNS, findings_text

# Importing WeasyPrint tells Pillow, for the whole process, to accept truncated images;
# the upload checks (media/probe.py) must go on refusing them, and a report embeds no
# raster image, so the setting is put back.
ImageFile.LOAD_TRUNCATED_IMAGES = False

Progress = Callable[[Iterable, str], Iterable]
SECTIONS_PER_PART = 40  # cadres laid out at a time (WeasyPrint's work grows with a part)
SUMMARY_NUMBERS = ("posted_days", "required_days", "present_days", "no_data_days",
                   "excused_days", "required_nights", "present_nights", "no_data_nights",
                   "excused_nights", "leave_days", "unevaluated_days")
# control characters, and the bidirectional overrides and isolates a name could carry to
# print reversed (U+202A–U+202E, U+2066–U+2069)
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
FIX_COLOURS = {"not_resident": "#5f3dc4", "absent": COLOURS["absent"]}


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the audit report fetches nothing ({url[:40]})")


def audit_pdf(settings: Settings, scope: Scope, audit: dict,
              progress: Progress = lambda items, what: items) -> bytes:
    """The PDF of `audit` (as services/audits/presence_audit returns it)."""
    parts = audit_parts(settings, scope, audit, progress)
    fonts = FontConfiguration()
    documents, pages = [], 0
    for part in parts:
        document = HTML(string=part(pages + 1), url_fetcher=_no_fetch).render(
            font_config=fonts)
        documents.append(document)
        pages += len(document.pages)
    return documents[0].copy([p for d in documents for p in d.pages]).write_pdf()


def audit_html(settings: Settings, scope: Scope, audit: dict) -> str:
    """The same report as one HTML document (what a bare render of it is measured on)."""
    context = _context(settings, scope, audit)
    return _render(context, context["sections"], cover=True, first_page=1)


def audit_parts(settings: Settings, scope: Scope, audit: dict,
                progress: Progress) -> Iterable[Callable[[int], str]]:
    """The report's HTML in parts, each a function of its first page number: the cover
    and summary, then the sections a batch at a time (`progress` wraps the cadres)."""
    context = _context(settings, scope, audit)
    yield lambda first_page: _render(context, [], cover=True, first_page=first_page)
    batch: list[dict] = []
    for section in progress(context["sections"], "cadres"):
        batch.append(section)
        if len(batch) == SECTIONS_PER_PART:
            done, batch = batch, []
            yield lambda first_page, done=done: _render(context, done, cover=False,
                                                        first_page=first_page)
    if batch:
        yield lambda first_page: _render(context, batch, cover=False, first_page=first_page)


def _render(context: dict, sections: list[dict], cover: bool, first_page: int) -> str:
    """One part's HTML, without control characters (a name holding one would leave the
    PDF's text unreadable to a text extractor)."""
    return CONTROL_CHARACTERS.sub("", render_template("reports/audit.html", **{
        **context, "sections": sections, "first_page": first_page,
        "cover": context["cover"] if cover else None,
        "summary": context["summary"] if cover else None}))


def _context(settings: Settings, scope: Scope, audit: dict) -> dict:
    evidence = report_evidence(scope, audit)
    headers = {key: str(header) for key, header in COLUMNS}
    subject = (f"{audit['region_name'] or ''} {audit['region']}" if audit["region"]
               else f"{audit['rows'][0]['cadre_name'] if audit['rows'] else ''} "
                    f"{audit['cadre_id']}")
    title = f"{_('Presence audit')} {subject} {audit['from']} – {audit['to']}"
    dates = [audit["from"] + timedelta(days=i)
             for i in range((audit["to"] - audit["from"]).days + 1)]
    generated = audit["generated_at"].astimezone(settings.zone)
    return {
        "lang": str(get_locale() or "zh_CN").replace("_", "-"), "title": title,
        "headers": headers,
        "number_headers": [(key, headers[key]) for key in SUMMARY_NUMBERS],
        "colours": COLOURS,
        "legend": [(status, label("presence", status)) for status in COLOURS]
                  + [(UNEVALUATED, _("Not evaluated (no day record)"))],
        "cover": {"region": audit["region"], "region_name": audit["region_name"],
                  "cadre_id": audit["cadre_id"],
                  "cadre_name": audit["rows"][0]["cadre_name"] if audit["rows"] else None,
                  "first": audit["from"], "last": audit["to"],
                  "cadres": audit["totals"]["cadres"], "posts": audit["totals"]["posts"],
                  "generated_at": generated.strftime("%Y-%m-%d %H:%M:%S"),
                  "zone": str(settings.zone), "head_hash": evidence.head_hash},
        "summary": _summary(audit),
        "sections": [_section(row, dates, evidence) for row in audit["rows"]],
    }


def _summary(audit: dict) -> list[dict]:
    lines = [{"code": t["township_code"], "name": t["township_name"], "totals": t["totals"],
              "findings_text": findings_text(t["totals"]["findings"]), "total": False}
             for t in audit["townships"]]
    lines.append({"code": None, "name": _("Total"), "totals": audit["totals"],
                  "findings_text": findings_text(audit["totals"]["findings"]), "total": True})
    return lines


def _section(row: dict, dates: list[date], evidence: ReportEvidence) -> dict:
    records = evidence.days.get(row["assignment_id"], {})
    cells = {}
    for day in dates:
        if not row["posted_from"] <= day <= row["posted_to"]:
            cells[day] = NOT_POSTED
        elif day in records:
            cells[day] = (records[day].day_status, records[day].night_status)
        else:
            cells[day] = UNEVALUATED
    findings = [_finding(f, records, evidence)
                for f in evidence.findings.get((row["cadre_id"], row["village_code"]), [])]
    return {"row": row, "heat_map": heat_map(dates, cells, _("Day"), _("Night")),
            "findings": findings, "maps": any(f["map"] for f in findings)}


def _finding(finding, records: dict[date, DayRecord], evidence: ReportEvidence) -> dict:
    drawn = {"id": finding.id, "kind": finding.kind, "status": finding.status,
             "period_start": finding.period_start, "period_end": finding.period_end,
             "summary": finding_summary(finding.kind, finding.evidence), "map": None}
    if finding.kind not in MAPPED_KINDS:
        return drawn
    fixes = [(fix.lat, fix.lon) for fix in evidence.fixes.get(finding.id, [])]
    centroids = [(r.night_lat, r.night_lon) for day, r in sorted(records.items())
                 if finding.period_start <= day <= finding.period_end
                 and r.night_lat is not None and r.night_lon is not None]
    colour = FIX_COLOURS[finding.kind]
    drawn.update(map=finding_map(evidence.boundaries.get(finding.region_code), fixes,
                                 centroids, colour),
                 fix_colour=colour, fixes=len(fixes), centroids=len(centroids),
                 fix_label=_("Night fix") if finding.kind == "not_resident" else _("Day fix"))
    return drawn
