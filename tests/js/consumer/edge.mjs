// Bundled for Vercel's Edge runtime (the `edge-light` condition) by tests/js/edge.test.mjs:
// imports "ciam-policy" by name, replays every case, the error checks and the evaluate() path checks.
import * as ciam from "ciam-policy";
import { compareGolden, errorChecks, pathChecks } from "./replay.mjs";
import golden from "./golden.json";

globalThis.__ciamResult = JSON.stringify({ golden: compareGolden(ciam, golden), errors: errorChecks(ciam), paths: pathChecks(ciam, golden) });
