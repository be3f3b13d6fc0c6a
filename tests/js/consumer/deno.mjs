// Run by Deno (tests/js/deno.test.mjs) in the scratch project: imports "ciam-policy" by name
// (the `deno` condition), replays every case and the error checks, prints one JSON line.
import * as ciam from "ciam-policy";
import { compareGolden, errorChecks } from "./replay.mjs";
import golden from "./golden.json" with { type: "json" };

const t0 = performance.now();
const first = ciam.PolicyEngine.fromPreset("ciam-retail").evaluate({ now: 1800000000, action: "login" });
const firstMs = performance.now() - t0;
console.log(JSON.stringify({ golden: compareGolden(ciam, golden), errors: errorChecks(ciam), first: first.outcome, firstMs }));
