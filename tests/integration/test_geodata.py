"""Boundary import through the CLI and the GeoJSON read API."""
import json

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Region

from .helpers import VILLAGE, admin_headers, cadre_login

SQUARE = [[[116.0, 36.0], [116.01, 36.0], [116.01, 36.01], [116.0, 36.01], [116.0, 36.0]]]
BOW_TIE = [[[116.0, 36.0], [116.01, 36.01], [116.01, 36.0], [116.0, 36.01], [116.0, 36.0]]]


def write(tmp_path, features, name="f.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def feature(code, coords=SQUARE, name="测试", geom_type="Polygon", **props):
    return {"type": "Feature", "properties": {"code": code, "name": name, **props},
            "geometry": {"type": geom_type, "coordinates": coords}}


def run(app, *args):
    db.session.commit()  # end the test's read transaction: SQLite's writer would wait for it
    return app.test_cli_runner().invoke(args=["geodata", "import", *args])


def test_import_county_then_townships_with_repair(ctx, tmp_path):
    result = run(ctx, write(tmp_path, [feature("999001")]), "--level", "county")
    assert result.exit_code == 0, result.output
    result = run(ctx, write(tmp_path, [feature("999001100", BOW_TIE)]), "--level", "township")
    assert result.exit_code == 0 and "repaired feature 0" in result.output
    township = db.session.get(Region, "999001100")
    assert township.parent_code == "999001" and township.level == "township"
    again = run(ctx, write(tmp_path, [feature("999001100", BOW_TIE)]), "--level", "township")
    assert "1 unchanged" in again.output


def test_bad_file_imports_nothing_and_lists_every_bad_feature(ctx, tmp_path):
    run(ctx, write(tmp_path, [feature("999001")]), "--level", "county")
    bad = [feature("999001101"),                                   # fine
           feature("", name="无码"),                                # missing code
           feature("999002101"),                                   # unknown parent
           feature("999001102", [[116.0, 36.0], [116.1, 36.1]], geom_type="LineString"),
           feature("12345", name="短")]                             # wrong length
    result = run(ctx, write(tmp_path, bad), "--level", "township")
    assert result.exit_code == 1
    for index in (1, 2, 3, 4):
        assert f"feature {index} " in result.output
    assert db.session.scalar(select(Region).where(Region.code == "999001101")) is None


def test_gcj02_import_is_converted_to_wgs84(ctx, tmp_path):
    result = run(ctx, write(tmp_path, [feature("999003")]), "--level", "county", "--crs", "gcj02")
    assert result.exit_code == 0
    from geoalchemy2.shape import to_shape

    west = to_shape(db.session.get(Region, "999003").boundary).bounds[0]
    assert 115.993 < west < 115.998  # shifted ~500 m west of the GCJ-02 input


def test_region_and_villages_as_geojson(client):
    admin = admin_headers(client)
    region = client.get(f"/api/v1/regions/{VILLAGE}", headers=admin).get_json()
    assert region["type"] == "Feature" and region["geometry"]["type"] == "MultiPolygon"
    assert region["properties"]["parent_code"] == "410922100"
    full = client.get("/api/v1/villages?parent=410922100", headers=admin).get_json()
    simple = client.get("/api/v1/villages?parent=410922100&simplify_m=200",
                        headers=admin).get_json()
    assert full["type"] == "FeatureCollection" and len(full["features"]) > 10
    assert len(json.dumps(simple)) < len(json.dumps(full))
    assert client.get("/api/v1/villages?parent=abc", headers=admin).status_code == 422


def test_cadre_sees_own_village_fence(client):
    _, headers = cadre_login(client)
    own = client.get("/api/v1/villages?parent=410922100", headers=headers).get_json()
    assert [f["id"] for f in own["features"]] == [VILLAGE]
