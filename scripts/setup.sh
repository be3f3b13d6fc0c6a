#!/usr/bin/env bash
# Installs what the build and the tests need, skipping what is already present.
# Usage: scripts/setup.sh [wasm] [browser] [npm]   (no argument: everything)
# Safe to run repeatedly; never prompts (CI runs it with no stdin).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# The wasm-bindgen CLI must be exactly the version of the library in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local want have
  want=$(wasm_bindgen_version)
  if [[ -z $want ]]; then
    cargo generate-lockfile >/dev/null 2>&1 || true
    want=$(wasm_bindgen_version)
  fi
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [[ $have != "$want" ]]; then
    say "installing wasm-bindgen-cli $want (found '${have:-none}'); this compiles for a few minutes"
    # No --locked: the registry mirror can lack the newest patch of a transitive crate.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_browser() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

ensure_npm() {
  # npm ci whenever node_modules is missing or older than the lock file.
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(wasm browser npm)
for part in "${parts[@]}"; do
  case $part in
    wasm) ensure_wasm ;;
    browser) ensure_browser ;;
    npm) ensure_npm ;;
    *) echo "setup.sh: unknown part '$part' (wasm, browser, npm)" >&2; exit 2 ;;
  esac
done
