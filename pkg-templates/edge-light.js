// ciam-policy for Vercel Edge Functions and Next.js middleware (the `edge-light`
// condition). Compiling WebAssembly from bytes is forbidden there; `?module` asks the
// bundler for a compiled WebAssembly.Module, instantiated synchronously.
import wasmModule from "./ciam_policy_bg.wasm?module";
import { initSync } from "./ciam_policy.js";

initSync({ module: wasmModule });

export { __EXPORTS__ } from "./ciam_policy.js";
export { CiamError, PolicyError } from "./__ERRORS__";
