#!/usr/bin/env bash
# The whole test suite, on a fresh machine or this one: installs what is missing, then
# runs every layer. This is the README's test command (`npm test`) and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lint: clippy denies unwrap/expect/panic/indexing in src"
cargo clippy --all-targets --quiet -- -D warnings

step "native: unit, data-driven cases, property tests, doc tests"
cargo test --quiet
