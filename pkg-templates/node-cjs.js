// ciam-policy for Node.js as CommonJS (the `node` + `require` conditions). The build bundles
// this file with api.js and the wasm-bindgen glue into node.cjs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "./ciam_policy.js";
import { attach } from "./api.js";

attach(initSync({ module: readFileSync(join(__dirname, "ciam_policy_bg.wasm")) }));

export { __EXPORTS__ } from "./api.js";
