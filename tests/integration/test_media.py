"""Media uploads over HTTP with real files: storage, metadata, checks, findings, scope."""
import io
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AccessLog, Finding, MediaItem, User
from fieldapp.models.types import utcnow
from tests import media_files as files

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, at_once, cadre_login, login, make_user
from .presence_helpers import east_of, inside

NOW = utcnow().replace(microsecond=0)


def post(client, headers, data: bytes, name="photo.jpg", recorded_at=None, **fields):
    form = {"id": fields.pop("id", str(uuid.uuid4())),
            "recorded_at": (recorded_at or NOW).isoformat(), **fields,
            "file": (io.BytesIO(data), name)}
    return client.post("/api/v1/media", headers=headers, data=form,
                       content_type="multipart/form-data")


def stored_files(ctx) -> list[Path]:
    return [p for p in Path(ctx.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def local_taken(moment: datetime) -> tuple[str, str]:
    shanghai = moment.astimezone(ZoneInfo("Asia/Shanghai"))
    return shanghai.strftime("%Y:%m:%d %H:%M:%S"), "+08:00"


def test_photo_with_exif_gps_in_the_village(client, ctx):
    _, headers = cadre_login(client)
    lat, lon = inside(VILLAGE)
    taken, offset = local_taken(NOW - timedelta(minutes=3))
    data = files.jpeg(lat=lat, lon=lon, taken=taken, offset=offset, orientation=6)
    response = post(client, headers, data, lat=lat, lon=lon, accuracy=8)
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert (item["kind"], item["format"], item["width"]) == ("photo", "jpeg", 640)
    assert item["metadata"]["lat"] == pytest.approx(lat, abs=1e-5)
    assert item["metadata"]["make"] == "HUAWEI" and item["metadata"]["orientation"] == 6
    assert item["checks"]["location"]["fence"] == "inside"
    assert not item["checks"]["time"]["failed"]
    assert not item["checks"]["reuse"]["failed"]
    thumb = client.get(f"/api/v1/media/{item['id']}/thumbnail", headers=headers)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert image.size == (240, 320)  # orientation 6 applied
        assert not image.getexif()
    original = client.get(f"/api/v1/media/{item['id']}/file", headers=headers)
    assert original.data == data
    assert db.session.scalar(select(Finding.id)) is None


def test_same_client_id_answers_the_first_and_same_bytes_are_stored_once(client, ctx):
    _, headers = cadre_login(client)
    data = files.png()
    first = post(client, headers, data, id="photo-1")
    again = post(client, headers, files.heic(), id="photo-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["sha256"] == first.get_json()["sha256"]
    post(client, headers, data, id="photo-2")
    assert db.session.scalar(select(func.count()).select_from(MediaItem)) == 2
    originals = [p for p in stored_files(ctx) if p.name == first.get_json()["sha256"]]
    assert len(originals) == 1
    assert all(p.name != "photo.jpg" for p in stored_files(ctx))


@pytest.mark.parametrize("form", ["dms", "decimal", "dm"])
def test_gps_forms_and_location_mismatch(client, ctx, form):
    _, headers = cadre_login(client)
    lat, lon = east_of(VILLAGE, 5000)
    response = post(client, headers, files.jpeg(lat=lat, lon=lon, gps_form=form))
    item = response.get_json()
    assert item["metadata"]["lon"] == pytest.approx(lon, abs=1e-5)
    assert item["checks"]["location"]["fence"] == "outside"
    flag = db.session.scalars(select(Finding)).one()
    assert flag.kind == "photo_location_mismatch" and flag.evidence["media_id"] == item["id"]


def test_time_mismatch(client, ctx):
    _, headers = cadre_login(client)
    taken, offset = local_taken(NOW - timedelta(days=3))
    item = post(client, headers, files.jpeg(taken=taken, offset=offset)).get_json()
    assert item["checks"]["time"]["failed"] and item["checks"]["time"]["gap_hours"] == 72
    taken, _ = local_taken(NOW - timedelta(hours=1))
    no_offset = post(client, headers, files.jpeg(files.scene(9), taken=taken)).get_json()
    assert not no_offset["checks"]["time"]["failed"]  # read in the configured zone
    assert [f.kind for f in db.session.scalars(select(Finding))] == ["photo_time_mismatch"]


def test_reencoded_and_resized_photo_of_another_cadre_is_reused(client, ctx):
    _, first = cadre_login(client, "first")
    _, second = cadre_login(client, "second")
    original = files.scene(7, (1200, 900))
    one = post(client, first, files.jpeg(original, quality=95)).get_json()
    smaller = original.resize((600, 450))
    two = post(client, second, files.jpeg(smaller, quality=60, make="Xiaomi")).get_json()
    assert two["sha256"] != one["sha256"]
    assert two["checks"]["reuse"] == {"failed": True}  # whose photo: reviewers only
    assert db.session.get(MediaItem, two["id"]).checks["reuse"]["media_id"] == one["id"]
    other = post(client, second, files.jpeg(files.scene(8))).get_json()
    assert not other["checks"]["reuse"]["failed"]
    assert [f.kind for f in db.session.scalars(select(Finding))] == ["photo_reused"]


def test_a_reused_photos_origin_is_shown_to_reviewers_not_to_the_cadre(client, ctx):
    """The finding's evidence names the earlier upload and its cadre: another person."""
    _, first = cadre_login(client, "first")
    second_cadre, second = cadre_login(client, "second")
    photo = files.jpeg(files.scene(7))
    one = post(client, first, photo).get_json()
    post(client, second, photo)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    finding = db.session.scalar(select(Finding).where(Finding.cadre_id == second_cadre.id))
    db.session.rollback()
    as_cadre = client.get(f"/api/v1/flags/{finding.id}", headers=second).get_json()
    as_inspector = client.get(f"/api/v1/flags/{finding.id}", headers=login(client, "insp"))
    assert as_cadre["evidence"]["check"] == {"failed": True}
    assert as_inspector.get_json()["evidence"]["check"]["media_id"] == one["id"]


def test_same_cadre_same_day_is_not_reuse_but_another_day_is(client, ctx):
    _, headers = cadre_login(client)
    data = files.jpeg(files.scene(11))
    post(client, headers, data, recorded_at=NOW - timedelta(days=2))
    same_day = post(client, headers, data, recorded_at=NOW - timedelta(days=2, minutes=1))
    assert not same_day.get_json()["checks"]["reuse"]["failed"]
    later = post(client, headers, data).get_json()
    assert later["checks"]["reuse"]["failed"]
    assert db.session.get(MediaItem, later["id"]).checks["reuse"]["same_bytes"]


def test_heic_png_and_video(client, ctx):
    _, headers = cadre_login(client)
    heic = post(client, headers, files.heic(), name="IMG_0001.HEIC").get_json()
    assert (heic["kind"], heic["format"]) == ("photo", "heif")
    webp = post(client, headers, files.webp(), name="x.jpg").get_json()
    assert (webp["kind"], webp["format"]) == ("photo", "webp")
    png = post(client, headers, files.png(), name="screenshot.png").get_json()
    assert png["metadata"]["exif_missing"] is True and png["checks"]["exif_missing"]
    video = post(client, headers, files.mp4(), name="clip.mp4")
    assert video.status_code == 201, video.get_json()
    body = video.get_json()
    assert (body["kind"], body["format"], body["codec"]) == ("video", "mp4", "mpeg4")
    assert body["duration_s"] == pytest.approx(2.0, abs=0.2)
    assert body["metadata"]["lat"] == pytest.approx(36.085)
    assert body["metadata"]["taken_at"].startswith("2026-11-20T01:00:00")
    poster = client.get(f"/api/v1/media/{body['id']}/thumbnail", headers=headers)
    assert poster.status_code == 200 and poster.data[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("data, name, status", [
    (files.PDF, "photo.jpg", 422),
    (files.jpeg()[:9000], "photo.jpg", 422),
    (files.png_bomb(), "big.png", 422),
    (b"", "empty.jpg", 400),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "fake.jpg", 422),
])
def test_bad_files_are_refused_and_nothing_is_stored(client, ctx, data, name, status):
    _, headers = cadre_login(client)
    response = post(client, headers, data, name=name)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(MediaItem)) == 0
    assert stored_files(ctx) == []


def test_size_limits(client, ctx, configure):
    _, headers = cadre_login(client)
    configure(MAX_PHOTO_MB=0)
    response = post(client, headers, files.jpeg())
    assert response.status_code == 413
    assert stored_files(ctx) == []


@pytest.mark.parametrize("fields", [
    {"recorded_at": "yesterday"}, {"recorded_at": "2026-11-20T09:00:00"},
    {"lat": "nan", "lon": "115"}, {"lat": "91", "lon": "115"}, {"lat": "36"},
    {"crs": "utm"}, {"accuracy": "-1"}, {"id": ""},
])
def test_bad_metadata_is_422(client, ctx, fields):
    _, headers = cadre_login(client)
    form = {"id": str(uuid.uuid4()), "recorded_at": NOW.isoformat(), **fields,
            "file": (io.BytesIO(files.png()), "a.png")}
    response = client.post("/api/v1/media", headers=headers, data=form,
                           content_type="multipart/form-data")
    assert response.status_code == 422, response.get_json()
    assert stored_files(ctx) == []


def test_future_and_missing_file(client, ctx):
    _, headers = cadre_login(client)
    assert post(client, headers, files.png(),
                recorded_at=NOW + timedelta(hours=1)).status_code == 422
    response = client.post("/api/v1/media", headers=headers, content_type="multipart/form-data",
                           data={"id": "x", "recorded_at": NOW.isoformat()})
    assert response.status_code == 400


def test_scope_and_access_log(client, ctx):
    _, headers = cadre_login(client)
    item = post(client, headers, files.png()).get_json()
    make_user("insp", "inspector", regions=[TOWNSHIP])
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    _, stranger = cadre_login(client, "stranger")
    for who, status in ((login(client, "insp"), 200), (login(client, "far"), 403),
                        (stranger, 403)):
        for suffix in ("", "/file", "/thumbnail"):
            response = client.get(f"/api/v1/media/{item['id']}{suffix}", headers=who)
            assert response.status_code == status, (suffix, status)
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 3
    assert client.get("/api/v1/media/999999", headers=headers).status_code == 404


def test_concurrent_uploads_of_one_client_id_store_one_item(app, ctx):
    from fieldapp.services.people.registry import create_device

    from .helpers import make_cadre

    cadre = make_cadre()
    _, token = create_device(cadre.id)
    db.session.commit()
    data = files.jpeg(files.scene(12))

    def send():
        response = post(app.test_client(), {"Authorization": f"Device {token}"}, data,
                        id="same-photo")
        return response.status_code, response.get_json()["id"]

    answers = at_once(send)
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    assert len({item_id for _, item_id in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(MediaItem)) == 1


def test_media_list_is_paginated_ranged_scoped_and_logged(client, ctx):
    cadre, headers = cadre_login(client)
    ids = [post(client, headers, files.png(files.scene(seed)),
                recorded_at=NOW - timedelta(hours=hours)).get_json()["id"]
           for seed, hours in ((21, 5), (22, 3), (23, 1))]
    first = client.get("/api/v1/media?per_page=2", headers=headers).get_json()
    assert (first["total"], [i["id"] for i in first["items"]]) == (3, [ids[2], ids[1]])
    last = client.get("/api/v1/media?per_page=2&page=2", headers=headers).get_json()
    assert [i["id"] for i in last["items"]] == ids[:1]
    ranged = client.get("/api/v1/media", headers=headers, query_string={
        "from": (NOW - timedelta(hours=3)).isoformat(),
        "to": (NOW - timedelta(hours=1)).isoformat()})
    assert [i["id"] for i in ranged.get_json()["items"]] == [ids[1]]  # from ≤ t < to
    assert client.get("/api/v1/media?from=2026-11-01T00:00:00", headers=headers).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0  # own reads

    make_user("insp", "inspector", regions=[TOWNSHIP])
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    _, stranger = cadre_login(client, "stranger", village=OTHER_VILLAGE)
    inspector = login(client, "insp")
    read = client.get(f"/api/v1/media?cadre_id={cadre.id}&page=2&per_page=1", headers=inspector)
    assert read.status_code == 200 and read.get_json()["total"] == 3
    assert client.get("/api/v1/media", headers=inspector).status_code == 422  # whose?
    for who in (login(client, "far"), stranger):
        assert client.get(f"/api/v1/media?cadre_id={cadre.id}", headers=who).status_code == 403
    logged = db.session.execute(select(AccessLog.viewer_user_id, AccessLog.subject_cadre_id,
                                       AccessLog.resource, AccessLog.params)).all()
    insp_id = db.session.scalar(select(User.id).where(User.username == "insp"))
    assert logged == [(insp_id, cadre.id, "media", {"page": 2})]
