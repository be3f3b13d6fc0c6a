// Memory over many evaluations, in a fresh Node process started with --expose-gc
// (bench/run.mjs spawns it): RSS and the wasm linear memory before and after.
// Usage: node --expose-gc bench/memory.mjs <pkg dir> <evaluations>
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pkgDir, countArg] = process.argv.slice(2);
const count = Number(countArg);
// The glue and the API directly (not the node entry), instantiated the way the entry does it,
// so the instance's exports, and its memory, are visible.
const glue = await import(pathToFileURL(path.join(pkgDir, "ciam_policy.js")).href);
const api = await import(pathToFileURL(path.join(pkgDir, "api.js")).href);
const wasm = glue.initSync({ module: fs.readFileSync(path.join(pkgDir, "ciam_policy_bg.wasm")) });
api.attach(wasm);
const fixtures = JSON.parse(fs.readFileSync(new URL("./fixtures.json", import.meta.url), "utf8"));
const engine = api.PolicyEngine.fromPreset(fixtures.preset);
let history = null;
for (const event of fixtures.historyEvents) history = engine.record(history, event);
const requests = [fixtures.requests.login, { ...fixtures.requests.payout, history }, fixtures.requests.stepUp];

const snapshot = () => {
  globalThis.gc();
  return { rss: process.memoryUsage().rss, wasm: wasm.memory.buffer.byteLength };
};
// Warm up first, so one-time growth (JIT, allocator's first pages) is not counted as growth.
for (let i = 0; i < 3000; i++) engine.evaluate(requests[i % 3]);
const before = snapshot();
const start = performance.now();
let outcomes = 0;
for (let i = 0; i < count; i++) outcomes += engine.evaluate(requests[i % 3]).outcome.length;
const seconds = (performance.now() - start) / 1000;
const after = snapshot();
process.stdout.write(`${JSON.stringify({ count, seconds, before, after, outcomes })}\n`);
