// Bundled for Vercel's Edge runtime (the `edge-light` condition) by tests/js/edge.test.mjs:
// imports "ciam-policy" by name, replays every case and the error checks.
import * as ciam from "ciam-policy";
import { compareGolden, errorChecks } from "./replay.mjs";
import golden from "./golden.json";

globalThis.__ciamResult = JSON.stringify({ golden: compareGolden(ciam, golden), errors: errorChecks(ciam) });
