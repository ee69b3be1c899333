#!/usr/bin/env bash
# The whole test suite, installing what it needs first. This is the README's test command and
# what CI runs. As root it installs the Samba AD lab's Debian packages; otherwise it says what
# to install. GITC_LAB=off deselects the lab tests explicitly (they are reported as skipped).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(samba samba-ad-dc winbind ldb-tools smbclient krb5-user libkrb5-dev iproute2)
PY=${PYTHON:-python3}

missing_debs() {
    local missing=()
    for pkg in "${DEBS[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    echo "${missing[@]:-}"
}

if [ "${GITC_LAB:-on}" != "off" ]; then
    missing=$(missing_debs)
    if [ -n "$missing" ]; then
        if [ "$(id -u)" = 0 ]; then
            echo "== installing Debian packages: $missing"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            # shellcheck disable=SC2086
            apt-get install -y -qq --no-install-recommends $missing >/dev/null
        else
            echo "tests/run.sh: the Samba AD lab needs: sudo apt-get install $missing" >&2
            echo "  (or run with GITC_LAB=off to skip the lab tests explicitly)" >&2
            exit 2
        fi
    fi
fi

echo "== installing gitc-agent with its test dependencies"
"$PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'

echo "== ruff"
"$PY" -m ruff check .

echo "== pytest"
"$PY" -m pytest "$@"
