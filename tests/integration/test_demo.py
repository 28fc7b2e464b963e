"""`flask demo load` builds the demo county and is safe to run twice."""
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Assignment, Cadre, Region, User


def counts():
    """Row counts, read in a transaction that is ended at once (SQLite writers wait for it)."""
    found = {
        "townships": db.session.scalar(select(func.count()).where(Region.level == "township")),
        "villages": db.session.scalar(select(func.count()).where(Region.level == "village")),
        "first": db.session.scalar(select(func.count()).where(Cadre.role == "first_secretary")),
        "members": db.session.scalar(select(func.count()).where(Cadre.role == "team_member")),
        "assignments": db.session.scalar(select(func.count()).select_from(Assignment)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
    }
    db.session.commit()
    return found


def test_demo_load_twice_changes_nothing(ctx):
    runner = ctx.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "inspector1" in first.output and "discipline" in first.output
    after_first = counts()
    assert after_first == {"townships": 17, "villages": 503, "first": 178, "members": 268,
                           "assignments": 446, "users": 6}
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "503 unchanged" in second.output
    assert counts() == after_first


def test_csv_import_all_or_nothing(ctx, tmp_path):
    runner = ctx.test_cli_runner()
    good = tmp_path / "good.csv"
    good.write_text("name,role,unit,phone,region_code,starts_on,ends_on,policy\n"
                    "刘洋,first_secretary,县委组织部,13900000001,410922100201,2026-03-01,,\n"
                    "陈静,county_leader,县政府,,410922100,2026-03-01,,\n", encoding="utf-8")
    assert runner.invoke(args=["people", "import-csv", str(good)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("name,role,unit,phone,region_code,starts_on,ends_on,policy\n"
                   "好人,team_member,,,410922100202,2026-03-01,,\n"
                   ",team_member,,,410922100202,2026-03-01,,\n"
                   "坏日期,team_member,,,410922100202,03/01/2026,,\n", encoding="utf-8")
    result = runner.invoke(args=["people", "import-csv", str(bad)])
    assert result.exit_code == 1 and "line 3" in result.output and "line 4" in result.output
    assert db.session.scalar(select(func.count()).select_from(Cadre)) == 2
