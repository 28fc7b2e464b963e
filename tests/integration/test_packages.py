"""Signed evidence packages: GET /api/v1/flags/<id>/package and /audits/presence/package
answer one BagIt bag in a zip that the Library of Congress `bagit` validates, signed with
the key /audit/public-key serves; `flask audit verify-package` passes it and names each
kind of tampering; the key is generated once; scope and the access log."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import stat
import zipfile
from datetime import timedelta
from pathlib import Path

import bagit as loc_bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from sqlalchemy import select

from fieldapp.config import AuditSettings
from fieldapp.extensions import db
from fieldapp.models import AccessLog, AuditHead, Finding
from fieldapp.services.audits import signing
from tests import media_files as files

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, admin_headers, at_once, login, make_user
from .presence_helpers import east_of, iso_week
from .test_audits_presence import township_week  # noqa: F401 (a fixture)
from .test_media import post

KEY = "/api/v1/audit/public-key"


@pytest.fixture(autouse=True)
def signing_key_path(ctx, configure, tmp_path):
    """Each test signs with a key of its own, generated on first use."""
    path = tmp_path / "instance" / "audit_signing_key.pem"
    configure(AUDIT_SIGNING_KEY=str(path))
    return path


def not_resident(township_week):  # noqa: F811
    return db.session.scalars(select(Finding).where(
        Finding.cadre_id == township_week["commuter"], Finding.kind == "not_resident")).one()


def download(client, url, headers, **query) -> bytes:
    response = client.get(url, headers=headers, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert int(response.headers["Content-Length"]) == len(response.data)
    return response.data


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezipped(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def verify(ctx, tmp_path, data: bytes, *options) -> tuple[int, str]:
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    result = ctx.test_cli_runner().invoke(args=["audit", "verify-package", str(path),
                                                *options])
    return result.exit_code, result.output


def test_a_finding_package_is_a_signed_bag(client, ctx, township_week, tmp_path):  # noqa: F811
    headers = admin_headers(client)
    finding = not_resident(township_week)
    db.session.rollback()
    data = download(client, f"/api/v1/flags/{finding.id}/package", headers)
    entries = members(data)
    top = f"fieldapp-finding-{finding.id}"
    assert {name.split("/")[0] for name in entries} == {top}
    assert entries[f"{top}/bagit.txt"] == (b"BagIt-Version: 1.0\n"
                                           b"Tag-File-Character-Encoding: UTF-8\n")
    info = dict(line.split(": ", 1) for line in
                entries[f"{top}/bag-info.txt"].decode().splitlines())
    for label in ("Source-Organization", "Bagging-Date", "Payload-Oxum",
                  "External-Description"):
        assert info[label]
    payload = {name.removeprefix(f"{top}/") for name in entries if "/data/" in name}
    assert {"data/report.pdf", "data/audit.json", "data/findings.json", "data/events.json",
            "data/fixes.csv", "data/fixes.geojson"} <= payload

    served = client.get(KEY, headers=headers)
    assert served.status_code == 200 and served.mimetype == "application/x-pem-file"
    public = serialization.load_pem_public_key(served.data)
    assert info["Fieldapp-Signing-Key-SHA256"] == served.headers["X-Key-Fingerprint"] == \
        hashlib.sha256(public.public_bytes(serialization.Encoding.DER,
                       serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()
    public.verify(base64.b64decode(entries[f"{top}/manifest-sha256.txt.sig"]),
                  entries[f"{top}/manifest-sha256.txt"])  # raises unless it holds

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path / "out")
    bag = loc_bagit.Bag(str(tmp_path / "out" / top))
    bag.validate()
    assert "manifest-sha256.txt.sig" in bag.tagfile_entries()

    (found,) = json.loads(entries[f"{top}/data/findings.json"])["findings"]
    assert (found["id"], found["kind"], found["cadre_id"]) == (
        finding.id, "not_resident", township_week["commuter"])
    assert found["evidence"]["counts"]["present_nights"] == 0 and found["cadre_name"]
    events = json.loads(entries[f"{top}/data/events.json"])
    head = db.session.get(AuditHead, 1)
    assert events["chain_head"] == {"last_event_id": head.last_event_id,
                                    "last_hash": head.last_hash}
    assert events["events"][0]["flag_id"] == finding.id and events["events"][0]["hash"]
    assert events["chain_checks"][str(finding.id)]["ok"] is True
    fixes = list(csv.reader(io.StringIO(entries[f"{top}/data/fixes.csv"].decode()
                                        .lstrip("\ufeff"))))
    assert len(fixes) - 1 == len(finding.evidence["ping_ids"]) > 0
    geojson = json.loads(entries[f"{top}/data/fixes.geojson"])
    roles = [feature["properties"]["role"] for feature in geojson["features"]]
    assert roles.count("post") == 1 and roles.count("evidence") == len(fixes) - 1
    assert roles.count("night_centroid") == 7
    report = PdfReader(io.BytesIO(entries[f"{top}/data/report.pdf"]))
    assert head.last_hash in "".join(page.extract_text() for page in report.pages[:1])
    audit = json.loads(entries[f"{top}/data/audit.json"])
    assert audit["cadre_id"] == township_week["commuter"]

    assert verify(ctx, tmp_path, data) == (0, f"{tmp_path / 'package.zip'}: intact, signed "
                                              "by the key it names\n")
    pem = tmp_path / "served.pem"
    pem.write_bytes(served.data)
    assert verify(ctx, tmp_path, data, "--public-key", str(pem))[0] == 0


def _tampered(data: bytes, how: str) -> bytes:
    entries = members(data)
    top = next(iter(entries)).split("/")[0]
    manifest = f"{top}/manifest-sha256.txt"
    if how == "payload byte":
        name = f"{top}/data/findings.json"
        entries[name] = entries[name].replace(b'"kind"', b'"kinD"', 1)
    elif how == "added file":
        entries[f"{top}/data/extra.txt"] = b"planted"
    elif how == "removed file":
        del entries[f"{top}/data/fixes.csv"]
    elif how == "bad manifest line":
        entries[manifest] = entries[manifest].replace(b"  data/", b"data/", 1)
    elif how == "replaced signature":
        entries[f"{top}/manifest-sha256.txt.sig"] = base64.b64encode(bytes(64)) + b"\n"
    elif how == "no signature":
        del entries[f"{top}/manifest-sha256.txt.sig"]
    elif how == "tag manifest":
        entries[f"{top}/bag-info.txt"] += b"Contact-Name: someone\n"
    return rezipped(entries)


@pytest.mark.parametrize(("how", "named"), [
    ("payload byte", "payload file data/findings.json does not match its checksum in "
                     "manifest-sha256.txt: it was changed"),
    ("added file", "payload file data/extra.txt is not in manifest-sha256.txt: it was added"),
    ("removed file", "payload file data/fixes.csv is in manifest-sha256.txt but not in the "
                     "package: it was removed"),
    ("bad manifest line", "line 1 of manifest-sha256.txt is not '<sha256> <path>'"),
    ("replaced signature", "the signature does not match manifest-sha256.txt"),
    ("no signature", "the signature manifest-sha256.txt.sig is missing"),
    ("tag manifest", "tag file bag-info.txt does not match its checksum in "
                     "tagmanifest-sha256.txt"),
])
def test_each_kind_of_tampering_is_named(client, ctx, township_week, tmp_path,  # noqa: F811
                                         how, named):
    finding = not_resident(township_week)
    db.session.rollback()
    data = download(client, f"/api/v1/flags/{finding.id}/package", admin_headers(client))
    code, output = verify(ctx, tmp_path, _tampered(data, how))
    assert code == 1 and named in output, output


def _signed_by(data: bytes, key: Ed25519PrivateKey, fingerprint: str | None) -> bytes:
    """The package re-signed with `key`, bag-info naming `fingerprint` (None: as it was),
    and the tag manifest made to match: all a forger can do without the instance's key."""
    entries = members(data)
    top = next(iter(entries)).split("/")[0]
    entries[f"{top}/manifest-sha256.txt.sig"] = base64.b64encode(
        key.sign(entries[f"{top}/manifest-sha256.txt"])) + b"\n"
    if fingerprint:
        info = entries[f"{top}/bag-info.txt"].decode().splitlines()
        entries[f"{top}/bag-info.txt"] = "".join(
            (f"Fieldapp-Signing-Key-SHA256: {fingerprint}" if line.startswith(
                "Fieldapp-Signing-Key-SHA256") else line) + "\n" for line in info).encode()
    entries[f"{top}/tagmanifest-sha256.txt"] = "".join(
        f"{hashlib.sha256(entries[f'{top}/{name}']).hexdigest()}  {name}\n"
        for name in sorted(("bagit.txt", "bag-info.txt", "manifest-sha256.txt",
                            "manifest-sha256.txt.sig"))).encode()
    return rezipped(entries)


def test_a_package_signed_with_another_key(client, ctx, township_week, tmp_path):  # noqa: F811
    finding = not_resident(township_week)
    db.session.rollback()
    data = download(client, f"/api/v1/flags/{finding.id}/package", admin_headers(client))
    foreign = Ed25519PrivateKey.generate()
    foreign_fp = signing.fingerprint(foreign.public_key())
    code, output = verify(ctx, tmp_path, _signed_by(data, foreign, foreign_fp))
    assert code == 1 and "the manifest is signed by another key" in output and \
        foreign_fp in output, output
    code, output = verify(ctx, tmp_path, _signed_by(data, foreign, None))
    assert code == 1 and "the signature does not match manifest-sha256.txt" in output
    pem = tmp_path / "foreign.pem"
    pem.write_bytes(signing.public_pem(foreign.public_key()))
    forged = _signed_by(data, foreign, foreign_fp)
    assert verify(ctx, tmp_path, forged, "--public-key", str(pem))[0] == 0
    assert verify(ctx, tmp_path, data, "--public-key", str(pem))[1].count("another key") == 1


def test_verify_refuses_what_is_not_one_safe_bag(ctx, tmp_path, signing_key_path):
    signing.signing_key(AuditSettings(False, 5, signing_key_path))
    code, output = verify(ctx, tmp_path, b"%PDF-1.7 not a zip")
    assert code == 1 and "the file is not a zip archive" in output
    code, output = verify(ctx, tmp_path, rezipped({"../../etc/cron.d/x": b"x"}))
    assert code == 1 and "has an empty, '.' or '..' part" in output
    code, output = verify(ctx, tmp_path, rezipped({"a/bagit.txt": b"", "b/bagit.txt": b""}))
    assert code == 1 and "exactly one bag folder" in output
    bomb = rezipped({"bag/bagit.txt": b"", "bag/data/zeros": bytes(64 * 1024 * 1024)})
    code, output = verify(ctx, tmp_path, bomb)
    assert code == 1 and "zip bomb" in output
    bad_key = tmp_path / "bad.pem"
    bad_key.write_bytes(b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    code, output = verify(ctx, tmp_path, bomb, "--public-key", str(bad_key))
    assert code == 1 and "the public key is not a PEM public key" in output


def test_verify_without_a_key_on_this_instance_asks_for_one(ctx, tmp_path):
    code, output = verify(ctx, tmp_path, rezipped({"bag/bagit.txt": b""}))
    assert code == 1 and "give the signer's key with --public-key" in output


def test_media_originals_and_their_metadata_are_in_the_package(client, ctx, tmp_path):
    from .helpers import cadre_login

    _, cadre = cadre_login(client)
    lat, lon = east_of(VILLAGE, 5000)
    photo = files.jpeg(lat=lat, lon=lon)
    item = post(client, cadre, photo).get_json()
    finding = db.session.scalars(select(Finding)).one()
    assert finding.kind == "photo_location_mismatch"
    db.session.rollback()
    data = download(client, f"/api/v1/flags/{finding.id}/package", admin_headers(client))
    entries = members(data)
    top = f"fieldapp-finding-{finding.id}"
    assert entries[f"{top}/data/media/{item['id']}.jpeg"] == photo
    meta = json.loads(entries[f"{top}/data/media/{item['id']}.json"])
    assert meta["sha256"] == hashlib.sha256(photo).hexdigest() == item["sha256"]
    assert meta["checks"]["location"]["fence"] == "outside"
    assert meta["file"] == f"{item['id']}.jpeg"
    # a photo of today: its day has not ended, so there is no audit of it to print
    info = entries[f"{top}/bag-info.txt"].decode()
    assert "Fieldapp-Report: " in info and f"{top}/data/report.pdf" not in entries
    assert verify(ctx, tmp_path, data)[0] == 0
    # the cadre may take the package of their own finding too
    own = download(client, f"/api/v1/flags/{finding.id}/package", cadre)
    assert f"{top}/data/media/{item['id']}.jpeg" in members(own)


def test_a_reused_photos_origin_is_packed_for_reviewers_not_for_the_cadre(client, ctx):
    from .helpers import cadre_login

    _, first = cadre_login(client, "first")
    second_cadre, second = cadre_login(client, "second")
    photo = files.jpeg(files.scene(7))
    one = post(client, first, photo).get_json()
    two = post(client, second, photo).get_json()
    finding = db.session.scalar(select(Finding).where(Finding.cadre_id == second_cadre.id))
    db.session.rollback()
    top = f"fieldapp-finding-{finding.id}"
    reviewer = members(download(client, f"/api/v1/flags/{finding.id}/package",
                                admin_headers(client)))
    assert {f"{top}/data/media/{one['id']}.jpeg", f"{top}/data/media/{two['id']}.jpeg"} <= \
        set(reviewer)
    as_cadre = members(download(client, f"/api/v1/flags/{finding.id}/package", second))
    assert f"{top}/data/media/{one['id']}.jpeg" not in as_cadre
    (found,) = json.loads(as_cadre[f"{top}/data/findings.json"])["findings"]
    assert found["evidence"]["check"] == {"failed": True}
    # the first cadre's photo was read by the admin: it is in their access log
    logged = db.session.scalars(select(AccessLog).where(
        AccessLog.resource == "package", AccessLog.subject_cadre_id == one["cadre_id"])).all()
    assert [entry.params["ids"] for entry in logged] == [[one["id"]]]


def test_scope_and_the_access_log(client, ctx, township_week):  # noqa: F811
    finding = not_resident(township_week)
    make_user("near", "inspector", regions=[TOWNSHIP])
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("disc", "discipline", regions=["410922"])
    make_user("cad", "cadre", cadre_id=township_week["commuter"])
    flag_id = finding.id
    db.session.rollback()
    url = f"/api/v1/flags/{flag_id}/package"
    assert client.get(url, headers=login(client, "far")).status_code == 404
    assert client.get(url, headers=login(client, "disc")).status_code == 404  # not escalated
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/flags/999999/package",
                      headers=admin_headers(client)).status_code == 404
    download(client, url, login(client, "near"))
    (entry,) = db.session.scalars(select(AccessLog).where(AccessLog.resource == "package"))
    assert entry.subject_cadre_id == township_week["commuter"]
    assert entry.params["flag_id"] == flag_id and entry.params["ids"] == [flag_id]
    download(client, url, login(client, "cad"))  # the cadre's own: not logged
    assert len(db.session.scalars(select(AccessLog).where(
        AccessLog.resource == "package")).all()) == 1

    week = iso_week(township_week["monday"])
    audit = "/api/v1/audits/presence/package"
    assert client.get(audit, headers=login(client, "cad"),
                      query_string={"region": TOWNSHIP, "week": week}).status_code == 403
    assert client.get(audit, headers=login(client, "far"),
                      query_string={"region": TOWNSHIP, "week": week}).status_code == 404
    for query in ({"region": TOWNSHIP}, {"week": week},
                  {"region": TOWNSHIP, "cadre_id": township_week["commuter"], "week": week}):
        response = client.get(audit, headers=login(client, "near"), query_string=query)
        assert response.status_code == 422, query
    assert client.get(KEY).status_code == 401


def test_an_audit_package_holds_every_finding_it_counts(client, ctx, township_week,  # noqa: F811
                                                        tmp_path):
    finding = not_resident(township_week)
    flag_id = finding.id
    db.session.rollback()
    make_user("disc", "discipline", regions=["410922"])
    headers = admin_headers(client)
    week = iso_week(township_week["monday"])
    for action in ("assign", "confirm", "escalate"):
        response = client.post(f"/api/v1/flags/{flag_id}/transitions", headers=headers,
                               json={"action": action, "note": "checked"})
        assert response.status_code == 200, response.get_json()
    data = download(client, "/api/v1/audits/presence/package", login(client, "disc"),
                    region=TOWNSHIP, week=week)
    entries = members(data)
    monday = township_week["monday"]
    top = f"fieldapp-audit-{TOWNSHIP}-{monday}-{monday + timedelta(days=6)}"
    findings = json.loads(entries[f"{top}/data/findings.json"])["findings"]
    assert [f["id"] for f in findings] == [flag_id]  # the discipline office: escalated only
    audit = json.loads(entries[f"{top}/data/audit.json"])
    assert {row["cadre_id"] for row in audit["rows"]} == {township_week["commuter"],
                                                          township_week["resident"]}
    assert PdfReader(io.BytesIO(entries[f"{top}/data/report.pdf"])).pages
    events = json.loads(entries[f"{top}/data/events.json"])["events"]
    assert [e["action"] for e in events] == ["raise", "assign", "confirm", "escalate"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path / "out")
    loc_bagit.Bag(str(tmp_path / "out" / top)).validate()
    assert verify(ctx, tmp_path, data)[0] == 0
    logged = {(e.resource, e.subject_cadre_id) for e in db.session.scalars(select(AccessLog))}
    assert {("audit_presence", township_week["commuter"]),
            ("audit_presence", township_week["resident"]),
            ("package", township_week["commuter"])} <= logged


def test_the_key_is_generated_once_and_kept(ctx, tmp_path, signing_key_path):
    settings = AuditSettings(False, 5, signing_key_path)
    fingerprints = at_once(lambda: signing.fingerprint(
        signing.signing_key(settings).public_key()), times=6)
    assert len(set(fingerprints)) == 1
    assert stat.S_IMODE(os.stat(signing_key_path).st_mode) == 0o600
    assert [p.name for p in signing_key_path.parent.iterdir()] == [signing_key_path.name]
    assert signing.fingerprint(signing.instance_public_key(settings)) == fingerprints[0]


def test_two_apps_on_one_instance_folder_serve_one_key(ctx, tmp_path, signing_key_path):
    from tests.conftest import _create_app, _dispose

    served = []
    for _ in range(2):
        app = _create_app(ctx.config["DATABASE_URL"], str(tmp_path / "uploads"),
                          AUDIT_SIGNING_KEY=str(signing_key_path))
        with app.app_context():
            make_user(f"admin{len(served)}", "admin")
        client = app.test_client()
        response = client.get(KEY, headers=login(client, f"admin{len(served)}"))
        served.append((response.data, response.headers["X-Key-Fingerprint"]))
        _dispose(app)
    assert served[0] == served[1]
    assert Path(signing_key_path).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_an_unusable_key_file_is_a_clear_server_error(client, ctx, signing_key_path):
    signing_key_path.parent.mkdir(parents=True)
    signing_key_path.write_bytes(b"not a key")
    response = client.get(KEY, headers=admin_headers(client))
    assert response.status_code == 500
    assert "FIELDAPP_AUDIT_SIGNING_KEY" in response.get_json()["message"]
    assert signing_key_path.read_bytes() == b"not a key"


def test_a_key_that_cannot_be_created_is_a_clear_server_error(client, ctx, configure,
                                                              tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    configure(AUDIT_SIGNING_KEY=str(blocker / "audit_signing_key.pem"))
    response = client.get(KEY, headers=admin_headers(client))
    assert response.status_code == 500
    assert "cannot be created" in response.get_json()["message"]
    assert blocker.read_bytes() == b""


def test_an_audit_package_asked_for_is_built_by_a_job(
        client, ctx, township_week, configure, tmp_path):  # noqa: F811
    """POST answers 202 with the job; a worker builds the same package the GET gives; only
    its requester (and admins) may read the job and download the file, once it is done."""
    from fieldapp.jobs import install
    from fieldapp.jobs.worker import execute

    configure(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")
    ctx.extensions.pop("fieldapp.jobs")
    install(ctx)
    flag_id = not_resident(township_week).id
    db.session.rollback()
    admin = admin_headers(client)
    for action in ("assign", "confirm", "escalate"):
        assert client.post(f"/api/v1/flags/{flag_id}/transitions", headers=admin,
                           json={"action": action, "note": "checked"}).status_code == 200
    make_user("disc", "discipline", regions=["410922"])
    make_user("other", "discipline", regions=["410922"])
    disc, other = login(client, "disc"), login(client, "other")
    week = iso_week(township_week["monday"])
    url = "/api/v1/audits/presence/package"
    assert client.post(url, headers=disc, json={"region": "999999", "week": week}
                       ).status_code == 404
    assert client.post(url, headers=disc, json={"region": TOWNSHIP, "week": "2026-W99"}
                       ).status_code == 422
    asked = client.post(url, headers=disc, json={"region": TOWNSHIP, "week": week})
    assert asked.status_code == 202, asked.get_json()
    job = asked.get_json()
    assert asked.headers["Location"].endswith(f"/api/v1/jobs/{job['id']}")
    assert job["state"] == "queued" and job["task"] == "audit_package"
    file_url = f"/api/v1/jobs/{job['id']}/file"
    assert client.get(file_url, headers=disc).status_code == 409  # not built yet
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=other).status_code == 404
    assert client.get(file_url, headers=other).status_code == 404
    execute(ctx, job["id"])
    done = client.get(f"/api/v1/jobs/{job['id']}", headers=disc).get_json()
    assert done["state"] == "done", done
    data = download(client, file_url, disc)
    monday = township_week["monday"]
    top = f"fieldapp-audit-{TOWNSHIP}-{monday}-{monday + timedelta(days=6)}"
    audit = json.loads(members(data)[f"{top}/data/audit.json"])
    assert {row["cadre_id"] for row in audit["rows"]} == {township_week["commuter"],
                                                          township_week["resident"]}
    assert verify(ctx, tmp_path, data)[0] == 0
    assert [f["id"] for f in json.loads(members(data)[f"{top}/data/findings.json"])[
        "findings"]] == [flag_id]
    reads = db.session.scalars(select(AccessLog).where(AccessLog.resource == "package")).all()
    assert [(r.subject_cadre_id, r.params.get("job_id")) for r in reads] == [
        (township_week["commuter"], job["id"])]
    audited = db.session.scalars(select(AccessLog).where(
        AccessLog.resource == "audit_presence")).all()
    assert {r.params["format"] for r in audited} == {"package"}


def test_a_built_package_is_not_handed_to_a_reader_who_lost_its_region(
        client, ctx, township_week, configure, tmp_path):  # noqa: F811
    import stat

    from fieldapp.jobs import files_of, install
    from fieldapp.jobs.worker import execute
    from fieldapp.models import User
    from fieldapp.services.people import registry as people

    configure(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")
    ctx.extensions.pop("fieldapp.jobs")
    install(ctx)
    user = make_user("insp", "inspector", regions=[TOWNSHIP])
    insp = login(client, "insp")
    week = iso_week(township_week["monday"])
    job = client.post("/api/v1/audits/presence/package", headers=insp,
                      json={"region": TOWNSHIP, "week": week}).get_json()
    execute(ctx, job["id"])
    file_url = f"/api/v1/jobs/{job['id']}/file"
    assert client.get(file_url, headers=insp).status_code == 200
    mode = (files_of(ctx) / f"{job['id']}.zip").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600, oct(mode)  # someone's locations: the service's only
    people.update_user(db.session.get(User, user.id), {"regions": [OTHER_VILLAGE[:9]]})
    moved = login(client, "insp")
    assert client.get(file_url, headers=moved).status_code in (403, 404)
