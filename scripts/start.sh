#!/usr/bin/env bash
# The main job (`npm start`): the demo page. Installs what is missing (wasm32 target, the
# matching wasm-bindgen CLI, npm packages), builds pkg/ when it is missing or older than its
# sources, then serves www/ and pkg/ on 127.0.0.1 and prints the URL. Never prompts.
#
#   PORT=9000 npm start     serve on that port (default 8080, or the next free one)
#   cargo run --release --example journeys    the same journeys in the terminal
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh wasm npm </dev/null

# Stale when any input of the build is newer than the wasm it produced.
stale() {
  [[ ! -f pkg/ciam_policy_bg.wasm || ! -f pkg/browser.js ]] && return 0
  [[ -n $(find src pkg-templates Cargo.toml Cargo.lock scripts/build.mjs -newer pkg/ciam_policy_bg.wasm -print -quit) ]]
}

if stale; then
  printf '\033[1m[start]\033[0m building pkg/ (npm run build)\n'
  node scripts/build.mjs </dev/null
fi

exec node scripts/serve.mjs
