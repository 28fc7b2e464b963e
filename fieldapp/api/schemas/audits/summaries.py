"""Request and response schemas of region summaries and rankings."""
from marshmallow import Schema, fields, validate

from ....services.audits.rankings import CONFIRMED, LEVELS
from ....services.presence.region_summary import NOT_LIVE
from .. import CODE, DateRange, Month, Week

LIVE_TEXT = (f"an absent or not_resident finding whose status is not {', '.join(NOT_LIVE)} "
             "(open, in_review, confirmed, escalated, appealed, appeal_rejected and disposed "
             "count)")
CONFIRMED_TEXT = f"status {', '.join(CONFIRMED)}"


class RangeArgs(DateRange):
    week = Week(metadata={"example": "2026-W47"})
    month = Month(metadata={"example": "2026-11"})


class SummaryArgs(RangeArgs):
    region = fields.String(required=True, validate=CODE, metadata={
        "description": "a county (one entry per township), a township (one per village) "
                       "or a village (itself)"})


class RankingArgs(RangeArgs):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS), metadata={
        "description": "rank townships, or dispatching units (派出单位)"})
    region = fields.String(validate=CODE, metadata={
        "description": "count only posts under this county or township"})


class WeekTrend(Schema):
    week = fields.String(metadata={"example": "2026-W47"})
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    cadres_with_attendance_findings = fields.Integer(metadata={
        "description": f"cadres with {LIVE_TEXT} whose period meets the week"})
    findings = fields.Integer(metadata={
        "description": "findings of any kind and status whose period meets the week (a "
                       "finding over a month counts in each of its weeks)"})


class SummaryNumbers(Schema):
    cadres = fields.Integer(metadata={"description": "cadres posted here during the range"})
    cadres_without_attendance_findings = fields.Integer(metadata={
        "description": f"cadres without {LIVE_TEXT} meeting the range"})
    share_without_attendance_findings = fields.Float(allow_none=True, metadata={
        "description": "cadres_without_attendance_findings ÷ cadres, to four decimals; null "
                       "with nobody posted"})
    findings = fields.Dict(keys=fields.String(), values=fields.Dict(
        keys=fields.String(), values=fields.Integer()), metadata={
        "description": "{kind: {status: count}} of the findings the reader may see whose "
                       "period meets the range"})
    weekly = fields.List(fields.Nested(WeekTrend), metadata={
        "description": "every ISO week meeting the range, in order"})


class SummaryEntry(SummaryNumbers):
    code = fields.String()
    name = fields.String()


class SummaryOut(Schema):
    region = fields.String()
    region_name = fields.String()
    level = fields.String(metadata={"description": "county, township or village"})
    entry_level = fields.String(metadata={"description": "what each entry is"})
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    entries = fields.List(fields.Nested(SummaryEntry), metadata={
        "description": "ordered by code; the region itself first when posts lie on it"})
    totals = fields.Nested(SummaryNumbers)


class RankedEntry(Schema):
    code = fields.String(allow_none=True, metadata={"description": "township code; null "
                                                    "for a unit"})
    name = fields.String(allow_none=True, metadata={"description": "township or unit name"})
    cadres = fields.Integer()
    cadres_with_confirmed_findings = fields.Integer(metadata={
        "description": f"cadres with an absent or not_resident finding of {CONFIRMED_TEXT} "
                       "whose period meets the range"})
    share = fields.Float(metadata={"description": "cadres_with_confirmed_findings ÷ cadres, "
                                                  "to four decimals"})
    rank = fields.Integer(metadata={"description": "1 + the entries with a better share "
                                                   "(lower on the red list, higher on the "
                                                   "black list)"})
    tied = fields.Boolean(metadata={"description": "another entry ranked has the same share "
                                                   "(ordered then by code or name)"})


class RankingsOut(Schema):
    level = fields.String()
    region = fields.String(allow_none=True)
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    formula = fields.String()
    formula_zh = fields.String(metadata={"description": "the formula in Chinese"})
    confirmed_statuses = fields.List(fields.String())
    list_length = fields.Integer(metadata={
        "description": "FIELDAPP_RANKING_LIST_LENGTH, or half the entries ranked when fewer "
                       "than twice that"})
    ranked = fields.Integer(metadata={"description": "entries with a cadre posted"})
    cadres_without_unit = fields.Integer(metadata={
        "description": "level=unit: cadres posted with no unit recorded, not ranked"})
    red_list = fields.List(fields.Nested(RankedEntry), metadata={
        "description": "lowest shares first (best)"})
    black_list = fields.List(fields.Nested(RankedEntry), metadata={
        "description": "highest shares first; only entries with a confirmed finding"})
