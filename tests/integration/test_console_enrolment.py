"""The console's "enrol a phone" page: who sees it, its CSRF-protected form, and its three
QR codes, each decoded from the page's own SVG by a real decoder (zxing-cpp) and used: the
phone link's code redeems once, OwnTracks' configuration and Traccar Client's link carry
credentials that store a fix."""
import base64
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from fieldapp.config import app_settings
from fieldapp.extensions import db
from fieldapp.models import Device, PhoneEnrolment, Ping
from fieldapp.services.ingest import mqtt

from .helpers import OTHER_VILLAGE, TOWNSHIP, make_cadre, make_user
from .page_helpers import csrf_token, page_login, post_form
from .ping_helpers import village_points

QR_SECTION = re.compile(r'data-qr="(\w+)".*?(<svg.*?</svg>)', re.S)
PATH_STEP = re.compile(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?")


def svg_pixels(svg: str) -> Image.Image:
    """Draw segno's SVG (one path of horizontal runs: M x y, m dx dy, h n, in modules
    scaled by its transform) as a black-on-white image, 8 pixels a module."""
    scale = float(re.search(r'transform="scale\(([\d.]+)\)"', svg)[1])
    modules = int(float(re.search(r'width="([\d.]+)"', svg)[1]) / scale)
    image = Image.new("L", (modules, modules), 255)
    x = y = 0.0
    for step, first, second in PATH_STEP.findall(re.search(r' d="([^"]+)"', svg)[1]):
        if step == "M":
            x, y = float(first), float(second)
        elif step == "m":
            x, y = x + float(first), y + float(second)
        else:
            for column in range(int(float(first))):
                image.putpixel((int(x) + column, int(y)), 0)
            x += float(first)
    return image.resize((modules * 8, modules * 8), Image.NEAREST)


def qr_codes(html: str) -> dict[str, str]:
    """What each QR code on the page says, by its section."""
    codes = {}
    for name, svg in QR_SECTION.findall(html):
        (found,) = zxingcpp.read_barcodes(svg_pixels(svg))
        codes[name] = found.text
    return codes


def page(cadre_id: int) -> str:
    return f"/console/cadres/{cadre_id}/enrol"


def enrol_page(client, cadre_id: int, label: str = "") -> str:
    answer = post_form(client, page(cadre_id), page(cadre_id), {"label": label})
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def count(model) -> int:
    n = db.session.scalar(select(func.count()).select_from(model))
    db.session.commit()
    return n


def shown_token(html: str) -> str:
    return re.search(r"<code data-device-token>([^<]+)</code>", html)[1]


@pytest.fixture()
def cadre(ctx):
    return make_cadre()


def test_an_admin_enrols_a_phone_and_each_qr_code_works(client, cadre):
    make_user("root", "admin")
    page_login(client, "root")
    html = enrol_page(client, cadre.id, label="张伟的手机")
    codes = qr_codes(html)
    assert set(codes) == {"phone", "owntracks", "traccar"}
    token = shown_token(html)
    stored = db.session.scalar(select(Device))
    assert (stored.cadre_id, stored.label) == (cadre.id, "张伟的手机")
    db.session.commit()
    (lat, lon), _ = village_points()

    # the phone page's link: the code in the fragment, redeemed once
    phone = urlsplit(codes["phone"])
    assert (phone.scheme, phone.netloc, phone.path) == ("http", "localhost", "/m/enrol")
    assert client.post("/api/v1/enrolments/redeem",
                       json={"code": phone.fragment}).status_code == 201
    assert client.post("/api/v1/enrolments/redeem",
                       json={"code": phone.fragment}).status_code == 410

    # OwnTracks: its remote configuration link, HTTP mode with the device's credentials
    link = urlsplit(codes["owntracks"])
    assert (link.scheme, link.path) == ("owntracks", "/config")
    config = json.loads(base64.b64decode(parse_qs(link.query)["inline"][0]))
    assert config["_type"] == "configuration" and config["mode"] == 3
    assert config["url"] == "http://localhost/api/v1/ingest/owntracks"
    assert config["auth"] is True
    assert (config["username"], config["password"]) == (str(stored.id), token)
    sent = client.post(config["url"], auth=(config["username"], config["password"]),
                       json={"_type": "location", "lat": lat, "lon": lon,
                             "tst": int(time.time()) - 60, "acc": 10})
    assert sent.status_code == 200 and sent.get_json() == []

    # Traccar Client: its configuration link, the OsmAnd endpoint with the token as id
    traccar = urlsplit(codes["traccar"])
    assert traccar.scheme == "org.traccar.client"
    query = {k: v[0] for k, v in parse_qs(traccar.query).items()}
    assert query == {"url": "http://localhost/api/v1/ingest/osmand", "id": token,
                     "accuracy": "high"}
    assert client.post(query["url"], data={"id": query["id"], "lat": lat, "lon": lon,
                                           "accuracy": 10}).status_code == 200
    assert count(Ping) >= 1  # (minimal collection may discard a second fix of the window)


def test_with_a_broker_the_owntracks_code_is_mqtt_mode(client, cadre, configure, tmp_path):
    configure(MQTT_URL="mqtt://fieldapp:service-password@127.0.0.1:1883",
              MQTT_PASSWORD_KEY=str(tmp_path / "mqtt_password_key"),
              PUBLIC_URL="https://fieldapp.example.cn")
    make_user("root", "admin")
    page_login(client, "root")
    html = enrol_page(client, cadre.id)
    codes = qr_codes(html)
    config = json.loads(base64.b64decode(parse_qs(urlsplit(codes["owntracks"]).query)[
        "inline"][0]))
    device_id = db.session.scalar(select(Device.id))
    assert config["mode"] == 0
    assert (config["host"], config["port"], config["tls"]) == ("fieldapp.example.cn", 8883, True)
    assert (config["username"], config["password"]) == mqtt.phone_login(
        app_settings().mqtt, device_id)
    assert urlsplit(codes["phone"]).netloc == "fieldapp.example.cn"


def test_an_inspector_in_scope_sees_the_link_and_enrols(client, cadre):
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    cadre_page = client.get(f"/console/cadres/{cadre.id}").get_data(as_text=True)
    assert f'href="{page(cadre.id)}"' in cadre_page
    html = enrol_page(client, cadre.id)
    assert len(qr_codes(html)) == 3
    assert db.session.scalar(select(PhoneEnrolment.created_by)) is not None
    # the token was shown once: the page, opened again, shows only the form
    again = client.get(page(cadre.id)).get_data(as_text=True)
    assert shown_token(html) not in again and "<svg" not in again


def test_readers_out_of_scope_get_the_404_page_and_enrol_nothing(client, cadre):
    other = make_cadre(OTHER_VILLAGE, name="李娜")
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("disc", "discipline", regions=[TOWNSHIP[:6]])
    make_user("zhang", "cadre", cadre_id=cadre.id)
    page_login(client, "far")
    form = client.get(page(other.id)).get_data(as_text=True)  # a page of theirs: its token
    assert client.get(page(cadre.id)).status_code == 404
    assert client.post(page(cadre.id), data={"csrf_token": csrf_token(form)}).status_code == 404
    for username in ("disc", "zhang"):
        page_login(client, username)
        assert client.get(page(cadre.id)).status_code == 404
    own = client.get(f"/console/cadres/{cadre.id}").get_data(as_text=True)
    assert page(cadre.id) not in own
    assert count(PhoneEnrolment) == 0 and count(Device) == 0


def test_without_the_csrf_token_nothing_is_enrolled(client, cadre):
    make_user("root", "admin")
    page_login(client, "root")
    assert client.post(page(cadre.id), data={"label": "x"}).status_code == 400
    assert client.post(page(cadre.id), data={"label": "x", "csrf_token": "forged"}
                       ).status_code == 400
    assert count(PhoneEnrolment) == 0 and count(Device) == 0


@pytest.mark.parametrize("label", ["x" * 81, "a\0b"])
def test_a_bad_label_is_a_400_page_and_enrols_nothing(client, cadre, label):
    make_user("root", "admin")
    page_login(client, "root")
    answer = post_form(client, page(cadre.id), page(cadre.id), {"label": label})
    assert answer.status_code == 400
    assert count(PhoneEnrolment) == 0 and count(Device) == 0
