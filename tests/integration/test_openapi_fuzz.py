"""schemathesis against fieldapp under gunicorn: every phase (examples, coverage, fuzzing,
stateful) with bounded examples, as an admin, must find no server error and no response
outside the OpenAPI document (status, content type, body schema, headers)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from fieldapp.extensions import db

from .helpers import login, make_cadre, make_user
from .test_hostile_input import server  # noqa: F401 (a fixture)

CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance"]
MAX_EXAMPLES = 8


def test_schemathesis_finds_nothing(client, server, tmp_path):  # noqa: F811
    # The fuzzer PATCHes /users/{id} with small and boundary ids; a role or password change
    # there revokes that user's tokens, so the admin it runs as has an id it will not pick.
    make_cadre()
    admin = make_user("fuzz-admin", "admin")
    db.session.execute(text("UPDATE users SET id = 2000000000 WHERE id = :id"), {"id": admin.id})
    db.session.commit()
    headers = login(client, "fuzz-admin")
    report = tmp_path / "run.json"
    st = Path(sys.executable).with_name("st")
    run = subprocess.run(
        [str(st), "run", f"http://127.0.0.1:{server}/api/v1/openapi.json",
         "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(MAX_EXAMPLES),
         "--exclude-path", "/api/v1/auth/logout",  # it would revoke the token it runs with
         "--checks", ",".join(CHECKS), "--header", f"Authorization: {headers['Authorization']}",
         "--seed", "14", "--no-shrink", "--workers", "1", "--request-timeout", "20",
         "--suppress-health-check", "all", "--report", "ndjson",
         "--report-ndjson-path", str(report), "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    print(run.stdout[-6000:])
    cases = re.search(r"Test cases:\s+(\d+) generated", run.stdout)
    print(f"schemathesis sent {cases and cases.group(1)} test cases")
    assert run.returncode == 0, run.stdout[-20000:]
