"""Shared fixtures: the app on a real SpatiaLite file and a real PostGIS database.

Every integration test runs once per backend (`--db spatialite,postgis`, both by default).
The schema is built by the Alembic migrations, the demo county's boundaries are loaded once
per backend, and every other table is emptied after each test.

The app under test is the one deployed, with the device fast path on. A test marked
`device_paths` runs twice: with that app, and with a second app on the same database that
has the fast path off, so a phone's ping goes through the plain Flask route
(`fast_path_only` keeps a test about the fast path itself to the first).
"""
from __future__ import annotations

import contextvars
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKENDS = ("spatialite", "postgis")


def pytest_addoption(parser):
    parser.addoption("--db", default=",".join(BACKENDS),
                     help="comma-separated backends to run integration tests on")


def _chosen_backends(config) -> list[str]:
    return [b for b in config.getoption("--db").split(",") if b]


DEVICE_PATHS = {"fast-path": "fast_path_app", "flask-route": "flask_route_app"}


def pytest_configure(config):
    config.addinivalue_line("markers", "device_paths: run once with the device fast path "
                                       "on and once with it off (the plain Flask route)")
    config.addinivalue_line("markers", "fast_path_only: run with the device fast path on "
                                       "only (the test is about that path)")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _chosen_backends(metafunc.config), scope="session")
    fast_only = metafunc.definition.get_closest_marker("fast_path_only")
    both = metafunc.definition.get_closest_marker("device_paths")
    if (fast_only or both) and "app" in metafunc.fixturenames:
        paths = ["fast-path"] if fast_only else list(DEVICE_PATHS)
        metafunc.parametrize("app", [DEVICE_PATHS[p] for p in paths], ids=paths, indirect=True)


@pytest.fixture(scope="session")
def postgres_admin_url(request) -> str:
    if "postgis" not in _chosen_backends(request.config):
        pytest.skip("--db leaves PostGIS out")
    url = os.environ.get("FIELDAPP_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("FIELDAPP_TEST_POSTGRES_URL is not set: run the suite with scripts/test.sh, "
                    "or pass --db spatialite")
    return url


def _postgis_database(admin_url: str):
    name = f"fieldapp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name)
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("CREATE EXTENSION postgis"))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


@contextmanager
def empty_database(backend: str, folder: Path, request):
    """An empty database of `backend`: a SpatiaLite file in `folder`, or a PostGIS database
    of its own, dropped afterwards."""
    if backend == "spatialite":
        yield f"sqlite:///{folder / 'fieldapp.db'}"
        return
    url, drop = _postgis_database(request.getfixturevalue("postgres_admin_url"))
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory, request):
    with empty_database(backend, tmp_path_factory.mktemp("spatialite"), request) as url:
        yield url


def _create_app(database_url: str, upload_dir: str, **settings):
    from fieldapp import create_app

    app = create_app({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "UPLOAD_DIR": upload_dir,
        "TESTING": True,
        **settings,
    })
    app.test_client_class = FreshContextClient
    app.test_cli_runner_class = FreshContextCliRunner
    return app


def _dispose(app) -> None:
    from fieldapp.db.engines import AUTOCOMMIT_ENGINE
    from fieldapp.extensions import db

    with app.app_context():
        db.engine.dispose()
        app.extensions[AUTOCOMMIT_ENGINE].dispose()


@pytest.fixture(scope="session")
def fast_path_app(database_url, tmp_path_factory):
    """The app as deployed, on a migrated database holding the demo county's boundaries."""
    from flask_migrate import upgrade

    from fieldapp.services.geodata.boundaries import import_features, load_features
    from fieldapp.services.people.demo import FILES

    app = _create_app(database_url, str(tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        upgrade()
        for level, path, code_field in FILES:
            assert import_features(load_features(path), level, code_field=code_field).ok
    yield app
    _dispose(app)


@pytest.fixture(scope="session")
def flask_route_app(fast_path_app, database_url):
    """The same database and upload folder with DEVICE_FAST_PATH off: a device's ping goes
    through the Flask route."""
    from fieldapp.api.ingest.fast_path import DevicePingFastPath

    app = _create_app(database_url, fast_path_app.config["UPLOAD_DIR"], DEVICE_FAST_PATH=False)
    assert not isinstance(app.wsgi_app, DevicePingFastPath)
    assert isinstance(fast_path_app.wsgi_app, DevicePingFastPath)
    yield app
    _dispose(app)


@pytest.fixture()
def app(request, fast_path_app):
    """The app under test: `fast_path_app`, or for a `device_paths` test each of the two."""
    return request.getfixturevalue(request.param) if hasattr(request, "param") else fast_path_app


@pytest.fixture()
def ctx(app):
    """An app context; afterwards every table but the demo county's regions is emptied,
    and the upload folder too."""
    from fieldapp.extensions import db

    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        _empty_tables(db)
        for entry in Path(app.config["UPLOAD_DIR"]).iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def _empty_tables(db) -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name == "sender_version":  # its one row is schema, not data
                continue
            if table.name == "regions":
                conn.execute(text("DELETE FROM regions WHERE code NOT LIKE '410922%'"))
            else:
                conn.execute(table.delete())


@pytest.fixture()
def configure(ctx, monkeypatch):
    """`configure(KEY=value, ...)` changes settings for one test: the Flask config and the
    frozen settings the services are handed, which are built from it."""
    from fieldapp.config import SETTINGS_KEY, Settings

    def change(**values):
        for key, value in values.items():
            monkeypatch.setitem(ctx.config, key, value)
        monkeypatch.setitem(ctx.extensions, SETTINGS_KEY, Settings.from_config(ctx.config))

    return change


class FreshContextClient(FlaskClient):
    """Each request runs as a real one does: Flask pushes an app context of its own for it,
    with its own db.session, removed at its teardown. Nothing the test holds is shared with
    the request, and nothing is committed on its behalf.

    The request runs in an empty `contextvars.Context`, so the test's app context (if any)
    is not current there. The test's own session first ends its transaction (rolled back:
    a test commits its own setup data): on SQLite it began with BEGIN IMMEDIATE, and the
    write lock it holds would stall the request. Worker threads, which have no app
    context, skip that step.
    """

    def open(self, *args, **kwargs):
        from fieldapp.extensions import db

        if has_app_context():
            db.session.rollback()
        return contextvars.Context().run(super().open, *args, **kwargs)

    def __enter__(self):
        raise TypeError("`with client:` keeps a request's context for the test; here each "
                        "request has its own")


class FreshContextCliRunner(FlaskCliRunner):
    """A command runs as `flask <command>` does, in an app context and session of its own
    (Flask would reuse the test's app context, and with it the test's session)."""

    def invoke(self, *args, **kwargs):
        from fieldapp.extensions import db

        if has_app_context():
            db.session.rollback()
        return contextvars.Context().run(super().invoke, *args, **kwargs)


@pytest.fixture()
def client(ctx):
    return ctx.test_client()
