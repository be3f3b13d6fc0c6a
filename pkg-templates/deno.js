// ciam-policy for Deno (the `deno` condition): the .wasm comes in as a compiled module via a
// source-phase import (no --allow-read needed) and is instantiated synchronously.
import source wasmModule from "./ciam_policy_bg.wasm";
import { initSync } from "./ciam_policy.js";
import { attach } from "./api.js";

attach(initSync({ module: wasmModule }));

export { __EXPORTS__ } from "./api.js";
