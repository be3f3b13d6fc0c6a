#!/usr/bin/env bash
# The main job: play customer and attacker journeys under every built-in preset and show
# what each policy decides. This is the README's main command (`npm start`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release --example journeys -- "$@"
