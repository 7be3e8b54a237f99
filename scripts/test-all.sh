#!/usr/bin/env bash
# Runs every test of iamkit from a clean clone: Rust formatting and lints, the Rust test
# suites (unit, integration, conformance, property tests, doctests), then the Python wheel:
# build, install, ruff, mypy and pytest against the installed wheel.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== cargo clippy (workspace, all targets, -D warnings)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test (Rust crates)"
cargo test --workspace --exclude iam-py

echo "== Python wheel: build, install, ruff, mypy, pytest"
bash iam-py/build_and_test.sh
