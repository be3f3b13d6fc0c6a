// The built package in Node, loaded by name from the scratch project (tests/js/prepare.mjs):
// ESM and CommonJS each replay every data-driven case and must match the native outputs
// exactly; user mistakes are coded errors and the engine keeps answering; cold start.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const consumer = path.join(root, "tests", "artifacts", "consumer");
const golden = JSON.parse(fs.readFileSync(path.join(consumer, "golden.json"), "utf8"));
const { compareGolden, errorChecks } = await import(pathToFileURL(path.join(consumer, "replay.mjs")));

const flavours = {
  "ESM import": () => import(pathToFileURL(path.join(consumer, "esm.mjs"))),
  "CJS require": async () => createRequire(path.join(consumer, "package.json"))("./cjs.cjs"),
};

for (const [flavour, load] of Object.entries(flavours)) {
  test(`node ${flavour}: every case matches the native run`, async () => {
    const ciam = await load();
    const { total, failures } = compareGolden(ciam, golden);
    assert.ok(total > 0, "no golden cases");
    assert.deepEqual(failures, [], `${failures.length} of ${total} cases differ from the native output`);
  });

  test(`node ${flavour}: mistakes are coded errors and the engine keeps answering`, async () => {
    const ciam = await load();
    const results = errorChecks(ciam);
    for (const r of results) assert.ok(r.ok, `${r.name}: ${r.detail}`);
  });
}

test("node: ESM and CJS resolve to the node entry points", () => {
  const require = createRequire(path.join(consumer, "package.json"));
  assert.match(require.resolve("ciam-policy"), /ciam-policy[/\\]node\.cjs$/);
  const manifest = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", "ciam-policy", "package.json"), "utf8"));
  assert.equal(manifest.exports["."].node.import, "./node.mjs");
  assert.ok(fs.existsSync(path.join(consumer, "node_modules", "ciam-policy", "ciam_policy_bg.wasm")));
});

test("node: cold start, import to first decision", () => {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(process.execPath, [path.join(consumer, "coldstart.mjs")], { cwd: consumer, encoding: "utf8" });
    runs.push(JSON.parse(out));
  }
  const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  const result = { importMs: median("importMs"), firstDecisionMs: median("firstDecisionMs"), runs: runs.length };
  fs.writeFileSync(path.join(root, "tests", "artifacts", "coldstart-node.json"), `${JSON.stringify(result)}\n`);
  console.log(`# node cold start (median of ${runs.length}): import ${result.importMs.toFixed(1)} ms, first decision ${result.firstDecisionMs.toFixed(1)} ms`);
  assert.ok(["allow", "step_up"].includes(runs[0].outcome), runs[0].outcome);
});
