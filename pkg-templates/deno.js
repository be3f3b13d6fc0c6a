// ciam-policy for Deno (the `deno` condition): the .wasm comes in as a compiled module via a
// source-phase import (no --allow-read needed) and is instantiated synchronously.
import source wasmModule from "./ciam_policy_bg.wasm";
import { initSync } from "./ciam_policy.js";

initSync({ module: wasmModule });

export { __EXPORTS__ } from "./ciam_policy.js";
export { CiamError, PolicyError } from "./__ERRORS__";
