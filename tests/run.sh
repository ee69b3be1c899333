#!/usr/bin/env bash
# The whole test suite, installing what it needs first. This is the README's test command and
# what CI runs. As root it installs the Debian packages (chromium, the Samba AD lab); otherwise it says what
# to install. GITC_LAB=off deselects the lab tests explicitly (they are reported as skipped).
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium renders the HTML report in the tests (always), libkrb5-dev builds the Kerberos
# bindings of the test extra (pykerberos, gssapi, krb5); the rest is the Samba AD lab.
DEBS=(chromium libkrb5-dev)
# libreoffice-calc proves the audit workbook opens in an office suite (headless conversion),
# poppler-utils reads the PDF report back (pdftotext, pdftoppm); both without recommendations.
DEBS+=(libreoffice-calc poppler-utils)
NO_RECOMMENDS=" chromium libreoffice-calc poppler-utils "
LAB_DEBS=(samba samba-ad-dc winbind ldb-tools smbclient krb5-user iproute2 postgresql-15 postgresql-15-pgaudit)
if [ "${GITC_LAB:-on}" != "off" ]; then
    DEBS+=("${LAB_DEBS[@]}")
fi
PY=${PYTHON:-python3}

missing_debs() {
    local missing=()
    for pkg in "${DEBS[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    echo "${missing[@]:-}"
}

missing=$(missing_debs)
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "== installing Debian packages: $missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # Samba needs what its packages only recommend (samba-dsdb-modules, samba-ad-provision),
        # so only chromium is installed without recommendations.
        for pkg in $missing; do
            if [[ "$NO_RECOMMENDS" == *" $pkg "* ]]; then
                apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
            fi
        done
        lab=$(for pkg in $missing; do [[ "$NO_RECOMMENDS" == *" $pkg "* ]] || echo "$pkg"; done | xargs)
        if [ -n "$lab" ]; then
            # shellcheck disable=SC2086
            apt-get install -y -qq $lab >/dev/null
        fi
    else
        echo "tests/run.sh: the tests need: sudo apt-get install $missing" >&2
        echo "  (GITC_LAB=off skips the Samba lab tests explicitly; chromium is always needed)" >&2
        exit 2
    fi
fi

echo "== installing gitc-agent with its test dependencies"
"$PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'

echo "== ruff"
"$PY" -m ruff check .

echo "== import contracts (the layers in docs/architecture.md)"
lint-imports

echo "== pytest"
"$PY" -m pytest "$@"
