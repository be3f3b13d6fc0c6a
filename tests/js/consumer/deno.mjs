// Run by Deno (tests/js/deno.test.mjs) in the scratch project: imports "ciam-policy" by name
// (the `deno` condition), replays every case, the error checks and the evaluate() path
// checks, prints one JSON line.
import * as ciam from "ciam-policy";
import { compareGolden, errorChecks, pathChecks } from "./replay.mjs";
import golden from "./golden.json" with { type: "json" };

const t0 = performance.now();
const first = ciam.PolicyEngine.fromPreset("ciam-retail").evaluate({ now: 1800000000, action: "login" });
const firstMs = performance.now() - t0;
const result = { golden: compareGolden(ciam, golden), errors: errorChecks(ciam), paths: pathChecks(ciam, golden), first: first.outcome, firstMs };
console.log(JSON.stringify(result));
