"""A cadre's export of their own data: one zip of their fixes, media metadata (not the
files), work reports, day records, period summaries, findings with their events and
appeals, and leave, each table as JSON and as CSV, with a README.txt in Chinese and English.

The zip is written to a temporary file on disk, table by table; the fixes are read in pages
of PAGE rows in time order, each page in a transaction of its own (SQLite's write lock is
not held while the zip is written), and each page goes to the JSON and the CSV member and
is let go — a year of fixes is never in memory. What another cadre's data a finding or an
upload check names (the earlier upload a reused photo matched) is left out, as the API
shows it to the cadre.
"""
from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO

from sqlalchemy import and_, or_, select

from ...extensions import db
from ...models import (
    Appeal,
    Finding,
    FindingEvent,
    Leave,
    MediaItem,
    Ping,
    PresenceDay,
    PresencePeriod,
    WorkReport,
)
from ..access.scope import Scope
from ..exports import csv_text
from ..findings.workflow import evidence_as_seen_by

PAGE = 5000  # rows read at once

TABLES: dict[str, tuple[type, tuple[str, ...]]] = {
    "fixes": (Ping, (
        "id", "client_id", "device_id", "recorded_at", "clock", "received_at", "lat", "lon",
        "orig_lat", "orig_lon", "crs", "accuracy", "altitude", "speed", "heading", "provider",
        "battery", "mock", "challenge_id", "village_code", "fence", "distance_m")),
    "media": (MediaItem, (
        "id", "client_id", "kind", "format", "sha256", "size_bytes", "recorded_at",
        "received_at", "lat", "lon", "crs", "accuracy", "report_id", "challenge_id",
        "taken_at", "exif_lat", "exif_lon", "make", "model", "orientation", "exif_missing",
        "width", "height", "duration_s", "codec", "village_code", "checks")),
    "work_reports": (WorkReport, (
        "id", "client_id", "kind", "occurred_at", "received_at", "summary", "household_ref",
        "lat", "lon", "orig_lat", "orig_lon", "crs", "accuracy", "village_code", "fence",
        "distance_m", "media_ids")),
    "day_records": (PresenceDay, (
        "id", "assignment_id", "region_code", "day", "day_status", "night_status", "counts",
        "first_inside_at", "last_inside_at", "night_lat", "night_lon", "night_distance_m")),
    "period_summaries": (PresencePeriod, (
        "id", "assignment_id", "region_code", "policy", "period_start", "period_end",
        "complete", "active_days", "excused_days", "required_days", "required_nights",
        "present_days", "present_nights", "no_data_days", "no_data_nights")),
    "findings": (Finding, (
        "id", "kind", "severity", "status", "region_code", "period_start", "period_end",
        "summary", "evidence", "created_at", "updated_at", "confirmed_at", "disposition")),
    "finding_events": (FindingEvent, (
        "id", "flag_id", "at", "actor_id", "action", "from_status", "to_status", "note",
        "disposition", "prev_hash", "hash")),
    "appeals": (Appeal, (
        "id", "flag_id", "text", "media_ids", "submitted_by", "submitted_at", "outcome",
        "decided_by", "decided_at", "decision_note")),
    "leave": (Leave, (
        "id", "kind", "starts_on", "ends_on", "reason", "status", "retroactive",
        "requested_at", "decided_by", "decided_at", "decision_note", "returned_at")),
}

README = """\
fieldapp：我的数据导出 / fieldapp: an export of my own data

本压缩包是您本人在 fieldapp 中的全部数据，每张表各有一个 JSON 文件和一个 CSV 文件
（CSV 以 UTF-8 BOM 开头，可直接用 Excel 打开；以 = + - @ 开头的文字前加了单引号，
以免被当作公式）。时间均为 UTC，ISO-8601 格式。
This zip holds all of your own data in fieldapp, each table as a JSON file and a CSV file (the
CSV starts with a UTF-8 byte-order mark so Excel opens it; text beginning with = + - @ has a
leading single quote so no spreadsheet runs it as a formula). Times are UTC, ISO-8601.

fixes          定位记录：每条定位的时间、坐标（WGS-84，及上传时的原始坐标和坐标系）、
               精度、围栏判定 (inside 村内 / outside 村外 / uncertain 不确定) 和到村界的
               距离。已按保存期限删除的定位不在其中。
               Location fixes: time, position (WGS-84, and as sent with its coordinate system),
               accuracy, the fence verdict and the distance to the village boundary. Fixes
               deleted at the end of their retention period are not here.
media          照片和视频的元数据（不含文件本身）：拍摄时间、位置、设备、检查结果。
               Photo and video metadata (not the files): when, where, which device, the checks.
work_reports   工作纪实：走访、会议、项目、培训等记录。
               Work records: household visits, meetings, projects, training.
day_records    每日记录：每天白天和夜间的在村判定及依据。
               Day records: each day's and night's presence status and its counts.
period_summaries  周期汇总：每周（或每月）应在村和实际在村的天数和夜数。
               Period summaries: days and nights required and present in each week or month.
findings       发现的问题及其证据和状态。 Findings about you, with their evidence and status.
finding_events 每个问题的处理记录（flag_id 对应 findings 的 id），哈希链接。
               Each finding's history (flag_id is the finding's id), hash-chained.
appeals        您的申诉及其结果（flag_id 对应 findings 的 id）。
               Your appeals and how they were decided (flag_id is the finding's id).
leave          请假和销假记录。 Your leave requests, their decisions and your return.
"""


def export_zip(scope: Scope) -> IO[bytes]:
    """The zip of the scope's cadre's own data, as a temporary file at its start."""
    cadre_id = scope.user.cadre_id
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the caller sends it, and closes it)
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", README.replace("\n", "\r\n"))
            for name, (model, columns) in TABLES.items():
                pages = (_fixes(cadre_id) if model is Ping
                         else _rows_of(scope, model, cadre_id))
                _write_pair(archive, name, columns, pages)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _write_pair(archive: zipfile.ZipFile, name: str, columns: tuple[str, ...],
                pages: Callable[[], Iterator[list]]) -> None:
    """`name`.json (an array of objects) and `name`.csv, each written page by page."""
    with archive.open(f"{name}.json", "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        text.write("[")
        first = True
        for page in pages():
            for row in page:
                text.write(("\n" if first else ",\n")
                           + json.dumps({c: _plain(row[c]) for c in columns},
                                        ensure_ascii=False))
                first = False
        text.write("\n]\n")
        text.flush()
        text.detach()
    header = csv_text(columns, [])
    with archive.open(f"{name}.csv", "w") as raw:
        raw.write(header.encode("utf-8"))
        for page in pages():
            cells = [{c: _cell(row[c]) for c in columns} for row in page]
            raw.write(csv_text(columns, cells)[len(header):].encode("utf-8"))


def _fixes(cadre_id: int) -> Callable[[], Iterator[list]]:
    columns = [getattr(Ping, c) for c in TABLES["fixes"][1]]

    def pages() -> Iterator[list]:
        query = (select(*columns).where(Ping.cadre_id == cadre_id)
                 .order_by(Ping.recorded_at, Ping.id).limit(PAGE))
        after = None
        while True:
            page = query if after is None else query.where(or_(
                Ping.recorded_at > after[0],
                and_(Ping.recorded_at == after[0], Ping.id > after[1])))
            rows = [row._mapping for row in db.session.execute(page)]
            db.session.commit()  # no transaction held between pages
            if rows:
                yield rows
            if len(rows) < PAGE:
                return
            after = (rows[-1]["recorded_at"], rows[-1]["id"])

    return pages


def _rows_of(scope: Scope, model: type, cadre_id: int) -> Callable[[], Iterator[list]]:
    """A table with a few rows per day at most: read whole, as dicts of its columns."""
    def pages() -> Iterator[list]:
        rows = [_as_seen(scope, model, item) for item in
                db.session.scalars(_query(model, cadre_id))]
        db.session.commit()
        yield rows

    return pages


def _query(model: type, cadre_id: int):
    if model in (FindingEvent, Appeal):
        own = select(Finding.id).where(Finding.cadre_id == cadre_id)
        return select(model).where(model.flag_id.in_(own)).order_by(model.id)
    return select(model).where(model.cadre_id == cadre_id).order_by(model.id)


def _as_seen(scope: Scope, model: type, item) -> dict:
    row = {column.key: getattr(item, column.key) for column in model.__table__.columns}
    if model is Finding:
        row["evidence"] = evidence_as_seen_by(scope, item)
    if model is MediaItem and isinstance((item.checks or {}).get("reuse"), dict):
        row["checks"] = {**item.checks, "reuse": {"failed": bool(item.checks["reuse"]
                                                                  .get("failed"))}}
    return row


def _plain(value):
    """A value as JSON has it: times and dates in ISO-8601."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _cell(value):
    """A value as a CSV cell: JSON text for a structure, ISO-8601 for a time."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return _plain(value)
