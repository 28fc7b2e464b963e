"""The spot-check draw: RFC 3797's publicly verifiable random selection, the quarter's sample
stratified by township with its cycle rule, and the check of a published plan.

**Sources.** A source is what one named public random event produced (a lottery's numbers on a
named date), written as integers separated by spaces or commas: ``"2 5 12 8 10"``,
``"2,5,12,8,10"``. A run of digits is one number, so ``"9319"`` (a four-digit daily number) is
the single number 9319, as in RFC 3797 §6; give ``"9 3 1 9"`` to mean four numbers. Leading
zeros do not count (``"007"`` is 7). Negative numbers, anything not a whole decimal number and
empty sources are refused with ValueError.

**The key** (RFC 3797 §4): for each source in the order the plan names them, its numbers sorted
ascending, each written in decimal followed by ``"."``, the source ended by ``"/"``; then, when
there is a secret, its text as written followed by ``"/"``. The key is hashed as UTF-8.

**The draw**: pick i (i = 0, 1, …) takes MD5(i as 2 bytes big-endian ‖ key ‖ i as 2 bytes
big-endian) as an unsigned big-endian integer, modulo the number of items left, and removes
that item; drawing until the pool is empty gives a permutation. The 2-byte counter limits a
pool to 65535 items.

**The quarter's sample** (`stratified_sample`): per township (a village's township is its
code's first 9 digits), ⌈quota × the township's villages in the pool⌉ villages, taken in
permutation order, skipping those already sampled in the township's current cycle. When fewer
remain than the quota needs, all of them are taken, a new cycle starts, and the rest comes in
permutation order from the villages not taken this quarter; the new cycle then holds only that
rest. Each entry is ``{"village_code", "township_code", "rank"}``, rank being the village's
position in the permutation (1 = drawn first); the sample is in rank order. The cycle state is
``{township code: [village codes sampled in its current cycle, ascending]}``.

**A plan's export** (what `verify_export` checks), one JSON object::

    {"format": "fieldapp-spotcheck-plan/1",
     "region": "410922", "quarter": "2026-Q4",
     "pool": [{"village_code": "410922100201", "township_code": "410922100"}, ...],
     "sources": [{"name": "...", "due": "2026-09-30", "numbers": [2, 5, 12, 8, 10]}, ...],
     "commitment": "<SHA-256 hex of the secret's UTF-8 text>",
     "secret": "<the secret, once revealed; null before>",
     "quota": 0.5,
     "cycle_state_before": {"410922100": ["410922100201"], ...},
     "sample": [{"village_code": "...", "township_code": "...", "rank": 3}, ...],
     "cycle_state_after": {...}}

The pool is ascending by village code; the sources are in the order the plan named them.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

EXPORT_FORMAT = "fieldapp-spotcheck-plan/1"
MAX_POOL = 0xFFFF
TOWNSHIP_CODE_LENGTH = 9

_SEPARATORS = re.compile(r"[\s,]+")
_NUMBER = re.compile(r"[0-9]+", re.ASCII)
_SHA256_HEX = re.compile(r"[0-9a-f]{64}", re.ASCII)


def parse_source(text: str) -> list[int]:
    """The numbers of a source written as integers separated by spaces or commas."""
    tokens = [token for token in _SEPARATORS.split(text) if token]
    if not tokens:
        raise ValueError("a source needs at least one number")
    numbers = []
    for token in tokens:
        if token.startswith("-") and _NUMBER.fullmatch(token[1:]):
            raise ValueError(f"negative number {token} in source {text!r}")
        if not _NUMBER.fullmatch(token):
            raise ValueError(f"{token!r} in source {text!r} is not a whole number")
        numbers.append(int(token))
    return numbers


def checked_source(numbers: Sequence[Any]) -> list[int]:
    """A source given as a list of numbers (as JSON has it), checked like `parse_source`."""
    if isinstance(numbers, str | bytes) or not isinstance(numbers, Sequence):
        raise ValueError("a source is a list of whole numbers")
    if not numbers:
        raise ValueError("a source needs at least one number")
    for number in numbers:
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError(f"{number!r} in a source is not a whole number")
        if number < 0:
            raise ValueError(f"negative number {number} in a source")
    return list(numbers)


def key_string(sources: Sequence[Sequence[int]], secret: str | None = None) -> str:
    """RFC 3797's key: each source's numbers ascending, each followed by ".", each source
    ended by "/", then the secret followed by "/" when there is one."""
    if not sources:
        raise ValueError("the draw needs at least one public source")
    key = "".join("".join(f"{number}." for number in sorted(checked_source(source))) + "/"
                  for source in sources)
    if secret is not None:
        if secret == "":
            raise ValueError("the secret is empty")
        key += secret + "/"
    return key


def pick_value(i: int, key: str) -> int:
    """MD5(i as 2 bytes big-endian ‖ key ‖ i as 2 bytes big-endian) as an unsigned integer."""
    counter = i.to_bytes(2, "big")
    digest = hashlib.md5(counter + key.encode() + counter, usedforsecurity=False).digest()
    return int.from_bytes(digest, "big")


def permutation(n: int, sources: Sequence[Sequence[int]], secret: str | None = None
                ) -> list[int]:
    """The whole draw from a pool of n items: their 0-based indices in the order drawn."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"a pool size is a whole number, not {n!r}")
    if n > MAX_POOL:
        raise ValueError(f"a pool holds at most {MAX_POOL} items (RFC 3797's pick counter is "
                         f"2 bytes), not {n}")
    key = key_string(sources, secret)
    left = list(range(n))
    return [left.pop(pick_value(i, key) % len(left)) for i in range(n)]


def draw_order(items: Sequence[Any], sources: Sequence[Sequence[int]],
               secret: str | None = None) -> list[Any]:
    """The items in the order the draw selects them."""
    return [items[index] for index in permutation(len(items), sources, secret)]


def township_of(village_code: str) -> str:
    return village_code[:TOWNSHIP_CODE_LENGTH]


def quota_count(quota: float, villages: int) -> int:
    """⌈quota × villages⌉, on the quota as written in decimal (0.7 × 10 is 7, not 8)."""
    return math.ceil(Fraction(repr(float(quota))) * villages)


def checked_quota(quota: Any) -> float:
    if isinstance(quota, bool) or not isinstance(quota, int | float) or not 0 < quota <= 1:
        raise ValueError(f"the quota is a share above 0 and at most 1, not {quota!r}")
    return float(quota)


def checked_pool(pool: Any) -> list[dict[str, str]]:
    """The pool as a plan holds it: villages ascending by code, each with its township."""
    if not isinstance(pool, list) or not pool:
        raise ValueError("the pool is a non-empty list of villages")
    if len(pool) > MAX_POOL:
        raise ValueError(f"a pool holds at most {MAX_POOL} villages, not {len(pool)}")
    previous = None
    for position, entry in enumerate(pool, 1):
        code = entry.get("village_code") if isinstance(entry, dict) else None
        if not (isinstance(code, str) and code.isascii() and code.isdigit()
                and len(code) > TOWNSHIP_CODE_LENGTH):
            raise ValueError(f"pool entry {position} has no village code")
        if entry.get("township_code") != township_of(code):
            raise ValueError(f"pool entry {position}: village {code} lies in township "
                             f"{township_of(code)}, not {entry.get('township_code')!r}")
        if previous is not None and code <= previous:
            raise ValueError(f"pool entry {position}: village {code} is listed after "
                             f"{previous}; the pool must be ascending by village code, each "
                             "village once")
        previous = code
    return pool


def checked_cycle_state(state: Any) -> dict[str, list[str]]:
    if not isinstance(state, dict) or not all(
            isinstance(township, str) and isinstance(codes, list)
            and all(isinstance(code, str) for code in codes)
            for township, codes in state.items()):
        raise ValueError("a cycle state maps township codes to lists of village codes")
    return {township: sorted(set(codes)) for township, codes in state.items()}


def stratified_sample(pool: Sequence[Mapping[str, str]], permutation: Sequence[int],
                      quota: float, cycle_state: Mapping[str, Sequence[str]]
                      ) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The quarter's sample from the pool in permutation order, and the cycle state after it
    (townships absent from the pool keep theirs)."""
    pool = checked_pool(list(pool))
    quota = checked_quota(quota)
    state = checked_cycle_state(dict(cycle_state))
    if sorted(permutation) != list(range(len(pool))):
        raise ValueError(f"the permutation does not order the {len(pool)} villages of the pool")
    rank_of = {pool[index]["village_code"]: rank
               for rank, index in enumerate(permutation, 1)}
    by_township: dict[str, list[str]] = {}
    for index in permutation:
        by_township.setdefault(pool[index]["township_code"], []).append(
            pool[index]["village_code"])
    sample = []
    for township, villages in by_township.items():
        wanted = quota_count(quota, len(villages))
        checked = set(state.get(township, ()))
        remaining = [code for code in villages if code not in checked]
        if len(remaining) >= wanted:
            taken = remaining[:wanted]
            state[township] = sorted(checked.union(taken))
        else:
            rest = [code for code in villages if code not in remaining][:wanted - len(remaining)]
            taken = remaining + rest
            state[township] = sorted(rest)
        sample.extend({"village_code": code, "township_code": township,
                       "rank": rank_of[code]} for code in taken)
    sample.sort(key=lambda entry: entry["rank"])
    return sample, state


def commitment_of(secret: str) -> str:
    """The SHA-256 hex of the secret's UTF-8 text, as a plan publishes it."""
    return hashlib.sha256(secret.encode()).hexdigest()


def verify_export(export: Any) -> str | None:
    """Re-derive a plan export's permutation, sample and cycle state from its pool, sources,
    secret, quota and earlier cycle state; None when all match, else a sentence naming the
    first difference."""
    if not isinstance(export, dict) or export.get("format") != EXPORT_FORMAT:
        return f"not a spot-check plan export (its format is not {EXPORT_FORMAT})"
    missing = [key for key in ("region", "quarter", "pool", "sources", "commitment", "secret",
                               "quota", "cycle_state_before", "sample", "cycle_state_after")
               if key not in export]
    if missing:
        return f"the export has no {', '.join(missing)}"
    commitment, secret = export["commitment"], export["secret"]
    if not (isinstance(commitment, str) and _SHA256_HEX.fullmatch(commitment.lower())):
        return "the commitment is not a SHA-256 hex digest"
    if secret is None:
        return "the secret is not revealed yet, so the sample cannot be re-derived"
    if not isinstance(secret, str) or secret == "":
        return "the secret is not a text"
    if commitment_of(secret) != commitment.lower():
        return (f"the secret does not match the commitment: its SHA-256 is "
                f"{commitment_of(secret)}, the plan committed to {commitment.lower()}")
    try:
        pool = checked_pool(export["pool"])
        numbers = _source_numbers(export["sources"])
        quota = checked_quota(export["quota"])
        before = checked_cycle_state(export["cycle_state_before"])
        sample, after = stratified_sample(pool, permutation(len(pool), numbers, secret),
                                          quota, before)
        claimed_after = checked_cycle_state(export["cycle_state_after"])
    except ValueError as exc:
        return str(exc)
    return _sample_difference(sample, export["sample"]) or _state_difference(
        after, claimed_after)


def _source_numbers(sources: Any) -> list[list[int]]:
    if not isinstance(sources, list) or not sources:
        raise ValueError("the export names no sources")
    numbers = []
    for position, source in enumerate(sources, 1):
        if not isinstance(source, dict) or source.get("numbers") is None:
            raise ValueError(f"source {position} has no numbers yet")
        try:
            numbers.append(checked_source(source["numbers"]))
        except ValueError as exc:
            raise ValueError(f"source {position} ({source.get('name')}): {exc}") from None
    return numbers


def _sample_difference(expected: list[dict[str, Any]], claimed: Any) -> str | None:
    if not isinstance(claimed, list):
        return "the sample is not a list"
    for position, (mine, theirs) in enumerate(zip(expected, claimed, strict=False), 1):
        if not isinstance(theirs, dict):
            return f"sample entry {position} is not a village"
        if theirs.get("village_code") != mine["village_code"]:
            return (f"sample rank {mine['rank']}: expected {mine['village_code']}, the plan "
                    f"says {theirs.get('village_code')}")
        for field in ("township_code", "rank"):
            if theirs.get(field) != mine[field]:
                return (f"sample entry {position} ({mine['village_code']}): expected {field} "
                        f"{mine[field]}, the plan says {theirs.get(field)}")
    if len(claimed) != len(expected):
        return (f"the plan samples {len(claimed)} villages; the draw gives {len(expected)}"
                + (f", the next being {expected[len(claimed)]['village_code']} (rank "
                   f"{expected[len(claimed)]['rank']})" if len(expected) > len(claimed) else ""))
    return None


def _state_difference(expected: dict[str, list[str]], claimed: dict[str, list[str]]
                      ) -> str | None:
    for township in sorted(expected.keys() | claimed.keys()):
        if expected.get(township, []) != claimed.get(township, []):
            return (f"cycle state after, township {township}: expected "
                    f"{expected.get(township, [])}, the plan says {claimed.get(township, [])}")
    return None
