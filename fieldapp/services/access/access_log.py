"""The access log: every read of a person's location or evidence by someone else, and who
may read the log ("who looked at me").

What is logged, by the api modules: pings, presence, media (list, item, file, thumbnail),
work reports (the list, with or without cadre_id, and the monthly record as JSON or the CSV
export), leave (list and item) and a finding's dossier. A read about one cadre is one
entry; a list that spans cadres is one entry per cadre whose rows the page returned
(`log_reads`, with those rows' ids), so each cadre finds every read of their data by their
own id. A cadre reading their own data is not logged.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select

from ...errors import Forbidden, NotFound
from ...extensions import db
from ...models import AccessLog, Cadre, User
from ..rows import in_time_range, where_equal
from .scope import Scope

READERS = ("admin", "discipline", "cadre")


def log_access(viewer: User, cadre_id: int, resource: str, params: dict) -> None:
    """Record a read of `cadre_id`'s data unless the reader is that cadre (404 for a cadre
    that does not exist: there is nobody whose data was read)."""
    if viewer.cadre_id == cadre_id:
        return
    if db.session.get(Cadre, cadre_id) is None:
        raise NotFound(f"cadre {cadre_id} not found")
    db.session.add(AccessLog(viewer_user_id=viewer.id, subject_cadre_id=cadre_id,
                             resource=resource, params=_jsonable(params)))
    _commit_keeping_rows()


def log_reads(viewer: User, resource: str, rows: Iterable[tuple[int, int]], params: dict,
              asked_cadre: int | None = None) -> None:
    """Record one read per cadre among `rows` ((cadre_id, row id) of what was returned),
    each with the ids of that cadre's rows; `asked_cadre`, a cadre the caller named, is
    recorded even when none of their rows came back."""
    ids: dict[int, list[int]] = {}
    if asked_cadre is not None and db.session.get(Cadre, asked_cadre) is not None:
        ids[asked_cadre] = []
    for cadre_id, row_id in rows:
        ids.setdefault(cadre_id, []).append(row_id)
    base = _jsonable(params)
    entries = [{"viewer_user_id": viewer.id, "subject_cadre_id": cadre_id,
                "resource": resource, "params": {**base, "ids": row_ids}}
               for cadre_id, row_ids in sorted(ids.items()) if cadre_id != viewer.cadre_id]
    if entries:  # one executemany, not an INSERT … RETURNING per entry (SQLite's driver)
        db.session.execute(insert(AccessLog), entries)
        _commit_keeping_rows()


def reads_query(scope: Scope, filters: dict):
    """The reads the caller may see, newest first: admins every read, discipline users the
    reads of cadres posted in their regions, a cadre the reads of their own data.
    Filters: cadre_id (whose data), viewer (the reader's user id), from/to (when)."""
    role = scope.user.role
    if role not in READERS:
        raise Forbidden("the access log is for admins, discipline users and, about "
                        "themselves, cadres")
    query = select(AccessLog).where(scope.cadre_clause(AccessLog.subject_cadre_id))
    query = where_equal(query, filters, {"cadre_id": AccessLog.subject_cadre_id,
                                         "viewer": AccessLog.viewer_user_id})
    query = in_time_range(query, AccessLog.at, filters)
    return query.order_by(AccessLog.at.desc(), AccessLog.id.desc())


def _commit_keeping_rows() -> None:
    """Commit the entries without expiring the rows this request has read, so answering
    with a page of them does not read each row again."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def _jsonable(params: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in params.items()}
