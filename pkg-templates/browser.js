// ciam-policy for browsers and bundlers (the `browser` and `default` conditions): fetches
// the .wasm that sits next to this file, once, with top-level await. Bundlers (Vite,
// webpack 5, esbuild, Rollup) copy the file because of the `new URL(…, import.meta.url)`.
import init from "./ciam_policy.js";
import { attach } from "./api.js";

attach(await init({ module_or_path: new URL("./ciam_policy_bg.wasm", import.meta.url) }));

export { __EXPORTS__ } from "./api.js";
