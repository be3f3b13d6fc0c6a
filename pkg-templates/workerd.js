// ciam-policy for Cloudflare Workers / workerd (the `workerd` condition). These runtimes
// forbid compiling WebAssembly from bytes, so the .wasm is imported as a module (wrangler
// and workerd configs load it as a compiled module) and instantiated synchronously.
import wasmModule from "./ciam_policy_bg.wasm";
import { initSync } from "./ciam_policy.js";
import { attach } from "./api.js";

attach(initSync({ module: wasmModule }));

export { __EXPORTS__ } from "./api.js";
