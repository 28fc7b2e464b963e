"""`flask backup`: an online copy of the SQLite database that opens with the same rows, never
over an existing file; on PostgreSQL it points to pg_dump."""
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Ping

from .ping_helpers import phone, ping, village_points


def test_the_copy_holds_what_the_database_holds(client, ctx, tmp_path):
    _, device = phone()
    (lat, lon), _ = village_points()
    sent = client.post("/api/v1/pings", headers=device, json={"pings": [
        ping(lat, lon, minutes_ago=m) for m in (5, 65, 125)]})
    assert sent.status_code == 200, sent.get_json()
    stored = db.session.scalar(select(func.count()).select_from(Ping))
    db.session.rollback()
    target = tmp_path / "copy.db"
    result = ctx.test_cli_runner().invoke(args=["backup", str(target)])
    if db.engine.dialect.name != "sqlite":
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    copy = db.engine.dialect.dbapi.connect(str(target))
    try:
        assert copy.execute("SELECT count(*) FROM pings").fetchone()[0] == stored > 0
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        copy.close()
    again = ctx.test_cli_runner().invoke(args=["backup", str(target)])
    assert again.exit_code == 1 and "exists" in again.output
