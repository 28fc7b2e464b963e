"""The spot-check draw: RFC 3797 §6's worked example, the stratified sample's cycle rule and the
check of a plan export."""
import copy
import hashlib

import pytest

from fieldapp.domain.draw import (
    EXPORT_FORMAT,
    commitment_of,
    draw_order,
    key_string,
    parse_source,
    permutation,
    pick_value,
    quota_count,
    stratified_sample,
    verify_export,
)

RFC_SOURCES = ["9319", "2 5 12 8 10", "9 18 26 34 41 45"]
RFC_NAMES = ["John", "Mary", "Bashful", "Dopey", "Sleepy", "Grouchy", "Doc", "Sneazy",
             "Handsome", "Cassandra", "Pollyanna", "Pendragon", "Pandora", "Faith", "Hope",
             "Charity", "Lee", "Longsuffering", "Chastity", "Smith", "Pride", "Sloth", "Envy",
             "Anger", "Kasczynski"]
# RFC 3797 §6's table: the MD5 of each pick and the 1-based number it selects. The RFC stops
# after 16 picks; drawing on to the end gives the 9 numbers after them.
RFC_TABLE = [
    ("990DD0A5692A029A98B5E01AA28F3459", 17), ("3691E55CB63FCC37914430B2F70B5EC6", 7),
    ("FE814EDF564C190AC1D25753979990FA", 2), ("1863CCACEB568C31D7DDBDF1D4E91387", 16),
    ("F4AB33DF4889F0AF29C513905BE1D758", 25), ("13EAEB529F61ACFB9A29D0BA3A60DE4A", 23),
    ("992DB77C382CA2BDB9727001F3CDCCD9", 8), ("63AB4258ECA922976811C7F55C383CE7", 24),
    ("DFBC5AC97CED01B3A6E348E3CC63F40D", 19), ("31CB111C4A4EBE9287CEAE16FE51B909", 13),
    ("07FA46C122F164C215BBC72793B189A3", 22), ("AC52F8D75CCBE2E61AFEB3387637D501", 5),
    ("53306F73E14FC0B2FBF434218D25948E", 18), ("B5D1403501A81F9A47318BE7893B347C", 9),
    ("85B10B356AA06663EF1B1B407765100A", 1), ("3269E6CE559ABD57E2BA6AAB495EB9BD", 4),
]
RFC_AFTER_TABLE = [12, 15, 20, 14, 11, 3, 6, 21, 10]


def rfc_sources():
    return [parse_source(text) for text in RFC_SOURCES]


def test_rfc_3797_key_string():
    assert key_string(rfc_sources()) == "9319./2.5.8.10.12./9.18.26.34.41.45./"


def test_rfc_3797_worked_example_pick_by_pick():
    key = key_string(rfc_sources())
    drawn = permutation(25, rfc_sources())
    left = list(range(1, 26))
    for i, (md5_hex, selected) in enumerate(RFC_TABLE):
        value = pick_value(i, key)
        assert f"{value:032X}" == md5_hex
        assert left.pop(value % len(left)) == selected
        assert drawn[i] + 1 == selected


def test_rfc_3797_worked_example_whole_permutation():
    expected = [number for _, number in RFC_TABLE] + RFC_AFTER_TABLE
    assert [index + 1 for index in permutation(25, rfc_sources())] == expected
    assert draw_order(RFC_NAMES, rfc_sources())[:10] == [
        "Lee", "Doc", "Mary", "Charity", "Kasczynski", "Envy", "Sneazy", "Anger", "Chastity",
        "Pandora"]


def test_key_sorts_each_source_not_the_sources():
    assert key_string([[10, 2], [1]]) == "2.10./1./"
    assert key_string([[1], [10, 2]]) == "1./2.10./"


def test_secret_ends_the_key_and_changes_the_draw():
    assert key_string([[3, 1]], "乡镇抽查 2026") == "1.3./乡镇抽查 2026/"
    assert permutation(25, rfc_sources(), "s3cret") != permutation(25, rfc_sources())
    assert permutation(25, rfc_sources(), "s3cret") == permutation(25, rfc_sources(), "s3cret")


@pytest.mark.parametrize(("text", "numbers"), [
    ("9319", [9319]), ("2 5 12 8 10", [2, 5, 12, 8, 10]), ("2,5,12,8,10", [2, 5, 12, 8, 10]),
    (" 2, 5 ,12\t8\n10 ", [2, 5, 12, 8, 10]), ("007 0", [7, 0]), ("9 3 1 9", [9, 3, 1, 9]),
])
def test_parse_source(text, numbers):
    assert parse_source(text) == numbers


@pytest.mark.parametrize(("text", "says"), [
    ("", "at least one number"), (" , ", "at least one number"), ("2 -5", "negative number -5"),
    ("1.5", "not a whole number"), ("12a", "not a whole number"), ("٣", "not a whole number"),
    ("+4", "not a whole number"),
])
def test_bad_sources_are_refused(text, says):
    with pytest.raises(ValueError, match=says):
        parse_source(text)


@pytest.mark.parametrize(("sources", "says"), [
    ([], "at least one public source"), ([[]], "at least one number"),
    ([[1, -2]], "negative"), ([[1.5]], "not a whole number"), ([[True]], "not a whole number"),
    (["12"], "a list of whole numbers"),
])
def test_bad_source_lists_are_refused(sources, says):
    with pytest.raises(ValueError, match=says):
        permutation(3, sources)


def test_pool_size_limits():
    assert permutation(0, [[1]]) == []
    assert permutation(1, [[1]]) == [0]
    assert sorted(permutation(65535, [[1]])) == list(range(65535))
    with pytest.raises(ValueError, match="at most 65535"):
        permutation(65536, [[1]])
    with pytest.raises(ValueError, match="pool size"):
        permutation(-1, [[1]])
    with pytest.raises(ValueError, match="secret is empty"):
        permutation(3, [[1]], "")


def township_pool(township: str, count: int) -> list[dict[str, str]]:
    return [{"village_code": f"{township}{n:03d}", "township_code": township}
            for n in range(201, 201 + count)]


def codes(sample):
    return [entry["village_code"] for entry in sample]


def test_cycle_rule_over_quarters():
    """Three villages at quota 0.5: two, then the last one plus one from a new cycle, then the
    two the new cycle has not had, then a fresh cycle."""
    pool = township_pool("410922100", 3)
    a, b, c = (v["village_code"] for v in pool)
    order = [1, 2, 0]  # b, c, a
    q1, state = stratified_sample(pool, order, 0.5, {})
    assert codes(q1) == [b, c] and state == {"410922100": [b, c]}
    q2, state = stratified_sample(pool, order, 0.5, state)
    # a is all the cycle had left; the new cycle gives b, first in the order besides a
    assert codes(q2) == [b, a] and state == {"410922100": [b]}
    q3, state = stratified_sample(pool, order, 0.5, state)
    assert codes(q3) == [c, a] and state == {"410922100": [a, b, c]}
    q4, state = stratified_sample(pool, order, 0.5, state)
    assert codes(q4) == [b, c] and state == {"410922100": [b, c]}


def test_no_village_twice_before_every_village_once():
    pool = township_pool("410922100", 7)
    order = permutation(7, [[4, 8, 15], [16, 23, 42]])
    state, checks = {}, dict.fromkeys(codes(pool), 0)
    for _ in range(9):
        sample, state = stratified_sample(pool, order, 0.3, state)
        assert len(sample) == len(set(codes(sample))) == 3  # ⌈0.3 × 7⌉
        for code in codes(sample):
            checks[code] += 1
        assert max(checks.values()) - min(checks.values()) <= 1
    assert set(checks.values()) == {3, 4}


def test_sample_is_stratified_in_rank_order_with_ranks():
    pool = township_pool("410922100", 4) + township_pool("410922101", 2)
    order = permutation(len(pool), rfc_sources())
    sample, state = stratified_sample(pool, order, 0.5, {"410922999": ["410922999201"]})
    assert [entry["rank"] for entry in sample] == sorted(entry["rank"] for entry in sample)
    by_township = {}
    for entry in sample:
        assert order[entry["rank"] - 1] == next(i for i, v in enumerate(pool)
                                                if v["village_code"] == entry["village_code"])
        assert entry["township_code"] == entry["village_code"][:9]
        by_township.setdefault(entry["township_code"], []).append(entry["village_code"])
    assert {t: len(v) for t, v in by_township.items()} == {"410922100": 2, "410922101": 1}
    assert state["410922999"] == ["410922999201"]  # a township no longer in the pool keeps its


def test_quota_one_takes_every_village_every_quarter():
    pool = township_pool("410922100", 5)
    order = permutation(5, rfc_sources())
    state = {}
    for _ in range(3):
        sample, state = stratified_sample(pool, order, 1.0, state)
        assert sorted(codes(sample)) == codes(pool)


@pytest.mark.parametrize("quota", [0, 0.0, -0.5, 1.5, True, "0.5", float("nan")])
def test_bad_quota_is_refused(quota):
    pool = township_pool("410922100", 3)
    with pytest.raises(ValueError, match="quota"):
        stratified_sample(pool, [0, 1, 2], quota, {})


def test_quota_counts_on_the_decimal_quota():
    assert 0.55 * 100 > 55
    assert quota_count(0.55, 100) == 55
    assert quota_count(0.28, 25) == 7
    assert quota_count(0.5, 3) == 2
    assert quota_count(0.01, 3) == 1


def test_sample_is_deterministic():
    pool = township_pool("410922100", 9) + township_pool("410922101", 6)
    runs = [stratified_sample(pool, permutation(15, rfc_sources(), "x"), 0.5,
                              {"410922100": ["410922100203"]}) for _ in range(2)]
    assert runs[0] == runs[1]


def test_pool_must_be_ascending_and_consistent():
    pool = township_pool("410922100", 3)
    with pytest.raises(ValueError, match="ascending"):
        stratified_sample(list(reversed(pool)), [0, 1, 2], 0.5, {})
    wrong = copy.deepcopy(pool)
    wrong[1]["township_code"] = "410922101"
    with pytest.raises(ValueError, match="lies in township 410922100"):
        stratified_sample(wrong, [0, 1, 2], 0.5, {})
    with pytest.raises(ValueError, match="permutation"):
        stratified_sample(pool, [0, 1, 1], 0.5, {})


SECRET = "县纪委 2026-Q4 抽查"


def export(secret=SECRET):
    pool = township_pool("410922100", 5) + township_pool("410922101", 3)
    sources = [{"name": "福彩3D 2026-09-30", "due": "2026-09-30", "numbers": [3, 1, 9]},
               {"name": "双色球 2026-10-01", "due": "2026-10-01",
                "numbers": [2, 5, 12, 8, 10, 33]}]
    before = {"410922100": ["410922100202"]}
    sample, after = stratified_sample(
        pool, permutation(len(pool), [s["numbers"] for s in sources], secret), 0.5, before)
    return {"format": EXPORT_FORMAT, "region": "410922", "quarter": "2026-Q4", "pool": pool,
            "sources": sources, "commitment": commitment_of(secret), "secret": secret,
            "quota": 0.5, "cycle_state_before": before, "sample": sample,
            "cycle_state_after": after}


def test_an_honest_export_verifies():
    plan = export()
    assert plan["commitment"] == hashlib.sha256(SECRET.encode("utf-8")).hexdigest()
    assert verify_export(plan) is None
    plan["commitment"] = plan["commitment"].upper()
    assert verify_export(plan) is None


def test_a_swapped_village_is_named():
    plan = export()
    drawn = plan["sample"][2]["village_code"]
    other = next(v["village_code"] for v in plan["pool"]
                 if v["township_code"] == plan["sample"][2]["township_code"]
                 and v["village_code"] not in {s["village_code"] for s in plan["sample"]})
    plan["sample"][2]["village_code"] = other
    assert verify_export(plan) == (f"sample rank {plan['sample'][2]['rank']}: expected "
                                   f"{drawn}, the plan says {other}")


def tampered(change):
    plan = export()
    change(plan)
    return verify_export(plan)


@pytest.mark.parametrize(("change", "says"), [
    (lambda p: p.update(secret="another secret"), "does not match the commitment"),
    (lambda p: p.update(secret=None), "not revealed yet"),
    (lambda p: p.update(format="something/1"), "not a spot-check plan export"),
    (lambda p: p.pop("sample"), "has no sample"),
    (lambda p: p["pool"].reverse(), "ascending by village code"),
    (lambda p: p["pool"].pop(), "sample"),
    (lambda p: p["sources"][1]["numbers"].append(34), "sample"),
    (lambda p: p["sources"][0].update(numbers=None), "source 1 has no numbers"),
    (lambda p: p["sources"][0].update(numbers=[-1]), "negative"),
    (lambda p: p.update(quota=0.75), "the plan samples"),
    (lambda p: p.update(quota=0), "quota"),
    (lambda p: p["sample"].pop(), "the plan samples"),
    (lambda p: p["sample"][0].update(rank=99), "expected rank"),
    (lambda p: p["cycle_state_before"].clear(), ""),
    (lambda p: p["cycle_state_after"]["410922101"].pop(), "cycle state after, township "
                                                          "410922101"),
    (lambda p: p.update(cycle_state_after=[]), "cycle state"),
    (lambda p: p.update(commitment="abc"), "not a SHA-256"),
])
def test_tampered_exports_are_caught(change, says):
    problem = tampered(change)
    assert problem is not None and says in problem


def test_not_an_export():
    assert "not a spot-check plan export" in verify_export([1, 2])
    assert "not a spot-check plan export" in verify_export("plan")
