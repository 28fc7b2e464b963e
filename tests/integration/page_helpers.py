"""Driving the console's pages with the Flask test client: logging in through the login
form with its CSRF token, and posting forms the way the page does."""
from __future__ import annotations

import re

from .helpers import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match[1]


def page_login(client, username: str, password: str = PASSWORD):
    """Log the client in through /console/login; returns the answer to the form."""
    form = client.get("/console/login")
    assert form.status_code == 200
    return client.post("/console/login", data={
        "username": username, "password": password,
        "csrf_token": csrf_token(form.get_data(as_text=True))})


def post_form(client, page_url: str, action_url: str, data: dict):
    """POST `data` to `action_url` with the CSRF token of the form on `page_url`."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action_url, data={**data,
                                         "csrf_token": csrf_token(page.get_data(as_text=True))})
