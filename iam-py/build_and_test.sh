#!/usr/bin/env bash
# Builds the iamkit wheel, installs it, and runs ruff, mypy and pytest against the INSTALLED
# package (never against target/). Works from a clean clone; CI calls it.
#
#   bash iam-py/build_and_test.sh            # everything
#   PYTHON=python3.12 bash iam-py/build_and_test.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
cd "$ROOT"

echo "== tools and test dependencies"
# One pip call: a no-op (a few seconds) when everything is already installed.
#   notebook test: nbclient + nbconvert + ipykernel (the python3 kernel) + pandas
#   boto3 interop test: boto3 + moto's in-process AWS mock
"$PY" -m pip install --quiet --disable-pip-version-check "maturin>=1.9.4,<2" "pytest>=7" "mypy>=1.10" \
    "ruff>=0.5" "botocore>=1.34" "boto3>=1.34" "moto[iam,sts,organizations]>=5,<6" \
    "nbclient>=0.10" "nbconvert>=7" "nbformat>=5" "ipykernel>=6" "pandas>=2"

# The browser test loads the rendered notebook in Debian's headless Chromium.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "== chromium (Debian package, for the browser test)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
        echo "warning: could not install chromium; the browser test will be skipped" >&2
    fi
fi

echo "== build wheel (release)"
DIST="$(mktemp -d)"
trap 'rm -rf "$DIST"' EXIT
"$PY" -m maturin build --release --interpreter "$PY" --out "$DIST"

echo "== install wheel"
WHEEL="$(ls "$DIST"/iamkit-*.whl)"
case "$(basename "$WHEEL")" in
    *-cp310-abi3-*) echo "abi3 wheel for CPython >= 3.10: $(basename "$WHEEL")" ;;
    *) echo "error: not an abi3 (cp310) wheel: $(basename "$WHEEL")" >&2; exit 1 ;;
esac
"$PY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WHEEL"

echo "== ruff"
"$PY" -m ruff check iam-py/python iam-py/tests examples/*.py
"$PY" -m ruff format --check iam-py/python iam-py/tests examples/*.py

echo "== mypy --strict (package and stubs)"
"$PY" -m mypy --strict --no-incremental iam-py/python/iamkit

echo "== mypy --strict (examples, against the installed wheel's stubs)"
"$PY" -m mypy --strict --no-incremental examples/*.py

echo "== pytest (against the installed wheel)"
cd "$DIST"   # keep the source tree off sys.path
"$PY" -m pytest "$ROOT/iam-py/tests" -q -p no:cacheprovider --rootdir "$ROOT" -c "$ROOT/pyproject.toml"
