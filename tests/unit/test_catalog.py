"""Every user-visible message in the code and the templates has its Chinese translation,
with the same placeholders; the catalog the install step compiled is the one in the repo."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "fieldapp" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def extracted() -> set[str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog():
    with open(CATALOG / "messages.po", "rb") as po:
        return read_po(po)


def test_every_message_is_translated_with_its_placeholders():
    messages = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog() if m.id}
    missing = sorted(extracted() - set(messages))
    assert not missing, f"not in the catalog (run tools/update_catalog.sh): {missing}"
    problems = []
    for msgid, message in messages.items():
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {msgid!r}")
            continue
        wanted = set(PLACEHOLDER.findall(msgid))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {msgid!r} → {string!r}")
    assert not problems, "\n".join(problems)


def test_the_compiled_catalog_is_current():
    compiled = CATALOG / "messages.mo"
    assert compiled.exists(), "the install step (scripts/bootstrap.sh) compiles the catalog"
    with open(compiled, "rb") as mo:
        built = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_mo(mo)}
    for message in catalog():
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if msgid:
            assert msgid in built, f"{msgid!r} is not compiled: rerun scripts/bootstrap.sh"
