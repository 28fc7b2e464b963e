"""The demo county: Qingfeng's outline, a synthetic split, and demo people. Safe to rerun.

Demo data only: the people are invented, and the demo week (`demo_week.py`) gives their
phones a fix every few minutes, which no real posting may be made to send (DESIGN §1).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import select

from ...domain.policies import DEFAULT_POLICY_BY_ROLE
from ...extensions import db
from ...models import Assignment, Cadre, Region, User
from ..geodata.boundaries import ImportReport, import_features, load_features
from . import registry

GEODATA = Path(__file__).resolve().parents[3] / "geodata"
COUNTY_CODE = "410922"
FILES = [
    ("county", GEODATA / "410922-qingfeng-county.geojson", "adcode"),
    ("township", GEODATA / "demo" / "410922-townships.geojson", "code"),
    ("village", GEODATA / "demo" / "410922-villages.geojson", "code"),
]
FIRST_SECRETARIES, TEAM_MEMBERS = 178, 268
ASSIGNED_FROM = date(2026, 1, 1)
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌鹏辉玲飞宇")
UNITS = ["清丰县农业农村局", "清丰县财政局", "清丰县教育局", "清丰县卫生健康委员会",
         "濮阳市交通运输局", "濮阳市自然资源和规划局", "河南省农业农村厅", "国网清丰县供电公司",
         "清丰县人民法院", "清丰县住房和城乡建设局"]


DEMO_PHONES = "1390922"  # the demo cadres' phone numbers start so, and are ordered so


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str
    password: str | None  # None: the login existed before and keeps its own password


def load_demo(password: str, progress: Callable[[str], None] = print) -> list[DemoLogin]:
    """Load boundaries and people; existing rows are left as they are."""
    for level, path, code_field in FILES:
        report = import_features(load_features(path), level, code_field=code_field)
        _require_ok(report, path)
        progress(f"{level}: {report.created} created, {report.updated} updated, "
                 f"{report.unchanged} unchanged")
    cadres = _demo_cadres()
    progress(f"cadres: {len(cadres)} ({FIRST_SECRETARIES} first secretaries, "
             f"{TEAM_MEMBERS} team members)")
    return _demo_users(password, cadres)


def _require_ok(report: ImportReport, path: Path) -> None:
    if not report.ok:
        first = report.errors[0]
        raise RuntimeError(f"{path}: feature {first.index} ({first.code}): {first.message}")


def _demo_cadres() -> list[Cadre]:
    """446 cadres on 178 villages: a first secretary each and one or two team members."""
    rng = np.random.default_rng(int(COUNTY_CODE))
    villages = list(db.session.scalars(select(Region.code).where(
        Region.level == "village", Region.code.like(COUNTY_CODE + "%")).order_by(Region.code)))
    posted = sorted(rng.choice(villages, size=FIRST_SECRETARIES, replace=False).tolist())
    second_member = set(rng.choice(posted, size=TEAM_MEMBERS - FIRST_SECRETARIES,
                                   replace=False).tolist())
    plan = []
    for village in posted:
        plan.append(("first_secretary", village))
        plan += [("team_member", village)] * (2 if village in second_member else 1)
    existing = {c.phone: c for c in db.session.scalars(
        select(Cadre).where(Cadre.phone.like(DEMO_PHONES + "%")))}
    cadres = []
    for i, (role, village) in enumerate(plan, start=1):
        phone = f"{DEMO_PHONES}{i:04d}"
        cadre = existing.get(phone)
        if cadre is None:
            name = SURNAMES[rng.integers(len(SURNAMES))] + "".join(
                GIVEN[j] for j in rng.integers(len(GIVEN), size=1 + rng.integers(2)))
            cadre = Cadre(name=name, role=role, unit=UNITS[i % len(UNITS)], phone=phone)
            db.session.add(cadre)
            db.session.flush()
            db.session.add(Assignment(cadre_id=cadre.id, region_code=village,
                                      starts_on=ASSIGNED_FROM,
                                      policy=DEFAULT_POLICY_BY_ROLE[role]))
        cadres.append(cadre)
    db.session.commit()
    return cadres


def _demo_users(password: str, cadres: list[Cadre]) -> list[DemoLogin]:
    townships = list(db.session.scalars(select(Region.code).where(
        Region.level == "township").order_by(Region.code)))
    wanted = [
        ("admin", "admin", None, []),
        ("inspector1", "inspector", None, townships[0:4]),
        ("inspector2", "inspector", None, townships[4:8]),
        ("discipline", "discipline", None, [COUNTY_CODE]),
        ("cadre1", "cadre", cadres[0].id, []),
        ("cadre2", "cadre", cadres[1].id, []),
    ]
    taken = set(db.session.scalars(select(User.username)))
    logins = []
    for username, role, cadre_id, regions in wanted:
        created = username not in taken
        if created:
            registry.create_user(username, password, role, cadre_id=cadre_id, regions=regions)
        scope = ", ".join(regions) if regions else (
            f"cadre {cadre_id}" if cadre_id else "everything")
        logins.append(DemoLogin(username, role, scope, password if created else None))
    return logins


def demo_posts(limit: int | None = None) -> list[tuple[int, str]]:
    """(cadre id, village code) of the demo cadres in their order (cadre1's first), the
    first `limit` of them when given."""
    rows = db.session.execute(
        select(Cadre.id, Assignment.region_code).join(Assignment, Assignment.cadre_id == Cadre.id)
        .where(Cadre.phone.like(DEMO_PHONES + "%"), Assignment.starts_on == ASSIGNED_FROM)
        .order_by(Cadre.phone).limit(limit)).all()
    db.session.commit()  # SQLite: end the read before others write
    return [tuple(row) for row in rows]
