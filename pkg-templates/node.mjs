// ciam-policy for Node.js as an ES module (the `node` + `import` conditions): reads the
// .wasm next to this file and instantiates it synchronously, so importing is enough.
import { readFileSync } from "node:fs";
import { initSync } from "./ciam_policy.js";
import { attach } from "./api.js";

attach(initSync({ module: readFileSync(new URL("./ciam_policy_bg.wasm", import.meta.url)) }));

export { __EXPORTS__ } from "./api.js";
