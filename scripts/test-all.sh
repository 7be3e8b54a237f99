#!/usr/bin/env bash
# Runs every test of iamkit from a clean clone: Rust formatting and lints, the Rust test suites
# (unit, integration, conformance, property tests, doctests), then the Python package: wheel
# build, install into the project's own virtual environment, ruff, mypy and pytest against the
# installed wheel.
#
#   bash scripts/test-all.sh                 # everything (what CI runs)
#   bash scripts/test-all.sh --rust-only     # fmt, clippy, cargo test
#   bash scripts/test-all.sh --python-only   # venv, wheel, ruff, mypy, pytest
#   PYTEST_ARGS="-k conformance" bash scripts/test-all.sh --python-only
#
# It never installs anything outside the repository: Python tools go into a git-ignored
# virtual environment (`.venv`, or $IAMKIT_VENV), created on first use. Only with CI=true does
# it install a system package (Debian's chromium, for the browser check); elsewhere a missing
# chromium skips that one test with a visible message.
#
# Nothing is built twice: clippy and `cargo test` share target/ and the dev profile, and the
# test wheel is built with the same dev profile, so it reuses every workspace crate that
# `cargo test` compiled (release wheels for users come from `pip install .`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUST=1
PYTHON=1
case "${1:-}" in
    --rust-only) PYTHON=0 ;;
    --python-only) RUST=0 ;;
    "") ;;
    *) echo "usage: bash scripts/test-all.sh [--rust-only|--python-only]" >&2; exit 2 ;;
esac

# A clean CI build gains nothing from incremental compilation's caches and pays for writing them.
if [ "${CI:-}" = "true" ]; then
    export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi

T0=$SECONDS
STAGE=""
STAGE_T=$SECONDS
stage() {
    if [ -n "$STAGE" ]; then
        printf '   (%s: %ds)\n' "$STAGE" "$((SECONDS - STAGE_T))"
    fi
    STAGE="$1"
    STAGE_T=$SECONDS
    printf '\n== [%4ds] %s\n' "$((SECONDS - T0))" "$1"
}
DIST=""
PREP_PID=""
PREP_LOG=""
finish() {
    local rc=$?
    if [ -n "$DIST" ]; then rm -rf "$DIST"; fi
    if [ -n "$PREP_PID" ]; then kill "$PREP_PID" 2>/dev/null || true; fi
    if [ -n "$PREP_LOG" ]; then rm -f "$PREP_LOG"; fi
    if [ -n "$STAGE" ]; then
        printf '   (%s: %ds)\n' "$STAGE" "$((SECONDS - STAGE_T))"
    fi
    if [ "$rc" = 0 ]; then
        printf '\n== all stages passed in %ds\n' "$((SECONDS - T0))"
    else
        printf '\n== FAILED in stage "%s" after %ds (exit %d)\n' "$STAGE" "$((SECONDS - T0))" "$rc" >&2
    fi
}
trap finish EXIT

VENV="${IAMKIT_VENV:-$ROOT/.venv}"
BASE_PY="${PYTHON_BIN:-python3}"
PY="$VENV/bin/python"

# The Python environment: the project's virtual environment with the test requirements (the
# project's own extras in pyproject.toml: test, notebook, plus the build backend; reinstalled only
# when pyproject.toml changes) and, in CI only, Debian's chromium for the browser check.
prepare_python() {
    if [ ! -x "$PY" ]; then
        "$BASE_PY" -m venv "$VENV"
    fi
    local stamp="$VENV/.iamkit-requirements" want reqs
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        mapfile -t reqs < <("$PY" scripts/requirements.py test notebook)
        "$PY" -m pip install --quiet --disable-pip-version-check "${reqs[@]}"
        echo "$want" > "$stamp"
        echo "installed into $VENV: ${reqs[*]}"
    else
        echo "requirements up to date in $VENV"
    fi
    if [ -z "$(command -v chromium || command -v chromium-browser || true)" ]; then
        if [ "${CI:-}" = "true" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "installing chromium (Debian package; CI only, for the browser check)"
            if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
                echo "warning: could not install chromium; the browser check will be skipped" >&2
            fi
        else
            echo "NOTE: chromium is not installed: the browser check of the notebook is SKIPPED" \
                "(CI=true installs Debian's chromium; or 'apt-get install chromium' yourself)"
        fi
    fi
}

# When both halves run, the Python environment is prepared in the background while the Rust
# stages compile (it is mostly downloads and unpacking); its output is shown, and its failure
# stops the run, when the Python stages start.
if [ "$PYTHON" = 1 ] && [ "$RUST" = 1 ]; then
    PREP_LOG="$(mktemp)"
    printf '\n== [%4ds] Python virtual environment (%s): preparing in the background\n' "$((SECONDS - T0))" "$VENV"
    ( trap - EXIT; prepare_python ) > "$PREP_LOG" 2>&1 &
    PREP_PID=$!
fi

if [ "$RUST" = 1 ]; then
    stage "cargo fmt --check"
    cargo fmt --all --check

    stage "cargo clippy (workspace, all targets, -D warnings)"
    cargo clippy --workspace --all-targets -- -D warnings

    stage "cargo test (Rust crates: unit, integration, conformance, properties, doctests)"
    # The custom-policy-check property test (iam-analysis/tests/check_properties.rs) runs 10,000
    # random policy pairs by default (~2 CPU-minutes in the dev profile); the suite runs 3,000 so
    # that the whole command stays within CI's 10 minutes on 2 cores. The full run:
    #   CHECK_CASES=10000 cargo test --release -p iam-analysis --test integration check_properties
    # iamkit-benches holds benchmarks (clippy --all-targets checks them); testing it would build
    # criterion and the peer simulators it is compared with. Its one library test, of the
    # synthetic-account generator, runs in iam-analysis/tests/integration.rs.
    CHECK_CASES="${CHECK_CASES:-3000}" cargo test --workspace --exclude iam-py --exclude iamkit-benches
fi

if [ "$PYTHON" = 1 ]; then
    stage "Python virtual environment ($VENV)"
    if [ -n "$PREP_PID" ]; then
        prep_rc=0
        wait "$PREP_PID" || prep_rc=$?
        PREP_PID=""
        cat "$PREP_LOG"
        rm -f "$PREP_LOG"
        PREP_LOG=""
        if [ "$prep_rc" != 0 ]; then
            echo "error: preparing the Python environment failed (exit $prep_rc)" >&2
            exit "$prep_rc"
        fi
    else
        prepare_python
    fi

    stage "build the test wheel (dev profile, shares target/ with cargo test)"
    DIST="$(mktemp -d)"
    "$PY" -m maturin build --profile dev --interpreter "$PY" --out "$DIST"
    WHEEL="$(ls "$DIST"/iamkit-*.whl)"
    case "$(basename "$WHEEL")" in
        *-cp310-abi3-*) echo "abi3 wheel for CPython >= 3.10: $(basename "$WHEEL")" ;;
        *) echo "error: not an abi3 (cp310) wheel: $(basename "$WHEEL")" >&2; exit 1 ;;
    esac
    "$PY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WHEEL"

    stage "ruff (lint and format)"
    "$PY" -m ruff check iam-py/python iam-py/tests examples/*.py scripts/*.py benches/python
    "$PY" -m ruff format --check iam-py/python iam-py/tests examples/*.py scripts/*.py benches/python

    stage "mypy --strict (package and stubs; examples against the installed wheel)"
    "$PY" -m mypy --strict --no-incremental iam-py/python/iamkit
    "$PY" -m mypy --strict --no-incremental examples/*.py

    stage "pytest (against the installed wheel)"
    export IAMKIT_TEST_WHEEL="$WHEEL"
    # Run from outside the source tree so that `import iamkit` is the installed wheel, on two
    # worker processes (pytest-xdist; this project's machines have 2 cores — PYTEST_WORKERS=0
    # runs in one process). Every test that starts a server takes a free loopback port.
    # shellcheck disable=SC2086
    (cd "$DIST" && "$PY" -m pytest "$ROOT/iam-py/tests" -q -p no:cacheprovider \
        -n "${PYTEST_WORKERS:-2}" --rootdir "$ROOT" -c "$ROOT/pyproject.toml" ${PYTEST_ARGS:-})
fi
