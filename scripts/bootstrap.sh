# Sourced by start.sh and test.sh: installs what is missing, then leaves a ready .venv.
#   Debian packages via apt-get (as root, or through sudo); Python packages from PyPI into .venv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

say() { printf 'fieldapp: %s\n' "$*" >&2; }

apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

pick_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        # pyenv shims exist for versions that are not installed: probe quietly
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    apt_install python3 python3-venv
    echo python3
}

ensure_venv() {
    local extras="$1" python stamp want
    if [ ! -x "$VENV/bin/python" ]; then
        python="$(pick_python)"
        "$python" -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
        say "creating $VENV with $("$python" --version)"
        "$python" -m venv "$VENV"
    fi
    stamp="$VENV/.installed"
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)-$extras"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing Python packages into .venv"
        # -qq: errors only (not setuptools' editable-install banner or index warnings)
        "$VENV/bin/python" -m pip install -qq --upgrade pip
        "$VENV/bin/python" -m pip install -qq -e "$ROOT[$extras]"
        echo "$want" > "$stamp"
    fi
    # the console's Chinese message catalog (English is the source language)
    "$VENV/bin/pybabel" -q compile -d "$ROOT/fieldapp/translations"
}

apt_install libsqlite3-mod-spatialite
# the printed audit (WeasyPrint): Pango and HarfBuzz's subsetter; Noto CJK, embedded in each PDF
apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
