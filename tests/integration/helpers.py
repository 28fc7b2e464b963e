"""Making people and logins for tests, through the same services the API uses."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from fieldapp.services.people import registry as people

PASSWORD = "correct-horse-battery"
VILLAGE = "410922100201"          # first demo village, township 410922100
OTHER_VILLAGE = "410922200201"    # a village in another township
TOWNSHIP = "410922100"


def make_cadre(village: str = VILLAGE, role: str = "first_secretary", name: str = "张伟",
               starts_on: date = date(2026, 1, 1)):
    cadre = people.create_cadre(name=name, role=role, unit="清丰县农业农村局")
    people.create_assignment(cadre.id, village, starts_on)
    return cadre


def make_user(username: str, role: str, cadre_id: int | None = None,
              regions: list[str] | None = None):
    return people.create_user(username, PASSWORD, role, cadre_id=cadre_id, regions=regions)


def login(client, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username,
                                                       "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def cadre_login(client, username: str = "cadre", village: str = VILLAGE, **kwargs):
    """A cadre with an assignment and a login; returns (cadre, auth headers)."""
    cadre = make_cadre(village, **kwargs)
    make_user(username, "cadre", cadre_id=cadre.id)
    return cadre, login(client, username)


def admin_headers(client) -> dict:
    make_user("root-admin", "admin")
    return login(client, "root-admin")


def at_once(work, times: int = 4) -> list:
    """Run `work()` in `times` threads released together; their answers, in order. An
    exception in a worker is raised here, in the test's thread, so the test fails."""
    gate = threading.Barrier(times, timeout=30)

    def start():
        gate.wait()
        return work()

    with ThreadPoolExecutor(times) as pool:
        futures = [pool.submit(start) for _ in range(times)]
        return [future.result() for future in futures]
