// Where the time goes, in a fresh Node process (bench/run.mjs spawns it): prints one JSON line.
//
//   node bench/breakdown.mjs split <pkg dir> <rounds> <round ms>
//     each `evaluate` case cut in three: packing the request object into wasm memory (JS),
//     the wasm call, building the decision object (JS) — beside the whole call. The API keeps
//     these parts private, so this loads a copy of its source (pkg-templates/api.js; the package
//     ships it minified) that also exports them; the copy is checked to decide exactly as the
//     package does.
//   node bench/breakdown.mjs cold <pkg dir>
//     one cold start, phase by phase: reading the .wasm, compiling it, importing the glue and
//     the API modules, instantiating, `fromPreset`, the first `evaluate` and a second one.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { measure } from "./timing.mjs";

const [mode, pkgDir, roundsArg, roundMsArg] = process.argv.slice(2);
const fixtures = JSON.parse(fs.readFileSync(new URL("./fixtures.json", import.meta.url), "utf8"));
const wasmPath = path.join(pkgDir, "ciam_policy_bg.wasm");

if (mode === "cold") {
  const t = [performance.now()];
  const bytes = fs.readFileSync(wasmPath);
  t.push(performance.now());
  const module = new WebAssembly.Module(bytes);
  t.push(performance.now());
  const glue = await import(pathToFileURL(path.join(pkgDir, "ciam_policy.js")).href);
  t.push(performance.now());
  const api = await import(pathToFileURL(path.join(pkgDir, "api.js")).href);
  t.push(performance.now());
  api.attach(glue.initSync({ module }));
  t.push(performance.now());
  const engine = api.PolicyEngine.fromPreset(fixtures.preset);
  t.push(performance.now());
  const first = engine.evaluate(fixtures.requests.stepUp).outcome;
  t.push(performance.now());
  engine.evaluate(fixtures.requests.login);
  t.push(performance.now());
  const names = ["read .wasm", "compile", "import glue", "import API", "instantiate", "fromPreset", "first evaluate", "second evaluate"];
  const phases = Object.fromEntries(names.map((name, i) => [name, t[i + 1] - t[i]]));
  process.stdout.write(`${JSON.stringify({ phases, first })}\n`);
} else if (mode === "split") {
  // A private copy of the package whose api.js also exports the parts of `evaluate`.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ciam-breakdown-"));
  try {
    for (const file of ["ciam_policy.js", "ciam_policy_bg.wasm"]) fs.copyFileSync(path.join(pkgDir, file), path.join(dir, file));
    // The API's source (the package ships it minified): the same code, with names to reach into.
    const source = fs.readFileSync(new URL("../pkg-templates/api.js", import.meta.url), "utf8");
    const parts = "export const __parts = { pack, result, engineOf, io: () => io, offset: () => offset };\n";
    if (!/^let engineOf\b/m.test(source) || !/^function pack\(/m.test(source) || !/^function result\(/m.test(source)) {
      throw new Error("bench/breakdown.mjs: api.js no longer has engineOf, pack() and result(); update the split");
    }
    fs.writeFileSync(path.join(dir, "api.js"), `${source}\n${parts}`);
    const glue = await import(pathToFileURL(path.join(dir, "ciam_policy.js")).href);
    const api = await import(pathToFileURL(path.join(dir, "api.js")).href);
    api.attach(glue.initSync({ module: fs.readFileSync(path.join(dir, "ciam_policy_bg.wasm")) }));
    process.stdout.write(`${JSON.stringify(split(api, Number(roundsArg), Number(roundMsArg)))}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
} else {
  throw new Error("usage: node bench/breakdown.mjs split <pkg dir> <rounds> <round ms> | cold <pkg dir>");
}

function split(api, rounds, roundMs) {
  const { pack, result, engineOf, io, offset } = api.__parts;
  const engine = api.PolicyEngine.fromPreset(fixtures.preset);
  const inner = engineOf(engine);
  let history = null;
  for (const event of fixtures.historyEvents) history = engine.record(history, event);
  const requests = { login: fixtures.requests.login, allow: fixtures.requests.allow, "step-up": fixtures.requests.stepUp, payout: { ...fixtures.requests.payout, history } };
  const cases = [];
  for (const [name, request] of Object.entries(requests)) {
    // The input and the last result are shared by every call: each part's rounds start by
    // putting back what that part reads (untimed).
    const packed = { length: -1, at: 0, status: -1 };
    const packIt = () => {
      packed.length = pack(request);
      packed.at = offset();
      if (packed.length < 0) throw new Error(`${name}: the request does not pack, so it has no split`);
    };
    const decide = () => inner.evaluate(io(), packed.at, packed.length);
    const decideIt = () => {
      packIt();
      packed.status = decide();
    };
    decideIt();
    // The parts, put back together, must be the whole call. (A decision names the policy the
    // engine was created with, which the API keeps per engine: here, from a whole call.)
    const policy = engine.evaluate(request).policy;
    decideIt();
    if (JSON.stringify(result(packed.status, policy)) !== JSON.stringify(engine.evaluate(request))) throw new Error(`${name}: the parts decide differently`);
    cases.push(
      { name: `${name}: whole call`, fn: () => engine.evaluate(request) },
      { name: `${name}: pack the request (JS)`, fn: () => pack(request) },
      { name: `${name}: the wasm call`, fn: decide, setup: packIt },
      { name: `${name}: build the decision (JS)`, fn: () => result(packed.status, policy), setup: decideIt },
    );
  }
  return measure(cases, { rounds, roundMs });
}
