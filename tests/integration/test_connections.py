"""PostgreSQL connections lost to a server restart: tested before use after sitting idle,
and a phone's ping tried once more on a fresh connection when one was lost mid-request."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from fieldapp import create_app
from fieldapp.db.connections import autocommit_connection, fetch_on_driver_cursor
from fieldapp.db.engines import AUTOCOMMIT_ENGINE
from fieldapp.extensions import db
from fieldapp.models import Ping, Region
from fieldapp.services.people import registry as people

from .helpers import VILLAGE, login, make_cadre, make_user


@pytest.fixture()
def postgres(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("only PostgreSQL connections can be lost")
    return database_url


def app_with(url: str, tmp_path, ping_idle_s: float):
    """An app of its own; it keeps every fix (track), since these tests count them stored."""
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "x" * 40, "TESTING": True,
                       "UPLOAD_DIR": str(tmp_path), "DB_PING_IDLE_S": ping_idle_s,
                       "COLLECTION": "track"})


def restart_server_connections(url: str) -> int:
    """End every other session on the database, as a server restart would. The tests' own
    pool, which is not under test, starts afresh."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        ended = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    engine.dispose()
    db.engine.dispose()
    current_app.extensions[AUTOCOMMIT_ENGINE].dispose()
    return ended


def a_ping() -> dict:
    inside = to_shape(db.session.get(Region, VILLAGE).boundary).representative_point()
    moment = datetime.now(UTC) - timedelta(minutes=5)
    return {"id": str(uuid.uuid4()), "recorded_at": moment.isoformat(), "lat": inside.y,
            "lon": inside.x, "accuracy": 10}


def test_a_ping_on_a_lost_connection_is_tried_once_more(ctx, postgres, tmp_path):
    cadre = make_cadre()
    _, token = people.create_device(cadre.id)
    first, second = a_ping(), a_ping()
    db.session.commit()
    phone_app = app_with(postgres, tmp_path, ping_idle_s=3600)  # never tested before use
    phone = phone_app.test_client()
    headers = {"Authorization": f"Device {token}"}
    assert phone.post("/api/v1/pings", json=first, headers=headers).status_code == 200
    with phone_app.app_context():  # the pool holds several connections, all to be lost
        held = [autocommit_connection() for _ in range(3)]
        for conn in held:
            conn.exec_driver_sql("SELECT 1")
            conn.close()
    db.session.close()
    assert restart_server_connections(postgres) >= 1
    answer = phone.post("/api/v1/pings", json=second, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["accepted"] == 1
    assert db.session.scalar(select(func.count()).select_from(Ping)) == 2


def test_an_idle_connection_is_tested_before_use(ctx, postgres, tmp_path):
    make_user("admin9", "admin")
    db.session.commit()
    reader = app_with(postgres, tmp_path, ping_idle_s=0).test_client()
    headers = login(reader, "admin9")
    assert reader.get("/api/v1/cadres", headers=headers).status_code == 200
    db.session.close()
    assert restart_server_connections(postgres) >= 1
    assert reader.get("/api/v1/cadres", headers=headers).status_code == 200


def test_a_failed_statement_leaves_the_kept_cursor_usable(ctx):
    """The ping INSERT's cursor is kept with its pooled connection: a statement that fails
    without losing the connection is raised as SQLAlchemy's and the next one still runs."""
    with autocommit_connection() as conn:
        with pytest.raises(DBAPIError) as failed:
            fetch_on_driver_cursor(conn, text("SELECT * FROM no_such_table"), {})
        assert not failed.value.connection_invalidated
        assert fetch_on_driver_cursor(conn, text("SELECT CAST(:n AS integer)"), {"n": 7}) == [(7,)]
        assert not conn.invalidated
