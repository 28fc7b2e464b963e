"""`flask spotcheck derive` prints a pool in RFC 3797's draw order (the RFC's worked example
among them) and `flask spotcheck verify` re-derives a plan export's sample, exiting 1 at the
first difference or on a file that is not an export."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fieldapp.domain.draw import EXPORT_FORMAT, commitment_of, permutation, stratified_sample
from fieldapp.extensions import db
from fieldapp.models import Region

RFC_NAMES = ["John", "Mary", "Bashful", "Dopey", "Sleepy", "Grouchy", "Doc", "Sneazy",
             "Handsome", "Cassandra", "Pollyanna", "Pendragon", "Pandora", "Faith", "Hope",
             "Charity", "Lee", "Longsuffering", "Chastity", "Smith", "Pride", "Sloth", "Envy",
             "Anger", "Kasczynski"]
# RFC 3797 §6: the 16 picks its table prints, then the rest of the draw to the pool's end
RFC_ORDER = [17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22, 5, 18, 9, 1, 4,
             12, 15, 20, 14, 11, 3, 6, 21, 10]
RFC_SOURCES = ["--source", "9319", "--source", "2 5 12 8 10", "--source", "9 18 26 34 41 45"]
SECRET = "县纪委监委 2026 年第四季度"


@pytest.fixture()
def rfc_pool(tmp_path):
    path = tmp_path / "pool.txt"
    # blank lines and the spaces around a name do not count
    path.write_text("\n".join(RFC_NAMES[:10]) + "\n\n  \n" + "\n".join(
        f"  {name} " for name in RFC_NAMES[10:]) + "\n", encoding="utf-8")
    return path


def derive(ctx, *args):
    return ctx.test_cli_runner().invoke(args=["spotcheck", "derive", *args])


def test_derive_prints_the_rfc_order(ctx, rfc_pool):
    result = derive(ctx, "--pool", str(rfc_pool), *RFC_SOURCES)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [RFC_NAMES[n - 1] for n in RFC_ORDER]
    assert "key: 9319./2.5.8.10.12./9.18.26.34.41.45./" in result.stderr


def test_derive_count_and_commas(ctx, rfc_pool):
    result = derive(ctx, "--pool", str(rfc_pool), "--source", "9319", "--source",
                    "2,5,12,8,10", "--source", "45, 41 34,26 18 9", "--count", "10")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [RFC_NAMES[n - 1] for n in RFC_ORDER[:10]]


def test_derive_with_a_secret(ctx, tmp_path):
    pool = tmp_path / "villages.txt"
    codes = [f"410922100{n}" for n in range(201, 231)]
    pool.write_text("\n".join(codes) + "\n", encoding="utf-8")
    result = derive(ctx, "--pool", str(pool), "--source", "3 1 9", "--secret", SECRET)
    assert result.exit_code == 0, result.output
    drawn = [codes[i] for i in permutation(30, [[3, 1, 9]], SECRET)]
    assert result.stdout.splitlines() == drawn
    assert f"key: 1.3.9./{SECRET}/" in result.stderr
    plain = derive(ctx, "--pool", str(pool), "--source", "3 1 9")
    assert plain.stdout.splitlines() != drawn


@pytest.mark.parametrize(("args", "says"), [
    (["--source", "2 -5"], "negative number -5"),
    (["--source", "2 5.5"], "not a whole number"),
    (["--source", " , "], "at least one number"),
    ([], "--source"),
    (["--source", "1", "--secret", ""], "secret is empty"),
    (["--source", "1", "--count", "0"], "--count"),
])
def test_derive_refuses_bad_input(ctx, rfc_pool, args, says):
    result = derive(ctx, "--pool", str(rfc_pool), *args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert result.stdout == ""


def test_derive_refuses_an_empty_or_oversized_pool(ctx, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    result = derive(ctx, "--pool", str(empty), "--source", "1")
    assert result.exit_code == 2 and "lists no items" in result.stderr
    big = tmp_path / "big.txt"
    big.write_text("".join(f"{n}\n" for n in range(65536)), encoding="utf-8")
    result = derive(ctx, "--pool", str(big), "--source", "1")
    assert result.exit_code == 2 and "at most 65535" in result.stderr
    assert result.stdout == ""


def test_derive_help_says_how_the_pool_file_is_read(ctx):
    result = ctx.test_cli_runner().invoke(args=["spotcheck", "derive", "--help"])
    assert result.exit_code == 0
    assert "one item per line" in result.stdout and "blank" in result.stdout


def demo_pool():
    """Two townships' villages of the demo county, ascending by code, as a plan freezes them."""
    codes = db.session.scalars(select(Region.code).where(
        Region.level == "village", Region.code.like("410922100%") | Region.code.like(
            "410922101%")).order_by(Region.code)).all()
    db.session.commit()
    assert len({code[:9] for code in codes}) == 2 and len(codes) > 10
    return [{"village_code": code, "township_code": code[:9]} for code in codes]


def plan_export(pool):
    sources = [{"name": "福彩3D 2026-09-30", "due": "2026-09-30", "numbers": [3, 1, 9]},
               {"name": "双色球 2026-10-01", "due": "2026-10-01",
                "numbers": [2, 5, 12, 8, 10, 33]}]
    before = {pool[0]["township_code"]: [pool[0]["village_code"], pool[2]["village_code"]]}
    sample, after = stratified_sample(
        pool, permutation(len(pool), [s["numbers"] for s in sources], SECRET), 0.5, before)
    return {"format": EXPORT_FORMAT, "region": "410922", "quarter": "2026-Q4", "pool": pool,
            "sources": sources, "commitment": commitment_of(SECRET), "secret": SECRET,
            "quota": 0.5, "cycle_state_before": before, "sample": sample,
            "cycle_state_after": after}


def verify(ctx, path):
    return ctx.test_cli_runner().invoke(args=["spotcheck", "verify", str(path)])


def test_verify_a_published_plan(ctx, tmp_path):
    plan = plan_export(demo_pool())
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    result = verify(ctx, path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"plan 410922 2026-Q4 verified: {len(plan['sample'])} villages " \
                            "sampled\n"
    assert plan["sample"] and plan["pool"][0]["village_code"] not in {
        entry["village_code"] for entry in plan["sample"]}


def test_verify_names_the_first_difference(ctx, tmp_path):
    plan = plan_export(demo_pool())
    taken = {entry["village_code"] for entry in plan["sample"]}
    drawn = plan["sample"][1]
    swapped = next(v["village_code"] for v in plan["pool"]
                   if v["township_code"] == drawn["township_code"]
                   and v["village_code"] not in taken)
    expected = drawn["village_code"]
    drawn["village_code"] = swapped
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    result = verify(ctx, path)
    assert result.exit_code == 1
    assert (f"sample rank {drawn['rank']}: expected {expected}, the plan says {swapped}"
            in result.stderr)
    assert "verified" not in result.stdout


def test_verify_a_wrong_secret(ctx, tmp_path):
    plan = plan_export(demo_pool())
    plan["secret"] = SECRET + " "
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    result = verify(ctx, path)
    assert result.exit_code == 1 and "does not match the commitment" in result.stderr


@pytest.mark.parametrize(("body", "says"), [
    (b"\xff\xfe not text", "not JSON"),
    (b"{\"format\": ", "not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
    (b"[1, 2]", "not a spot-check plan export"),
    (b"{\"format\": \"fieldapp-spotcheck-plan/1\"}", "the export has no region"),
    (b"\"1" + b"9" * 5000 + b"\"", "not a spot-check plan export"),
    (b"{\"quota\": 1" + b"0" * 5000 + b"}", "not JSON"),
])
def test_verify_refuses_what_is_not_an_export(ctx, tmp_path, body, says):
    path = tmp_path / "plan.json"
    path.write_bytes(body)
    result = verify(ctx, path)
    assert result.exit_code == 1
    assert says in result.stderr
    assert result.stdout == ""


def test_verify_a_missing_file_is_a_usage_error(ctx, tmp_path):
    result = verify(ctx, tmp_path / "absent.json")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_derive_refuses_a_pool_that_is_not_utf8_text(ctx, tmp_path):
    pool = tmp_path / "pool.txt"
    pool.write_bytes(b"\xff\xfe\x00bad\n")
    result = derive(ctx, "--pool", str(pool), "--source", "1 2")
    assert result.exit_code == 2 and "not UTF-8 text" in result.output
