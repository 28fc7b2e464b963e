"""Hostile uploads and what media answers leak: memory bounds from the header, decode slots,
EXIF nonsense, files left behind, server paths in messages, caching, reuse details,
report ids of other cadres, and the upload's OpenAPI entry."""
import io
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.media import slots
from fieldapp.media.storage import LocalStorage
from fieldapp.models import Finding, MediaItem, WorkReport
from fieldapp.models.types import utcnow
from tests import media_files as files

from .helpers import TOWNSHIP, cadre_login, login, make_user
from .presence_helpers import inside

NOW = utcnow().replace(microsecond=0)


def post(client, headers, data: bytes, name="photo.jpg", **fields):
    form = {"id": fields.pop("id", str(uuid.uuid4())), "recorded_at": NOW.isoformat(),
            **fields, "file": (io.BytesIO(data), name)}
    return client.post("/api/v1/media", headers=headers, data=form,
                       content_type="multipart/form-data")


def stored_files(ctx) -> set[Path]:
    return {p for p in Path(ctx.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


def media_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(MediaItem))


def refused(client, ctx, headers, data, status, **fields) -> dict:
    """Post `data`; it must be answered `status`, with no new row and no new file."""
    before_files, before_rows = stored_files(ctx), media_rows()
    response = post(client, headers, data, **fields)
    assert response.status_code == status, response.get_json()
    assert stored_files(ctx) == before_files
    assert media_rows() == before_rows
    return response.get_json()


def flat_png(mode: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 90 if mode == "L" else (90, 120, 30)).save(out, "PNG")
    return out.getvalue()


# --- EXIF nonsense is absent metadata, never a failed upload -------------------------------

@pytest.mark.parametrize("exif", [
    {"taken": "0001:01:01 00:00:00", "offset": "+14:00"},   # issue 14: year 0 in UTC
    {"taken": "9999:12:31 23:59:59", "offset": "-14:00"},   # year 10000 in UTC
    {"taken": "1900:01:01 00:00:00"},                       # before the supported dates
    {"taken": "2026:11:20 09:00:00", "offset": "+99:99"},   # no such offset: local zone
    {"taken": "2026:02:30 25:61:61"},                       # no such moment
    {"orientation": 9999},
    {"make": "X" * 5000},
    {"lat": 95.0, "lon": 500.0, "gps_form": "decimal"},
])
def test_exif_nonsense_is_treated_as_absent(client, ctx, exif):
    _, headers = cadre_login(client)
    make = exif.pop("make", "HUAWEI")
    response = post(client, headers, files.jpeg(make=make, **exif))
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    meta = item["metadata"]
    if "taken" in exif and exif.get("offset") != "+99:99":
        assert meta["taken_at"] is None
        assert item["checks"]["time"] == {"failed": False, "note": "no capture time in the file"}
    if exif.get("offset") == "+99:99":  # read in the zone, Asia/Shanghai
        assert meta["taken_at"] == "2026-11-20T01:00:00+00:00"
    assert meta["orientation"] is None
    assert meta["lat"] is None and meta["lon"] is None
    assert meta["make"] == make[:64]
    assert len(stored_files(ctx)) == 2  # the original and its thumbnail, nothing else


def test_video_creation_time_nonsense_is_absent(client, ctx):
    _, headers = cadre_login(client)
    data = files.mp4(location="+95.0000+500.0000/", creation="0001-01-01T00:00:00+14:00")
    response = post(client, headers, data, name="clip.mp4")
    assert response.status_code == 201, response.get_json()
    meta = response.get_json()["metadata"]
    assert (meta["taken_at"], meta["lat"], meta["exif_missing"]) == (None, None, True)


# --- A failure after the file was stored leaves disk and database as they were -------------

def disk_full_on_thumbnail(real_put):
    def put(self, key, source):
        if key.endswith(".thumb.jpg"):
            raise OSError(28, "No space left on device")
        return real_put(self, key, source)
    return put


def test_a_failed_store_takes_back_the_original_and_writes_no_row(client, ctx, monkeypatch):
    _, headers = cadre_login(client)
    monkeypatch.setattr(LocalStorage, "put", disk_full_on_thumbnail(LocalStorage.put))
    refused(client, ctx, headers, files.jpeg(files.scene(31)), 500)
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


def test_a_failed_store_keeps_a_file_an_earlier_upload_stored(client, ctx, monkeypatch):
    _, headers = cadre_login(client)
    data = files.jpeg(files.scene(32))
    first = post(client, headers, data)
    assert first.status_code == 201
    sha = first.get_json()["sha256"]
    LocalStorage(ctx.config["UPLOAD_DIR"]).remove(sha + ".thumb.jpg")  # only the original
    monkeypatch.setattr(LocalStorage, "put", disk_full_on_thumbnail(LocalStorage.put))
    refused(client, ctx, headers, data, 500)
    assert [p.name for p in stored_files(ctx)] == [sha]


# --- Memory: refused from the header, decoded at reduced scale, slots ----------------------

def test_decode_budget_is_counted_per_format(client, ctx, configure):
    _, headers = cadre_login(client)
    configure(MAX_DECODE_MB=32)
    # 4000 × 4000 RGB PNG: Pillow holds 4 bytes a pixel, 61 MB > 32 MB: refused unread
    body = refused(client, ctx, headers, flat_png("RGB", (4000, 4000)), 422, name="a.png")
    assert "61 MB, over the 32 MB limit" in body["message"]
    # the same size in greyscale is 15 MB; a 4000 × 4000 JPEG decodes at 1/8 scale
    assert post(client, headers, flat_png("L", (4000, 4000)), name="b.png").status_code == 201
    jpeg = files.jpeg(Image.new("RGB", (4000, 4000), (10, 20, 30)))
    response = post(client, headers, jpeg)
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["width"], response.get_json()["height"]) == (4000, 4000)


def test_large_png_thumbnail_is_made_from_the_reduced_image(client, ctx):
    _, headers = cadre_login(client)
    image = Image.new("RGBA", (3000, 1000), (200, 10, 10, 255))
    image.paste((10, 10, 200, 255), (0, 0, 1500, 1000))
    out = io.BytesIO()
    image.save(out, "PNG")
    item = post(client, headers, out.getvalue(), name="wide.png").get_json()
    thumb = client.get(f"/api/v1/media/{item['id']}/thumbnail", headers=headers)
    with Image.open(io.BytesIO(thumb.data)) as small:
        assert small.size == (320, 107) and small.mode == "RGB"
        left, right = small.getpixel((40, 50)), small.getpixel((280, 50))
    assert left[2] > 150 > left[0] and right[0] > 150 > right[2]


def test_video_frames_have_the_pixel_limit(client, ctx, configure):
    _, headers = cadre_login(client)
    configure(MAX_IMAGE_PIXELS=160 * 120 - 1)  # the clip is 160 × 120
    body = refused(client, ctx, headers, files.mp4(), 422, name="clip.mp4")
    assert "160×120 pixels is over the 19,199 limit" in body["message"]
    configure(MAX_IMAGE_PIXELS=10_000_000, MAX_DECODE_MB=1)  # 160×120×4 B fits in 1 MB
    assert post(client, headers, files.mp4(), name="clip.mp4").status_code == 201


def test_all_decode_slots_busy_is_503_with_retry_after(client, ctx, configure):
    _, headers = cadre_login(client)
    configure(DECODES_PER_WORKER=1, DECODE_WAIT_S=0.2)
    with slots.decode_slot(1, 1):  # another request's decode holds the only slot
        body = refused(client, ctx, headers, files.jpeg(files.scene(33)), 503)
        response = post(client, headers, files.mp4(), name="clip.mp4")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        # refused from the header without waiting for a slot
        configure(DECODES_PER_WORKER=1, DECODE_WAIT_S=0.2, MAX_IMAGE_PIXELS=100)
        assert post(client, headers, files.png()).status_code == 422
    assert "retry" in body["message"]
    configure(MAX_IMAGE_PIXELS=120_000_000)
    assert post(client, headers, files.jpeg(files.scene(33))).status_code == 201


# --- Messages name no server path ----------------------------------------------------------

@pytest.mark.parametrize("data, name", [
    (files.mp4()[:600], "cut.mp4"),
    (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 4000, "empty.mp4"),
    (files.png()[:300], "cut.png"),
    (files.jpeg()[:9000], "cut.jpg"),
    (files.heic()[:500], "cut.heic"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "fake.jpg"),
])
def test_refusals_name_no_server_path(client, ctx, data, name):
    _, headers = cadre_login(client)
    body = refused(client, ctx, headers, data, 422, name=name)
    text = str(body)
    assert ctx.config["UPLOAD_DIR"] not in text and ".spool" not in text and "/" not in text


# --- What answers leak ---------------------------------------------------------------------

def test_evidence_is_private_no_store_and_originals_are_attachments(client, ctx):
    cadre, headers = cadre_login(client)
    created = post(client, headers, files.jpeg())
    item = created.get_json()
    make_user("insp", "inspector", regions=[TOWNSHIP])
    inspector = login(client, "insp")
    answers = {"post": created}
    for who, auth in (("cadre", headers), ("inspector", inspector)):
        for suffix in ("", "/file", "/thumbnail"):
            answers[who + suffix] = client.get(f"/api/v1/media/{item['id']}{suffix}",
                                               headers=auth)
        answers[who + " list"] = client.get(f"/api/v1/media?cadre_id={cadre.id}", headers=auth)
    for what, response in answers.items():
        assert response.status_code in (200, 201), what
        assert response.headers["Cache-Control"] == "private, no-store", what
        assert response.headers["X-Content-Type-Options"] == "nosniff", what
    for who in ("cadre", "inspector"):
        disposition = answers[who + "/file"].headers["Content-Disposition"]
        assert disposition == f"attachment; filename={item['sha256']}.jpeg"
        assert "attachment" not in answers[who + "/thumbnail"].headers.get(
            "Content-Disposition", "")


def test_reuse_details_go_to_reviewers_only(client, ctx):
    first, first_headers = cadre_login(client, "first")
    second, second_headers = cadre_login(client, "second")
    one = post(client, first_headers, files.jpeg(files.scene(41))).get_json()
    from fieldapp.services.people.registry import create_device

    _, token = create_device(second.id)
    db.session.commit()
    device = {"Authorization": f"Device {token}"}
    answers = [post(client, second_headers, files.jpeg(files.scene(41), quality=70)),
               post(client, device, files.jpeg(files.scene(41), quality=60))]
    for answer in answers:
        assert answer.status_code == 201
        assert answer.get_json()["checks"]["reuse"] == {"failed": True}
    two = answers[0].get_json()
    own_view = client.get(f"/api/v1/media/{two['id']}", headers=second_headers).get_json()
    assert own_view["checks"]["reuse"] == {"failed": True}
    listed = client.get("/api/v1/media", headers=second_headers).get_json()["items"]
    assert listed
    assert all(i["checks"]["reuse"] == {"failed": True} for i in listed)

    make_user("insp", "inspector", regions=[TOWNSHIP])
    reviewer = client.get(f"/api/v1/media/{two['id']}", headers=login(client, "insp"))
    reuse = reviewer.get_json()["checks"]["reuse"]
    assert (reuse["failed"], reuse["media_id"], reuse["cadre_id"]) == (True, one["id"], first.id)
    finding = db.session.scalars(select(Finding).where(Finding.cadre_id == second.id)).first()
    assert finding.evidence["check"]["media_id"] == one["id"]
    assert finding.evidence["check"]["cadre_id"] == first.id
    assert finding.summary == "a near-identical image was uploaded before, by another cadre"


def test_report_id_must_be_the_cadres_own(client, ctx):
    other, other_headers = cadre_login(client, "other")
    cadre, headers = cadre_login(client, "cadre")
    lat, lon = inside("410922100201")
    photo = post(client, other_headers, files.jpeg(files.scene(51)), id="p-other").get_json()
    report = client.post("/api/v1/reports", headers=other_headers, json={
        "id": "report-of-other", "kind": "meeting", "occurred_at": NOW.isoformat(),
        "summary": "村委会", "lat": lat, "lon": lon, "media_ids": [photo["client_id"]]})
    assert report.status_code == 201, report.get_json()
    body = refused(client, ctx, headers, files.jpeg(files.scene(52)), 422,
                   report_id="report-of-other")
    assert body["errors"]["report_id"]
    assert "report-of-other" not in body["message"]
    # a report still to come is the cadre's own: phones send a report's photos first
    mine = post(client, headers, files.jpeg(files.scene(53)), id="p1", report_id="later")
    assert mine.status_code == 201 and mine.get_json()["report_id"] == "later"
    sent = client.post("/api/v1/reports", headers=headers, json={
        "id": "later", "kind": "meeting", "occurred_at": NOW.isoformat(), "summary": "会",
        "lat": lat, "lon": lon, "media_ids": ["p1"]})
    assert sent.status_code == 201, sent.get_json()
    # once sent, only the media it lists may name it
    refused(client, ctx, headers, files.jpeg(files.scene(54)), 422, id="p2", report_id="later")
    # the other cadre may name its own report, even though this id is in use by it
    again = post(client, other_headers, files.jpeg(files.scene(55)), id="p-other",
                 report_id="report-of-other")
    assert again.status_code == 200  # the same client id answers the first upload
    assert db.session.scalar(select(func.count()).select_from(WorkReport)) == 2


def test_openapi_documents_the_multipart_upload(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/media"]["post"]
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    ref = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["properties"]["file"] == {**schema["properties"]["file"],
                                            "type": "string", "format": "binary"}
    assert {"file", "id", "recorded_at"} <= set(schema["required"])
    assert {"report_id", "lat", "lon", "crs", "accuracy"} <= set(schema["properties"])
    assert {"200", "201", "400", "401", "403", "413", "422", "503"} <= set(operation["responses"])
    assert "Retry-After" in operation["responses"]["503"]["headers"]
