// ciam-policy for Node.js as an ES module (the `node` + `import` conditions): reads the
// .wasm next to this file and instantiates it synchronously, so importing is enough.
//
// node:fs comes from process.getBuiltinModule (Node ≥ 20.16), not from `import … from
// "node:fs"`: creating that import's ES module facade loads Node's streams, about 1.5 ms of a
// cold start in a program that has not imported node:fs itself (bench/README.md).
import { initSync } from "./ciam_policy.js";
import { attach } from "./api.js";

const { readFileSync } = process.getBuiltinModule?.("node:fs") ?? (await import("node:fs"));
attach(initSync({ module: readFileSync(new URL("./ciam_policy_bg.wasm", import.meta.url)) }));

export { __EXPORTS__ } from "./api.js";
