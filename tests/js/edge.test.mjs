// The package in Vercel's Edge runtime (npm `edge-runtime`): the scratch project's code is
// bundled with the `edge-light` condition as Next.js does, the `.wasm?module` import becomes
// a WebAssembly.Module the host compiled at deploy time, and — as on Vercel — compiling
// WebAssembly from bytes inside the runtime is forbidden. Every case must still match.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { EdgeRuntime } from "edge-runtime";
import { artifacts, bundle, consumer } from "./support.mjs";

const { pathReport } = await import(pathToFileURL(path.join(consumer, "replay.mjs")));
const dir = path.join(artifacts, "edge");
const global = (file) => `__vercel_wasm_${file.replace(/\W/g, "_")}`;

// Compile from bytes only while "deploying"; afterwards every compile-from-bytes path throws.
const LOCKDOWN = `
(() => {
  const W = globalThis.WebAssembly;
  const forbidden = () => { throw new W.CompileError("Dynamic WASM code generation is not allowed in the Edge runtime"); };
  const Module = function Module() { forbidden(); };
  Module.prototype = W.Module.prototype;
  for (const k of ["exports", "imports", "customSections"]) Module[k] = W.Module[k];
  W.Module = Module;
  W.compile = async () => forbidden();
  W.compileStreaming = async () => forbidden();
  const instantiate = W.instantiate;
  W.instantiate = (source, imports) => (source instanceof Module ? instantiate(source, imports) : forbidden());
  W.instantiateStreaming = async () => forbidden();
})();`;

let result;

test("edge-runtime: the edge-light bundle loads with compile-from-bytes forbidden", async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  const { outfile, wasmFiles } = await bundle({
    entry: path.join(consumer, "edge.mjs"),
    outDir: dir,
    conditions: ["edge-light", "worker", "browser"],
    format: "iife",
    wasmGlobal: global,
  });
  assert.deepEqual(wasmFiles, ["ciam_policy_bg.wasm"]);
  const code = fs.readFileSync(outfile, "utf8");
  assert.match(code, /edge-light/, "the bundle should come from the package's edge-light entry");
  const runtime = new EdgeRuntime();
  for (const file of wasmFiles) {
    runtime.context.__bytes = new Uint8Array(fs.readFileSync(path.join(dir, file)));
    runtime.evaluate(`globalThis[${JSON.stringify(global(file))}] = new WebAssembly.Module(globalThis.__bytes); delete globalThis.__bytes;`);
  }
  runtime.evaluate(LOCKDOWN);
  assert.throws(() => runtime.evaluate("new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))"), /not allowed/);
  assert.equal(runtime.evaluate("typeof EdgeRuntime"), "string", "not inside the Edge runtime");
  runtime.evaluate(code);
  result = JSON.parse(runtime.evaluate("globalThis.__ciamResult"));
});

test("edge-runtime: every case matches the native run", () => {
  assert.ok(result.golden.total > 0);
  assert.deepEqual(result.golden.failures, [], `${result.golden.failures.length} of ${result.golden.total} cases differ`);
});

test("edge-runtime: mistakes are coded errors and the engine keeps answering", () => {
  for (const r of result.errors) assert.ok(r.ok, `${r.name}: ${r.detail}`);
});

test("edge-runtime: evaluate() decides every case and its mutations the same on the fast path and via JSON", () => {
  console.log(`# edge-runtime evaluate paths: ${pathReport(result.paths, false)}`);
  assert.ok(result.paths.compared > 700, `only ${result.paths.compared} requests compared`);
  assert.equal(result.paths.failures.length, 0, pathReport(result.paths));
});
