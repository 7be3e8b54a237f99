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

echo "== tools"
"$PY" -m pip install --quiet --disable-pip-version-check "maturin>=1.9.4,<2" "pytest>=7" "mypy>=1.10" "ruff>=0.5" "botocore>=1.34"

echo "== build wheel (release)"
DIST="$(mktemp -d)"
trap 'rm -rf "$DIST"' EXIT
"$PY" -m maturin build --release --interpreter "$PY" --out "$DIST"

echo "== install wheel"
"$PY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$DIST"/iamkit-*.whl

echo "== ruff"
"$PY" -m ruff check iam-py/python iam-py/tests
"$PY" -m ruff format --check iam-py/python iam-py/tests

echo "== mypy --strict (package and stubs)"
"$PY" -m mypy --strict --no-incremental iam-py/python/iamkit

echo "== pytest (against the installed wheel)"
cd "$DIST"   # keep the source tree off sys.path
"$PY" -m pytest "$ROOT/iam-py/tests" -q -p no:cacheprovider --rootdir "$ROOT" -c "$ROOT/pyproject.toml"
