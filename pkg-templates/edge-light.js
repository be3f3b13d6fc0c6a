// ciam-policy for Vercel Edge Functions and Next.js middleware (the `edge-light`
// condition). Compiling WebAssembly from bytes is forbidden there; `?module` asks the
// bundler for a compiled WebAssembly.Module, instantiated synchronously.
import wasmModule from "./ciam_policy_bg.wasm?module";
import { initSync } from "./ciam_policy.js";
import { attach } from "./api.js";

attach(initSync({ module: wasmModule }));

export { __EXPORTS__ } from "./api.js";
