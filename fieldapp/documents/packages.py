"""Signed evidence packages: a zip holding one BagIt bag (services/audits/bagit.py) about a
finding or a presence audit, its manifest signed with the instance's Ed25519 key
(services/audits/signing.py); and the check of such a package.

The payload, under data/: `report.pdf` (the presence audit as printed: for a finding, of
its cadre over its period, when that period is a finished range) and `audit.json`;
`findings.json` (each finding with the names beside it, its summary in the reader's
language, its evidence as the reader may see it, its appeals); `events.json` (every event
of those findings with the fields its hash covers and its hash, the chain's head, and the
chain checked for each finding as the package was made); `fixes.csv` and `fixes.geojson`
(the fixes the evidence names; the GeoJSON also holds the posts' boundaries and the night
centroids the evidence records); `media/<id>.<format>` (originals, as stored) with
`media/<id>.json` (what the item and its checks say). Everything is read through the
reader's scope, as the API would show it.

The zip is written to a spooled temporary file (in memory while small, then on disk):
originals are copied into it in chunks and never held in memory whole.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from flask import send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..config import Settings
from ..db.connections import read_without_write_lock
from ..errors import Unprocessable
from ..i18n import finding_summary, label
from ..models import Finding, MediaItem, Ping
from ..models.types import utcnow
from ..services.access.access_log import log_reads
from ..services.access.scope import Scope
from ..services.audits import package_contents as contents
from ..services.audits import signing
from ..services.audits.bagit import SIGNATURE, Bag, BagProblem, BagWriter, open_bag
from ..services.audits.presence_audit import check_range, presence_audit
from ..services.exports import csv_text
from ..services.findings.audit_chain import verify_finding
from ..services.findings.workflow import evidence_as_seen_by, visible_finding
from ..services.geodata.regions import post_feature
from ..services.ingest.ping_queries import ping_dict, ping_feature
from ..services.media.uploads import storage
from ..services.people.names import cadre_cards, named_findings, row_of, usernames
from .audit_files import audit_json
from .audit_pdf import audit_pdf

FINGERPRINT = "Fieldapp-Signing-Key-SHA256"
SPOOL_BYTES = 8 * 1024 * 1024  # a package larger than this is spooled to disk

FIX_COLUMNS = [
    ("id", _l("Fix id")), ("cadre_id", _l("Cadre id")), ("flag_ids", _l("Findings")),
    ("recorded_at", _l("Recorded at")), ("received_at", _l("Received at")),
    ("lat", _l("Latitude (WGS-84)")), ("lon", _l("Longitude (WGS-84)")),
    ("original_lat", _l("Latitude as sent")), ("original_lon", _l("Longitude as sent")),
    ("original_crs", _l("Coordinate system as sent")), ("accuracy", _l("Accuracy (m)")),
    ("fence_label", _l("Fence")), ("distance_m", _l("Distance from the post (m)")),
    ("village_code", _l("Village code")), ("speed", _l("Speed (m/s)")),
    ("battery", _l("Battery")), ("mock", _l("Mock location")),
    ("device_id", _l("Device id")),
]


@dataclass
class Package:
    """A built package: `name` is the bag's folder (the zip is `name`.zip), `file` the
    zip at its start, `reads` the (cadre id, row id) of whose data it holds — each finding
    with its cadre, and a media item of a cadre no finding in it is about."""

    name: str
    file: BinaryIO
    size: int
    reads: list[tuple[int, int]]

    def download(self, viewer, params: dict):
        """The zip as an attachment (API and console alike), after the access log records
        whose data it holds."""
        try:
            log_reads(viewer, "package", self.reads, params)
        except BaseException:
            self.file.close()
            raise
        response = send_file(self.file, mimetype="application/zip", as_attachment=True,
                             download_name=f"{self.name}.zip", conditional=False)
        response.content_length = self.size
        response.headers["Cache-Control"] = "private, no-store"
        return response


def finding_package(settings: Settings, scope: Scope, flag_id: int) -> Package:
    """The package of one finding the reader may see (404 otherwise)."""
    read_without_write_lock()
    finding = visible_finding(scope, flag_id)
    cadre = cadre_cards([finding.cadre_id]).get(finding.cadre_id, {})
    description = _("Evidence of finding %(id)s (%(kind)s) about %(cadre)s, %(first)s to "
                    "%(last)s", id=finding.id, kind=label("kind", finding.kind),
                    cadre=cadre.get("cadre_name") or finding.cadre_id,
                    first=finding.period_start, last=finding.period_end)
    return _package(settings, scope, f"fieldapp-finding-{finding.id}", description,
                    [finding], _finding_audit(settings, scope, finding))


def _finding_audit(settings: Settings, scope: Scope, finding: Finding) -> dict | None:
    """The audit of the finding's cadre over its period, if that is a finished range."""
    if finding.period_start is None or finding.period_end is None:
        return None
    try:
        check_range(settings, finding.period_start, finding.period_end)
    except Unprocessable:
        return None
    return presence_audit(settings, scope, finding.period_start, finding.period_end,
                          cadre_id=finding.cadre_id)


def audit_package(settings: Settings, scope: Scope, audit: dict) -> Package:
    """The package of a presence audit (as services/audits/presence_audit returns it):
    its report, and every finding it counts with their evidence."""
    read_without_write_lock()
    if audit["region"]:
        subject, what = audit["region"], f"{audit['region_name'] or ''} {audit['region']}"
    else:
        subject = f"cadre-{audit['cadre_id']}"
        what = (cadre_cards([audit["cadre_id"]]).get(audit["cadre_id"], {})
                .get("cadre_name") or subject)
    description = _("Evidence of the presence audit of %(subject)s, %(first)s to %(last)s",
                    subject=what.strip(), first=audit["from"], last=audit["to"])
    return _package(settings, scope,
                    f"fieldapp-audit-{subject}-{audit['from']}-{audit['to']}", description,
                    contents.audit_findings(scope, audit), audit)


def _package(settings: Settings, scope: Scope, name: str, description: str,
             findings: list[Finding], audit: dict | None) -> Package:
    key = signing.signing_key(settings.audits)
    now = utcnow()
    appeals = contents.appeals_of(findings)
    media = contents.evidence_media(scope, findings, appeals)
    info = [("Source-Organization", "fieldapp"),
            ("Bagging-Date", now.astimezone(settings.zone).date().isoformat()),
            ("External-Identifier", name),
            ("External-Description", _one_line(description)),
            ("Bag-Software-Agent", "fieldapp"),
            ("Fieldapp-Generated-At", now.astimezone(settings.zone).isoformat()),
            (FINGERPRINT, signing.fingerprint(key.public_key())),
            ("Fieldapp-Signature", f"Ed25519 over the bytes of manifest-sha256.txt, base64 "
                                   f"in {SIGNATURE}")]
    if audit is None:
        info.append(("Fieldapp-Report", _("none: the finding's period is not a finished "
                                          "range an audit can cover")))
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned open)
    try:
        with zipfile.ZipFile(out, "w") as archive:
            bag = BagWriter(archive, name, now.astimezone(settings.zone))
            if audit is not None:
                bag.add("report.pdf", audit_pdf(settings, scope, audit))
                bag.add("audit.json", audit_json(audit))
            head = _add_findings(bag, scope, findings, appeals)
            info.append(("Fieldapp-Audit-Chain-Head",
                         f"event {head['last_event_id']} {head['last_hash']}"))
            _add_fixes(bag, scope, findings)
            _add_media(bag, settings, media)
            bag.finish(info, key.sign)
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    about = {f.cadre_id for f in findings}
    reads = [(f.cadre_id, f.id) for f in findings] + [
        (m.cadre_id, m.id) for m in media if m.cadre_id not in about]
    return Package(name, out, size, reads)


def _one_line(text: str) -> str:
    """`text` as a bag-info value: control characters and runs of space as one space."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=_plain) + "\n"


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _add_findings(bag: BagWriter, scope: Scope, findings: list[Finding], appeals) -> dict:
    """findings.json and events.json; the chain's head."""
    rows = named_findings(findings)
    by_flag: dict[int, list] = {}
    for appeal in appeals:
        by_flag.setdefault(appeal.flag_id, []).append(row_of(appeal))
    for row, finding in zip(rows, findings, strict=True):
        evidence = evidence_as_seen_by(scope, finding)
        row.update(evidence=evidence, summary=finding_summary(finding.kind, evidence),
                   appeals=by_flag.get(finding.id, []))
    bag.add("findings.json", _json({"findings": rows}))
    events = [row_of(event) for event in contents.events_of(findings)]
    names = usernames(event["actor_id"] for event in events)
    for event in events:
        event["actor_name"] = names.get(event["actor_id"])
    head = contents.chain_head()
    bag.add("events.json", _json({
        "chain_head": head, "events": events,
        "chain_checks": {str(f.id): verify_finding(f) for f in findings}}))
    return head


def _add_fixes(bag: BagWriter, scope: Scope, findings: list[Finding]) -> None:
    fixes = contents.evidence_fixes(scope, findings)
    rows = []
    for ping, flags in fixes:
        row = ping_dict(ping)
        original = row.pop("original")
        row.update(cadre_id=ping.cadre_id, flag_ids=" ".join(map(str, flags)),
                   original_lat=original["lat"], original_lon=original["lon"],
                   original_crs=original["crs"], fence_label=label("verdict", ping.fence))
        rows.append(row)
    bag.add("fixes.csv", csv_text([str(header) for _, header in FIX_COLUMNS],
                                  [{str(h): row.get(k) for k, h in FIX_COLUMNS}
                                   for row in rows]))
    bag.add("fixes.geojson", _json({"type": "FeatureCollection",
                                    "features": _features(findings, fixes)}))


def _features(findings: list[Finding], fixes: list[tuple[Ping, list[int]]]) -> list[dict]:
    """The posts' boundaries, the night centroids the evidence records, the fixes."""
    features = [shape for code in sorted({f.region_code for f in findings})
                if (shape := post_feature(code)) is not None]
    for finding in findings:
        for day in finding.evidence.get("days") or ():
            centroid = day.get("night_centroid") if isinstance(day, dict) else None
            if centroid:
                features.append({"type": "Feature", "geometry": {
                    "type": "Point", "coordinates": [centroid["lon"], centroid["lat"]]},
                    "properties": {"role": "night_centroid", "flag_id": finding.id,
                                   "date": day.get("date"),
                                   "distance_m": centroid.get("distance_m")}})
    for ping, flags in fixes:
        feature = ping_feature(ping)
        feature["properties"].update(role="evidence", cadre_id=ping.cadre_id, flag_ids=flags)
        features.append(feature)
    return features


def _add_media(bag: BagWriter, settings: Settings, media: list[MediaItem]) -> None:
    store = storage(settings.media)
    for item in media:
        name = f"{item.id}.{item.format}"
        stored = store.exists(item.sha256)
        if stored:
            with store.open(item.sha256) as source:
                bag.add_stream(f"media/{name}", source, item.size_bytes)
        bag.add(f"media/{item.id}.json", _json({**row_of(item),
                                                "file": name if stored else None}))


# ---- checking -----------------------------------------------------------------------

def verify_package(path: str | Path, public_key_pem: bytes | None,
                   settings: Settings) -> str | None:
    """None when the package at `path` is one intact bag whose manifest is signed by the
    key in `public_key_pem` (this instance's key when None); else one sentence naming the
    first problem: the zip and its names, bagit.txt, the manifest's lines, the signature,
    the payload against the manifest, the tag manifest."""
    try:
        key = (signing.load_public_pem(public_key_pem) if public_key_pem is not None
               else signing.instance_public_key(settings.audits))
    except ValueError as exc:
        return str(exc)
    if key is None:
        return ("this instance has no signing key yet, so nothing it signed can be "
                "checked here: give the signer's key with --public-key")
    try:
        with open(path, "rb") as source:
            bag = open_bag(source)
            _check_signature(bag, key)
            bag.check_payload()
            bag.check_tags()
    except BagProblem as problem:
        return str(problem)
    except OSError as exc:
        return f"the file cannot be read ({exc.strerror or exc})"
    return None


def _check_signature(bag: Bag, key) -> None:
    text = bag.read_tag(SIGNATURE, f"the signature {SIGNATURE} is missing")
    try:
        signature = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != 64:
        raise BagProblem(f"{SIGNATURE} is not an Ed25519 signature in base64")
    named, ours = bag.info.get(FINGERPRINT), signing.fingerprint(key)
    if signing.signature_holds(key, signature, bag.manifest_bytes):
        if named not in (None, ours):
            raise BagProblem(f"bag-info.txt names the signing key {named}, but the "
                             f"manifest is signed by the key {ours}")
        return
    if named is not None and named != ours:
        raise BagProblem(f"the manifest is signed by another key (bag-info.txt names "
                         f"{named}), not by the key it is checked with ({ours})")
    raise BagProblem("the signature does not match manifest-sha256.txt: the manifest or "
                     "its signature was changed")
