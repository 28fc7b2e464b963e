"""Generate the demo split of Qingfeng County (410922) into 17 townships and 503 villages.

Deterministic: a fixed seed, k-means seeds and Voronoi cells clipped to the real county
outline. The output is committed under geodata/demo/; rerun only to change the demo.

    .venv/bin/python tools/generate_demo_geodata.py
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, mapping, shape

ROOT = Path(__file__).resolve().parent.parent
COUNTY_FILE = ROOT / "geodata" / "410922-qingfeng-county.geojson"
OUT = ROOT / "geodata" / "demo"
COUNTY_CODE = "410922"
TOWNSHIP_COUNT, VILLAGE_COUNT = 17, 503
SEED = 410922

TOWNSHIP_NAMES = [
    "城关镇", "柳屯镇", "清河镇", "双庙镇", "固城镇", "杨集镇", "瓦店镇", "东阳乡", "西营乡",
    "南楼乡", "北岗乡", "大湾乡", "高桥乡", "马寨乡", "红庙乡", "古堤乡", "仙坡乡",
]
SURNAMES = list("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
                "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江")
SUFFIXES = list("庄家寨屯营楼集固店堤湾岗园桥口")
PREFIXES = ["", "东", "西", "南", "北", "前", "后", "大", "小"]


def sample_inside(area, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = area.bounds
    found = []
    while sum(len(f) for f in found) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(n * 2, 2))
        found.append(xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])])
    return np.concatenate(found)[:n]


def kmeans(points: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 25):
    centres = points[rng.choice(len(points), size=k, replace=False)]
    for _ in range(rounds):
        nearest = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        for i in range(k):
            members = points[nearest == i]
            if len(members):
                centres[i] = members.mean(axis=0)
    return centres


def cells(area, count: int, rng: np.random.Generator) -> list[MultiPolygon]:
    """`count` Voronoi cells of k-means seeds, clipped to `area`, ordered north-west first."""
    seeds = kmeans(sample_inside(area, max(4000, count * 150), rng), count, rng)
    order = np.lexsort((seeds[:, 0], -np.round(seeds[:, 1], 2)))
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=area.envelope)
    by_seed = {}
    for cell in diagram.geoms:
        for i, (x, y) in enumerate(seeds):
            if cell.contains(Point(x, y)):
                by_seed[i] = cell
    result = []
    for i in order:
        clipped = shapely.set_precision(by_seed[i].intersection(area), 1e-6)
        polygons = [g for g in getattr(clipped, "geoms", [clipped]) if g.geom_type == "Polygon"]
        result.append(MultiPolygon(polygons))
    return result


def split(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder apportionment of `total` by `weights`."""
    raw = np.array(weights) / sum(weights) * total
    counts = np.floor(raw).astype(int)
    for i in np.argsort(raw - counts)[::-1][: total - counts.sum()]:
        counts[i] += 1
    return counts.tolist()


def village_names(rng: np.random.Generator, count: int, used: set[str]) -> list[str]:
    names = []
    while len(names) < count:
        name = (PREFIXES[rng.integers(len(PREFIXES))] + SURNAMES[rng.integers(len(SURNAMES))]
                + SUFFIXES[rng.integers(len(SUFFIXES))] + "村")
        if name not in used:
            used.add(name)
            names.append(name)
    return names


def feature(code: str, name: str, parent: str, geom) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name, "parent": parent},
            "geometry": mapping(geom)}


def main() -> None:
    rng = np.random.default_rng(SEED)
    county = shapely.union_all([shape(f["geometry"]) for f in
                                json.loads(COUNTY_FILE.read_text())["features"]])
    townships = cells(county, TOWNSHIP_COUNT, rng)
    codes = [f"{COUNTY_CODE}100"] + [f"{COUNTY_CODE}{101 + i}" for i in range(6)] + \
            [f"{COUNTY_CODE}{200 + i}" for i in range(10)]
    per_township = split(VILLAGE_COUNT, [t.area for t in townships])
    township_features, village_features, used = [], [], set()
    for code, name, area, count in zip(codes, TOWNSHIP_NAMES, townships, per_township,
                                       strict=True):
        township_features.append(feature(code, name, COUNTY_CODE, area))
        for j, (cell, vname) in enumerate(zip(cells(area, count, rng),
                                              village_names(rng, count, used), strict=True)):
            village_features.append(feature(f"{code}{201 + j:03d}", vname, code, cell))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, features in (("townships", township_features), ("villages", village_features)):
        path = OUT / f"{COUNTY_CODE}-{name}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                   ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"{path.relative_to(ROOT)}: {len(features)} features")


if __name__ == "__main__":
    main()
