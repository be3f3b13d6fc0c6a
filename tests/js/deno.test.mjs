// The package in Deno (npm `deno`): tests/js/consumer/deno.mjs imports "ciam-policy" by name
// from the scratch project (the `deno` condition) with no permissions at all, replays every
// case against the native outputs, runs the error checks and compares evaluate()'s fast path
// with its JSON path.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { bin, consumer } from "./support.mjs";

const { pathReport } = await import(pathToFileURL(path.join(consumer, "replay.mjs")));

let result;

test("deno: runs with no permissions", () => {
  const out = execFileSync(bin("deno"), ["run", "--no-prompt", "deno.mjs"], {
    cwd: consumer,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  result = JSON.parse(out.trim().split("\n").pop());
  console.log(`# deno: first decision ${result.firstMs.toFixed(1)} ms after import`);
});

test("deno: every case matches the native run", () => {
  assert.ok(result.golden.total > 0);
  assert.deepEqual(result.golden.failures, [], `${result.golden.failures.length} of ${result.golden.total} cases differ`);
});

test("deno: mistakes are coded errors and the engine keeps answering", () => {
  for (const r of result.errors) assert.ok(r.ok, `${r.name}: ${r.detail}`);
});

test("deno: evaluate() decides every case and its mutations the same on the fast path and via JSON", () => {
  console.log(`# deno evaluate paths: ${pathReport(result.paths, false)}`);
  assert.ok(result.paths.compared > 700, `only ${result.paths.compared} requests compared`);
  assert.equal(result.paths.failures.length, 0, pathReport(result.paths));
});
