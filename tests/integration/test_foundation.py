"""Schema, health, docs and the error shape, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from fieldapp.db.engines import SpatialBackendError, check_spatial_backend


def test_migrated_schema_matches_models(ctx):
    import importlib.util
    from pathlib import Path

    from fieldapp.extensions import db

    env = importlib.util.spec_from_file_location(
        "fieldapp_migrations_filter", Path(__file__).parents[2] / "migrations" / "filters.py")
    filters = importlib.util.module_from_spec(env)
    env.loader.exec_module(filters)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_object": filters.include_object(db.metadata, conn.dialect.name),
            "compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_autocommit_connection_commits_each_statement_and_holds_no_lock(ctx):
    """The ingest path's connection: a write is visible to others at once, and while it is
    open between statements another connection can still write (no SQLite write lock)."""
    from fieldapp.db.connections import autocommit_connection
    from fieldapp.extensions import db

    add = text("INSERT INTO cadres (name, role, created_at) "
               "VALUES (:name, 'team_member', CURRENT_TIMESTAMP)")
    with autocommit_connection() as conn:
        conn.execute(add, {"name": "a"})
        with db.engine.begin() as other:
            assert other.execute(text("SELECT count(*) FROM cadres")).scalar() == 1
            other.execute(add, {"name": "b"})
        conn.execute(text("SELECT count(*) FROM cadres")).scalar()
        with db.engine.begin() as other:  # the read above left no transaction open
            other.execute(add, {"name": "c"})
    assert db.session.execute(text("SELECT count(*) FROM cadres")).scalar() == 3


def test_health_and_readiness(client, backend):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ready"
    assert ready["database"].startswith("SpatiaLite" if backend == "spatialite" else "PostGIS")


def test_openapi_and_docs(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "fieldapp"
    assert "/api/v1/auth/token" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_every_error_has_one_shape(client):
    for response, status in ((client.get("/api/v1/nowhere"), 404),
                             (client.get("/api/v1/cadres"), 401),
                             (client.delete("/api/v1/auth/token"), 405),
                             (client.post("/api/v1/auth/token", data="{not json",
                                          content_type="application/json"), 400),
                             (client.post("/api/v1/auth/token", json={"username": 3}), 422)):
        body = response.get_json()
        assert set(body) == {"code", "status", "message", "errors"}, body
        assert body["code"] == response.status_code == status


def test_wrong_field_types_name_the_field(client):
    body = client.post("/api/v1/auth/token", json={"username": 3}).get_json()
    assert body["code"] == 422
    assert "username" in body["errors"] and "password" in body["errors"]


def test_oversized_json_is_413(client):
    huge = "x" * (3 * 1024 * 1024)
    response = client.post("/api/v1/auth/token", data=huge, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["code"] == 413


def test_postgres_without_postgis_says_what_to_install(postgres_admin_url):
    engine = create_engine(postgres_admin_url)  # the maintenance database, without PostGIS
    try:
        check_spatial_backend(engine)
    except SpatialBackendError as exc:
        assert "CREATE EXTENSION postgis" in str(exc)
    else:
        raise AssertionError("expected the maintenance database to lack PostGIS")


def test_missing_spatialite_says_what_to_install(tmp_path, monkeypatch):
    from fieldapp.db.engines import engine_options

    monkeypatch.setenv("SPATIALITE_LIBRARY_PATH", "/nonexistent/mod_spatialite")
    url, options = engine_options(f"sqlite:///{tmp_path / 'x.db'}")
    engine = create_engine(url, **options)
    try:
        check_spatial_backend(engine)
    except SpatialBackendError as exc:
        assert "apt-get install libsqlite3-mod-spatialite" in str(exc)
    else:
        raise AssertionError("expected SpatiaLite to fail to load")


def test_sqlite_connections_keep_wal_foreign_keys_and_the_checkpoint_setting(ctx):
    import pytest

    from fieldapp.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "foreign_keys", "wal_autocheckpoint")}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1,
                       "wal_autocheckpoint": ctx.config["SQLITE_CHECKPOINT_PAGES"]}
