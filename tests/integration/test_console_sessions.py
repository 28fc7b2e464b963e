"""Console logins: the cookie, the idle timeout, the end of a session on logout and on a
password change, the throttle, where a login may send you, and the start page by role."""
from __future__ import annotations

import time

from fieldapp.services.people import registry as people

from .helpers import TOWNSHIP, make_cadre, make_user
from .page_helpers import csrf_token, page_login, post_form


def test_the_session_cookie_is_httponly_and_lax(client):
    make_user("insp", "inspector", regions=[TOWNSHIP])
    answer = page_login(client, "insp")
    cookie = next(v for k, v in answer.headers.items() if k == "Set-Cookie"
                  and v.startswith("fieldapp_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_over_https_the_cookie_is_secure(client):
    make_user("insp", "inspector", regions=[TOWNSHIP])
    form = client.get("/console/login", base_url="https://localhost")
    answer = client.post("/console/login", base_url="https://localhost",
                         headers={"Referer": "https://localhost/console/login"}, data={
        "username": "insp", "password": "correct-horse-battery",
        "csrf_token": csrf_token(form.get_data(as_text=True))})
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie


def test_an_idle_session_ends(client, configure):
    configure(SESSION_IDLE_MIN=5)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    assert client.get("/console/findings").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = time.time() - 6 * 60
    answer = client.get("/console/findings")
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]
    assert client.get("/console/findings").status_code == 302  # it stays ended


def test_logout_ends_the_session_even_for_a_copied_cookie(client):
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    with client.session_transaction() as session:
        copied = dict(session)
    post_form(client, "/console/findings", "/console/logout", {})
    with client.session_transaction() as session:
        session.update(copied)  # someone replays the cookie from before the logout
    assert client.get("/console/findings").status_code == 302


def test_a_password_change_ends_every_session(client, ctx):
    user = make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    assert client.get("/console/findings").status_code == 200
    people.update_user(user, {"password": "another-long-password"})
    assert client.get("/console/findings").status_code == 302


def test_wrong_password_is_a_401_page_and_the_throttle_a_429(client, configure):
    configure(LOGIN_RATE_LIMIT="2 per minute")
    make_user("insp", "inspector", regions=[TOWNSHIP])
    codes = [page_login(client, "insp", "wrong").status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_login_only_returns_to_a_path_on_this_server(client):
    make_user("insp", "inspector", regions=[TOWNSHIP])
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        form = client.get("/console/login")
        answer = client.post(f"/console/login?next={target}", data={
            "username": "insp", "password": "correct-horse-battery",
            "csrf_token": csrf_token(form.get_data(as_text=True))})
        assert answer.headers["Location"] == "/console/", target


def test_the_start_page_follows_the_role(client):
    cadre = make_cadre()
    make_user("insp", "inspector", regions=[TOWNSHIP])
    make_user("disc", "discipline", regions=["410922"])
    make_user("me", "cadre", cadre_id=cadre.id)
    expected = {"insp": "/console/findings", "disc": "/console/dispositions",
                "me": f"/console/cadres/{cadre.id}"}
    for username, target in expected.items():
        with client.session_transaction() as session:
            session.clear()
        page_login(client, username)
        assert client.get("/console/").headers["Location"] == target, username


def test_errors_under_console_are_pages(client):
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    missing = client.get("/console/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert 'data-error="404"' in missing.get_data(as_text=True)
    assert client.get("/api/v1/no-such-endpoint").mimetype == "application/json"


def test_a_cadre_cannot_open_the_queue(client):
    cadre = make_cadre()
    make_user("me", "cadre", cadre_id=cadre.id)
    page_login(client, "me")
    answer = client.get("/console/findings")
    assert answer.status_code == 404 and 'data-error="404"' in answer.get_data(as_text=True)
