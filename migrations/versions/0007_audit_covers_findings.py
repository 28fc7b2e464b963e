"""Finding events hash what the finding asserts as of that event (kind, subject, period,
status, summary, evidence digest).

Existing events keep `version` 1 and verify as before (their hash covers the event's own
fields). Every finding that exists now gets one version 2 "attest" event recording its
state as it stands at this upgrade, chained onto the log, so `flask audit verify` can
check every finding against its latest event from here on; what was edited before the
upgrade cannot be told apart. The hash below is frozen at version 2 on purpose: it must
stay what this revision wrote, whatever later code does.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:10:00
"""
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
NOTE = "the finding as it stood when the audit chain began to cover findings (migration 0007)"
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _digest(value) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso(value):
    return None if value is None else value.isoformat()


def _event_hash(e: dict) -> str:
    return _digest({"flag_id": e["flag_id"], "at": e["at"].isoformat(),
                    "actor_id": e["actor_id"], "action": e["action"], "from": e["from_status"],
                    "to": e["to_status"], "note": e["note"], "prev": e["prev_hash"],
                    "version": 2, "kind": e["kind"], "cadre_id": e["cadre_id"],
                    "region_code": e["region_code"], "period_start": _iso(e["period_start"]),
                    "period_end": _iso(e["period_end"]), "summary": e["summary"],
                    "evidence_sha256": e["evidence_sha256"]})


def upgrade():
    with op.batch_alter_table("flag_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("cadre_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("region_code", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("evidence_sha256", sa.String(length=64), nullable=True))
    _attest_existing_findings()


def _attest_existing_findings() -> None:
    bind = op.get_bind()
    flags = sa.table("flags", sa.column("id", ID), sa.column("kind", sa.String),
                     sa.column("cadre_id", sa.Integer), sa.column("region_code", sa.String),
                     sa.column("period_start", sa.Date), sa.column("period_end", sa.Date),
                     sa.column("status", sa.String), sa.column("summary", sa.Text),
                     sa.column("evidence", sa.JSON))
    events = sa.table("flag_events", *(sa.column(name) for name in (
        "id", "flag_id", "actor_id", "action", "from_status", "to_status", "note",
        "prev_hash", "hash", "version", "kind", "cadre_id", "region_code", "period_start",
        "period_end", "summary", "evidence_sha256")),
        sa.column("at", fieldapp.models.types.UTCDateTime()))
    head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_event_id", ID),
                    sa.column("last_hash", sa.String))
    found = bind.execute(sa.select(flags).order_by(flags.c.id)).mappings().all()
    if not found:
        return
    recorded = bind.execute(sa.select(head.c.last_hash).where(head.c.id == 1)).scalar()
    previous = recorded or GENESIS
    now = datetime.now(UTC)
    for flag in found:
        event = {"flag_id": flag["id"], "at": now, "actor_id": None, "action": "attest",
                 "from_status": flag["status"], "to_status": flag["status"], "note": NOTE,
                 "prev_hash": previous, "version": 2, "kind": flag["kind"],
                 "cadre_id": flag["cadre_id"], "region_code": flag["region_code"],
                 "period_start": flag["period_start"], "period_end": flag["period_end"],
                 "summary": flag["summary"], "evidence_sha256": _digest(flag["evidence"])}
        event["hash"] = previous = _event_hash(event)
        bind.execute(events.insert().values(**event))
    last_id = bind.execute(sa.select(sa.func.max(events.c.id))).scalar()
    if recorded is None:
        bind.execute(head.insert().values(id=1, last_event_id=last_id, last_hash=previous))
    else:
        bind.execute(head.update().where(head.c.id == 1).values(last_event_id=last_id,
                                                                last_hash=previous))


def downgrade():
    # Version 2 events cannot be removed or re-hashed without breaking the chain for good.
    events = sa.table("flag_events", sa.column("version", sa.Integer))
    written = op.get_bind().execute(sa.select(sa.func.count()).select_from(events)
                                    .where(events.c.version >= 2)).scalar()
    if written:
        raise RuntimeError(f"{written} audit events record their finding's state (version 2); "
                           "dropping those fields would break the hash chain: restore a "
                           "backup taken before 0007 instead")
    with op.batch_alter_table("flag_events", schema=None) as batch_op:
        for name in ("evidence_sha256", "summary", "period_end", "period_start",
                     "region_code", "cadre_id", "kind", "version"):
            batch_op.drop_column(name)
