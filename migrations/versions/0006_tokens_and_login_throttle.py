"""Token versions on users (a password, role, region or active change revokes earlier
tokens) and login-throttle counters shared by every worker.

`users.token_version` is raised by triggers, not by the services, so that a change made by
any path (the API, `flask users create`, a shell, plain SQL) revokes the tokens issued
before it: on users when password_hash, role, cadre_id or active change, and on
user_regions when a region is added, removed or changed. An access token carries the
version it was issued at and is refused once the user's version has moved on.

`revoked_tokens` holds the `jti` of each token logged out before it expired;
`login_failures` counts failed logins per address and per account in fixed windows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:10:00
"""

import sqlalchemy as sa
from alembic import op

import fieldapp.models.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WATCHED_USER_COLUMNS = ("password_hash", "role", "cadre_id", "active")
BUMP_SQL = "UPDATE users SET token_version = token_version + 1 WHERE id = {row}.user_id"


def _create_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in WATCHED_USER_COLUMNS)
        op.execute("CREATE FUNCTION users_token_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN IF {changed} THEN NEW.token_version = OLD.token_version + 1; "
                   "END IF; RETURN NEW; END $$")
        op.execute("CREATE TRIGGER users_token_version BEFORE UPDATE ON users "
                   "FOR EACH ROW EXECUTE FUNCTION users_token_version()")
        op.execute("CREATE FUNCTION user_regions_token_version() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN "
                   "IF TG_OP <> 'INSERT' THEN " + BUMP_SQL.format(row="OLD") + "; END IF; "
                   "IF TG_OP <> 'DELETE' THEN " + BUMP_SQL.format(row="NEW") + "; END IF; "
                   "RETURN NULL; END $$")
        op.execute("CREATE TRIGGER user_regions_token_version AFTER INSERT OR UPDATE OR DELETE "
                   "ON user_regions FOR EACH ROW EXECUTE FUNCTION user_regions_token_version()")
        return
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in WATCHED_USER_COLUMNS)
    op.execute(f"CREATE TRIGGER users_token_version AFTER UPDATE OF "
               f"{', '.join(WATCHED_USER_COLUMNS)} ON users WHEN {changed} BEGIN "
               "UPDATE users SET token_version = token_version + 1 WHERE id = NEW.id; END")
    op.execute("CREATE TRIGGER user_regions_insert_token_version AFTER INSERT ON user_regions "
               f"BEGIN {BUMP_SQL.format(row='NEW')}; END")
    op.execute("CREATE TRIGGER user_regions_delete_token_version AFTER DELETE ON user_regions "
               f"BEGIN {BUMP_SQL.format(row='OLD')}; END")
    op.execute("CREATE TRIGGER user_regions_update_token_version AFTER UPDATE ON user_regions "
               f"BEGIN {BUMP_SQL.format(row='OLD')}; {BUMP_SQL.format(row='NEW')}; END")


def _drop_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("DROP TRIGGER user_regions_token_version ON user_regions")
        op.execute("DROP FUNCTION user_regions_token_version()")
        op.execute("DROP TRIGGER users_token_version ON users")
        op.execute("DROP FUNCTION users_token_version()")
        return
    for name in ("users_token_version", "user_regions_insert_token_version",
                 "user_regions_delete_token_version", "user_regions_update_token_version"):
        op.execute(f"DROP TRIGGER {name}")


def upgrade():
    # ADD COLUMN, not a table rebuild: on SQLite batch mode alters users in place.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_version", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", fieldapp.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_revoked_tokens_user",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("jti"),
    )
    with op.batch_alter_table("revoked_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revoked_tokens_user_id"), ["user_id"])
        batch_op.create_index(batch_op.f("ix_revoked_tokens_expires_at"), ["expires_at"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_ends", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_ends"),
    )
    _create_triggers(op.get_bind().dialect.name)


def downgrade():
    _drop_triggers(op.get_bind().dialect.name)
    op.drop_table("login_failures")
    with op.batch_alter_table("revoked_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_tokens_expires_at"))
        batch_op.drop_index(batch_op.f("ix_revoked_tokens_user_id"))
    op.drop_table("revoked_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("token_version")
