"""Phone enrolment: one-time enrolment codes, and phones registered by logging in.

`phone_enrolments` holds each one-time code (its SHA-256 digest only) made for a cadre, the
device made with it, who made it, until when it may be redeemed, and when it was and which
device redeeming registered.

`devices.user_id` and `devices.user_token_version` name the login a phone was registered
by (POST /api/v1/auth/device) and that user's token version then; such a device is refused
once the version has moved on (password, role, cadre, active flag or regions changed) or
the user is disabled. Workers cache device senders under the sender version (migration
0005), so a trigger raises it whenever a user's token version changes.

On SQLite the columns are added and dropped with ALTER TABLE: rebuilding devices (batch
mode) would drop its sender-version triggers.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:30:00
"""
import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BUMP = "UPDATE sender_version SET version = version + 1"


def _create_trigger(dialect: str) -> None:
    if dialect == "postgresql":  # raise_sender_version() is migration 0005's
        op.execute("CREATE TRIGGER users_sender_version AFTER UPDATE ON users FOR EACH ROW "
                   "WHEN (NEW.token_version IS DISTINCT FROM OLD.token_version) "
                   "EXECUTE FUNCTION raise_sender_version()")
        return
    op.execute("CREATE TRIGGER users_sender_version AFTER UPDATE ON users "
               f"WHEN NEW.token_version IS NOT OLD.token_version BEGIN {BUMP}; END")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("devices", sa.Column("user_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_devices_user", "devices", "users", ["user_id"], ["id"])
    else:  # ALTER TABLE keeps the table, and so its triggers; batch mode would rebuild it
        op.execute("ALTER TABLE devices ADD COLUMN user_id INTEGER "
                   "CONSTRAINT fk_devices_user REFERENCES users (id)")
    op.add_column("devices", sa.Column("user_token_version", sa.Integer(), nullable=True))
    op.create_index("ix_devices_user_id", "devices", ["user_id"])
    op.create_table(
        "phone_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.Column("redeemed_at", fieldapp.models.types.UTCDateTime(), nullable=True),
        sa.Column("redeemed_device_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name="fk_phone_enrolments_cadre"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name="fk_phone_enrolments_device"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name="fk_phone_enrolments_creator"),
        sa.ForeignKeyConstraint(["redeemed_device_id"], ["devices.id"],
                                name="fk_phone_enrolments_redeemed_device"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("phone_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_enrolments_cadre_id"), ["cadre_id"])
    _create_trigger(op.get_bind().dialect.name)


def downgrade():
    dialect = op.get_bind().dialect.name
    op.execute("DROP TRIGGER users_sender_version" + (" ON users" if dialect == "postgresql"
                                                       else ""))
    with op.batch_alter_table("phone_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_enrolments_cadre_id"))
    op.drop_table("phone_enrolments")
    op.drop_index("ix_devices_user_id", table_name="devices")
    if dialect == "postgresql":
        op.drop_constraint("fk_devices_user", "devices", type_="foreignkey")
    for column in ("user_token_version", "user_id"):  # SQLite ≥ 3.35: no rebuild either
        op.execute(f"ALTER TABLE devices DROP COLUMN {column}")
