#!/usr/bin/env bash
# Refresh the message catalog after changing user-visible text: extract every msgid from
# the code and templates (babel.cfg), merge them into fieldapp/translations/zh_Hans_CN, and
# list what still needs a Chinese translation. English is the source language (no catalog).
# The folder is zh_Hans_CN because Babel reads zh_CN as that, and gettext looks only there.
# The install step (scripts/bootstrap.sh) compiles the catalog; tests/unit/test_catalog.py
# fails while any msgid is untranslated.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYBABEL=.venv/bin/pybabel
$PYBABEL -q extract -F babel.cfg -k lazy_gettext -k _l -o /tmp/fieldapp-messages.pot --no-location \
    --sort-output --project fieldapp .
$PYBABEL -q update -i /tmp/fieldapp-messages.pot -d fieldapp/translations -l zh_Hans_CN \
    --no-fuzzy-matching --ignore-obsolete
.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po
with open("fieldapp/translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as f:
    missing = [m.id for m in read_po(f) if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
print("\n".join(str(m) for m in missing) or "every message is translated")
PY
