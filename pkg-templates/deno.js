// ciam-policy for Deno (the `deno` condition): reads the .wasm next to this file and
// instantiates it synchronously, so importing is enough.
import { initSync } from "./ciam_policy.js";

initSync({ module: Deno.readFileSync(new URL("./ciam_policy_bg.wasm", import.meta.url)) });

export { __EXPORTS__ } from "./ciam_policy.js";
export { CiamError, PolicyError } from "./__ERRORS__";
