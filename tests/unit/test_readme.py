"""The README cannot drift: the settings table (docs/configuration.md) is `config.SETTINGS`,
and the README's links lead to files inside the repository (or to the local server of its
examples)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fieldapp.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SETTINGS_PAGE = ROOT / "docs" / "configuration.md"
LOCAL_HOSTS = {"localhost", "127.0.0.1"}
EMPTY = "*(empty)*"  # how the table writes an empty default

ROW = re.compile(r"^\|\s*`FIELDAPP_([A-Z0-9_]+)`\s*\|\s*(.*?)\s*\|")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE_SPAN = re.compile(r"(`+).+?\1", re.S)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
AUTOLINK = re.compile(r"<((?:[a-z][a-z0-9+.-]*:|www\.)[^>\s]+)>", re.I)
BARE_URL = re.compile(r"(?<![(<])\b(?:https?://|www\.)[^\s)>\]]+", re.I)


def written(default) -> str:
    """A default as the table writes it."""
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    if default == "":
        return EMPTY
    return f"`{default}`"


def settings_table(text: str) -> list[tuple[str, str]]:
    """(key, default cell) for every row of the table under the Configuration heading."""
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "the settings page has no '## Configuration' section"
    return [(m[1], m[2]) for line in section[1].splitlines() if (m := ROW.match(line))]


def table_problems(text: str) -> list[str]:
    rows = settings_table(text)
    keys = [key for key, _ in rows]
    expected = {s.key: written(s.default) for s in SETTINGS}
    problems = [f"FIELDAPP_{k} is listed {keys.count(k)} times"
                for k in sorted(set(keys)) if keys.count(k) > 1]
    problems += [f"FIELDAPP_{k} is missing" for k in expected if k not in keys]
    problems += [f"FIELDAPP_{k} is no setting" for k in keys if k not in expected]
    problems += [f"FIELDAPP_{k}: default {cell} in the table, {expected[k]} in config.py"
                 for k, cell in rows if k in expected and cell != expected[k]]
    return problems


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = CODE_SPAN.sub(lambda m: m[0].strip("`"), heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def link_targets(text: str) -> list[str]:
    """Every link target of the Markdown text, code blocks and code spans left out."""
    prose = CODE_SPAN.sub("", FENCE.sub("", text))
    return (INLINE_LINK.findall(prose) + REFERENCE.findall(prose) + AUTOLINK.findall(prose)
            + BARE_URL.findall(prose))


def link_problems(text: str, root: Path = ROOT) -> list[str]:
    anchors = {slug(h) for h in re.findall(r"^#{1,6}\s+(.*)$", FENCE.sub("", text), re.M)}
    problems = []
    for target in link_targets(text):
        parts = urlsplit(target)
        if parts.scheme or target.startswith(("//", "www.")):
            if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
                problems.append(f"{target}: links outside the repository")
            continue
        if not parts.path:
            if parts.fragment and parts.fragment not in anchors:
                problems.append(f"{target}: no such heading in the README")
            continue
        if parts.path.startswith("/"):
            problems.append(f"{target}: an absolute path, not a file of the repository")
            continue
        path = (root / unquote(parts.path)).resolve()
        if not path.is_relative_to(root.resolve()):
            problems.append(f"{target}: leads out of the repository")
        elif not path.exists():
            problems.append(f"{target}: no such file in the repository")
    return problems


def test_settings_table_is_config_settings():
    problems = table_problems(SETTINGS_PAGE.read_text(encoding="utf-8"))
    assert not problems, "docs/configuration.md settings table:\n" + "\n".join(problems)


def test_links_stay_inside_the_repository():
    text = README.read_text(encoding="utf-8")
    assert link_targets(text), "the README links nothing: the link parser is broken"
    problems = link_problems(text)
    assert not problems, "README links:\n" + "\n".join(problems)


def _table(rows: list[tuple[str, str]]) -> str:
    lines = "".join(f"| `FIELDAPP_{key}` | {cell} | meaning |\n" for key, cell in rows)
    return ("# x\n\n## Configuration\n\n| variable | default | meaning |\n|---|---|---|\n"
            f"{lines}\n## Next\n")


def test_a_drifted_table_is_caught():
    rows = [(s.key, written(s.default)) for s in SETTINGS]
    assert table_problems(_table(rows)) == []
    assert written(True) == "`true`" and written("") == EMPTY and written(0.2) == "`0.2`"
    (key, cell), *rest = rows
    assert table_problems(_table(rest)) == [f"FIELDAPP_{key} is missing"]
    assert table_problems(_table([(key, "`nonsense`"), *rest])) == [
        f"FIELDAPP_{key}: default `nonsense` in the table, {cell} in config.py"]
    assert table_problems(_table([*rows, ("NO_SUCH_THING", "`1`")])) == [
        "FIELDAPP_NO_SUCH_THING is no setting"]
    assert table_problems(_table([*rows, (key, cell)])) == [f"FIELDAPP_{key} is listed 2 times"]


def test_bad_links_are_caught():
    cases = {
        "[design](../shared/DESIGN.md)": "leads out of the repository",
        "[gone](docs/no-such-file.md)": "no such file",
        "[abs](/etc/passwd)": "absolute path",
        "[web](https://example.com/x)": "outside the repository",
        "see https://example.org/page": "outside the repository",
        "<mailto:someone@example.com>": "outside the repository",
        "[anchor](#no-such-heading)": "no such heading",
    }
    for markdown, reason in cases.items():
        problems = link_problems(f"# Title\n\n{markdown}\n")
        assert len(problems) == 1 and reason in problems[0], (markdown, problems)
    fine = ("# Title\n\n[docs](docs/architecture.md) [top](#title) "
            "[local](http://127.0.0.1:8000/api/v1/docs) <http://localhost:8000/healthz>\n"
            "`[code](../outside.md)`\n```\n[block](../outside.md)\n```\n")
    assert link_problems(fine) == []
