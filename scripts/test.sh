#!/usr/bin/env bash
# The whole test suite, on a fresh machine or this one: installs what is missing, then
# runs every layer. This is the README's test command (`npm test`) and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lint: rustfmt, and clippy denies unwrap/expect/panic/indexing in src"
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings

step "native: unit, data-driven cases, property tests, doc tests"
cargo test --quiet

step "setup: install what is missing (wasm target, wasm-bindgen CLI, Chromium, npm packages)"
bash scripts/setup.sh

step "wasm: the bindings under wasm-bindgen-test in headless Chromium"
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --test wasm

step "package: npm run build (pkg/ for every runtime, sizes)"
npm run build

# Demo page (www/, tests/e2e/): plays every journey in headless Chromium against pkg/.
step "demo: www/ in headless Chromium, shown outcomes against the engine's (screenshots in tests/artifacts/e2e)"
node --test tests/e2e/

step "package: native golden outputs, npm pack, install into a scratch project"
node tests/js/prepare.mjs

step "js: the installed package in Node (ESM, CJS), tsc, Chromium, workerd, Deno, edge-runtime"
node --test --test-concurrency=1 tests/js/*.test.mjs

# Timing is never asserted; the smoke run only keeps the suite working (see README, Performance).
step "bench: npm run bench -- --smoke (every benchmark once, few iterations); the build's functions of per-event loops are inlined"
npm run bench --silent -- --smoke
node bench/functions.mjs --top 5 --check
