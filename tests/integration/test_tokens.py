"""Tokens die: a password, role, region, cadre or active change revokes every earlier token
(the user's token version, raised by triggers, checked on every request), and logout revokes
the one in use."""
from datetime import timedelta

from flask_jwt_extended import create_access_token
from sqlalchemy import text

from fieldapp.extensions import db

from .helpers import (
    PASSWORD,
    TOWNSHIP,
    admin_headers,
    at_once,
    cadre_login,
    login,
    make_user,
)

ME = "/api/v1/cadres"


def assert_revoked(response):
    assert response.status_code == 401
    assert response.get_json()["message"] == "token has been revoked"


def patch_user(client, admin, user_id, **changes):
    response = client.patch(f"/api/v1/users/{user_id}", json=changes, headers=admin)
    assert response.status_code == 200, response.get_json()


def test_a_password_change_revokes_earlier_tokens(client):
    admin = admin_headers(client)
    user = make_user("changer", "admin")
    old, other_session = login(client, "changer"), login(client, "changer")
    patch_user(client, admin, user.id, password="a-new-long-password")
    assert_revoked(client.get(ME, headers=old))
    assert_revoked(client.get(ME, headers=other_session))
    fresh = login(client, "changer", "a-new-long-password")
    assert client.get(ME, headers=fresh).status_code == 200


def test_disabling_revokes_even_after_re_enabling(client):
    admin = admin_headers(client)
    user = make_user("paused", "admin")
    old = login(client, "paused")
    patch_user(client, admin, user.id, active=False)
    assert client.get(ME, headers=old).status_code == 401
    patch_user(client, admin, user.id, active=True)
    assert_revoked(client.get(ME, headers=old))
    assert client.get(ME, headers=login(client, "paused")).status_code == 200


def test_a_role_change_revokes(client):
    admin = admin_headers(client)
    user = make_user("promoted", "inspector", regions=[TOWNSHIP])
    old = login(client, "promoted")
    patch_user(client, admin, user.id, role="admin")
    assert_revoked(client.get(ME, headers=old))


def test_a_region_change_revokes(client):
    admin = admin_headers(client)
    user = make_user("moved", "inspector", regions=[TOWNSHIP])
    old = login(client, "moved")
    patch_user(client, admin, user.id, regions=["410922200"])
    assert_revoked(client.get(ME, headers=old))
    assert client.get(ME, headers=login(client, "moved")).status_code == 200


def test_an_unrelated_change_keeps_tokens(client):
    """Only what a token was issued for revokes it: the same regions again do not."""
    admin = admin_headers(client)
    user = make_user("steady", "inspector", regions=[TOWNSHIP])
    old = login(client, "steady")
    patch_user(client, admin, user.id, role="inspector")
    assert client.get(ME, headers=old).status_code == 200


def test_a_change_in_plain_sql_revokes(client):
    """The version is raised by the database, whatever path changes the row."""
    user = make_user("sql-user", "admin")
    old = login(client, "sql-user")
    db.session.execute(text("UPDATE users SET password_hash = 'x' WHERE id = :id"),
                       {"id": user.id})
    db.session.commit()
    assert_revoked(client.get(ME, headers=old))


def test_a_cadre_token_dies_on_the_sending_path_too(client):
    admin = admin_headers(client)
    cadre, headers = cadre_login(client)
    user_id = db.session.scalar(text("SELECT id FROM users WHERE cadre_id = :c"),
                                {"c": cadre.id})
    patch_user(client, admin, user_id, password="another-long-password")
    assert_revoked(client.post("/api/v1/pings", json={"pings": []}, headers=headers))


def test_logout_revokes_the_token_in_use_only(client):
    make_user("leaver", "admin")
    phone, laptop = login(client, "leaver"), login(client, "leaver")
    response = client.post("/api/v1/auth/logout", headers=phone)
    assert response.status_code == 204
    assert_revoked(client.get(ME, headers=phone))
    assert_revoked(client.post("/api/v1/auth/logout", headers=phone))
    assert client.get(ME, headers=laptop).status_code == 200


def test_the_same_logout_twice_at_once_stores_one_revocation(client):
    """A phone that retries its logout: both answers are a logout or its token's 401."""
    make_user("twice", "admin")
    phone = login(client, "twice")
    db.session.rollback()
    answers = at_once(lambda: client.post("/api/v1/auth/logout", headers=phone).status_code,
                      times=2)
    assert sorted(answers) in ([204, 204], [204, 401])
    assert db.session.scalar(text("SELECT count(*) FROM revoked_tokens")) == 1
    assert_revoked(client.get(ME, headers=phone))


def test_logout_needs_a_token(client):
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_a_token_without_a_version_is_refused(client, ctx):
    """Forged with the right key but without the claim (as tokens before 0006 were)."""
    user = make_user("legacy", "admin")
    legacy = create_access_token(identity=str(user.id), additional_claims={"role": "admin"},
                                 expires_delta=timedelta(hours=1))
    assert_revoked(client.get(ME, headers={"Authorization": f"Bearer {legacy}"}))
    login(client, "legacy", PASSWORD)


def test_a_token_of_a_deleted_user_is_refused(client):
    user = make_user("gone", "admin")
    old = login(client, "gone")
    db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
    db.session.commit()
    assert client.get(ME, headers=old).status_code == 401
