// The built package in Node, loaded by name from the scratch project (tests/js/prepare.mjs):
// ESM and CommonJS each replay every data-driven case and must match the native outputs
// exactly; user mistakes are coded errors and the engine keeps answering; the fast path and
// the JSON path of evaluate() agree; cold start.
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
const { compareGolden, errorChecks, pathChecks, pathReport } = await import(pathToFileURL(path.join(consumer, "replay.mjs")));

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

test("node: evaluate() decides every case and its mutations the same on the fast path and via JSON", async () => {
  const ciam = await flavours["ESM import"]();
  const result = pathChecks(ciam, golden);
  console.log(`# node evaluate paths: ${pathReport(result, false)}`);
  assert.ok(result.compared > 700, `only ${result.compared} requests compared`);
  assert.equal(result.failures.length, 0, pathReport(result));
});

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

test("node: thousands of mutated requests and corrupt histories never trap", async () => {
  const ciam = await flavours["ESM import"]();
  let seed = 0x9e3779b9;
  const rand = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const values = [-1, 0, 1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 63, NaN, Infinity, "x", "", "🙂".repeat(300), null, true, [], {}, [1, "a"], { a: 1 }];
  const mutate = (value, depth = 0) => {
    if (value === null || typeof value !== "object" || depth > 4 || (depth > 0 && rand(3) === 0)) return values[rand(values.length)];
    const copy = Array.isArray(value) ? [...value] : { ...value };
    const keys = Object.keys(copy);
    if (keys.length === 0) return values[rand(values.length)];
    const key = keys[rand(keys.length)];
    copy[key] = mutate(copy[key], depth + 1);
    return copy;
  };
  const engines = Object.fromEntries(ciam.presets().map((name) => [name, ciam.PolicyEngine.fromPreset(name)]));
  const calls = golden
    .filter((g) => g.input.request && typeof g.input.request === "object")
    .map((g) => ({ engine: engines[g.input.preset] ?? engines["ciam-retail"], call: g.input.call ?? "evaluate", request: g.input.request }))
    .filter((c) => ["evaluate", "evaluateRecovery", "evaluateChange"].includes(c.call));
  assert.ok(calls.length > 0);
  let thrown = 0;
  let answered = 0;
  for (let i = 0; i < 3000; i++) {
    const { engine, call, request } = calls[rand(calls.length)];
    const input = mutate(request);
    if (rand(5) === 0 && input && typeof input === "object") {
      const bytes = new Uint8Array(rand(64));
      for (let j = 0; j < bytes.length; j++) bytes[j] = j < 2 ? [67, 72][j] : rand(256);
      input.history = bytes;
    }
    try {
      engine[call](input);
      answered++;
    } catch (err) {
      assert.ok(err instanceof ciam.CiamError, `${call}(${JSON.stringify(input)?.slice(0, 300)}) threw ${err}`);
      thrown++;
    }
  }
  for (let i = 0; i < 500; i++) {
    const bytes = new Uint8Array(rand(200));
    for (let j = 0; j < bytes.length; j++) bytes[j] = j < 3 ? [67, 72, 1][j] : rand(256);
    try {
      engines["ciam-retail"].record(bytes, { type: "sign_in_failure", at: 1800000000 });
    } catch (err) {
      assert.ok(err instanceof ciam.CiamError, String(err));
    }
  }
  // Every engine still answers, identically to a fresh one.
  for (const [name, engine] of Object.entries(engines)) {
    const request = { now: 1800000000, action: "login", device: { id: "d" } };
    assert.deepEqual(engine.evaluate(request), ciam.PolicyEngine.fromPreset(name).evaluate(request));
  }
  console.log(`# mutated requests: ${answered} answered, ${thrown} coded errors, no trap`);
});

/** Run `source` as an ES module in a fresh Node process in the scratch project; its JSON output. */
function fresh(source) {
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", source], { cwd: consumer, encoding: "utf8" }));
}

test("node: each decision names its engine's policy in an object of its own", () => {
  // Creating an engine returns the policy's name and version, which the API keeps per engine;
  // each decision gets a fresh object, so changing one changes no other decision, and two
  // engines of different policies never mix their names.
  const out = fresh(`
    import { PolicyEngine, presetJson } from "ciam-policy";
    const retail = PolicyEngine.fromPreset("ciam-retail");
    const custom = new PolicyEngine({ ...JSON.parse(presetJson("ciam-fintech")), name: "acme-bank", revision: "v7" });
    const allow = { now: 1800000000, action: "login", session: { aal: 2, authTime: 1799999000, amr: ["pwd"] } };
    const first = retail.evaluate(allow);
    first.policy.name = "changed";
    first.policy.version = "changed";
    // The packed path, and (a request with toJSON goes as JSON text) the text path.
    const viaText = { toJSON: () => allow };
    const names = [retail.evaluate(allow), custom.evaluate(allow), retail.evaluate(viaText), custom.evaluate(viaText)].map((d) => d.policy);
    console.log(JSON.stringify({ outcome: first.outcome, names }));
  `);
  assert.equal(out.outcome, "allow");
  assert.deepEqual(out.names, [
    { name: "ciam-retail", version: "2026-11-27" },
    { name: "acme-bank", version: "v7" },
    { name: "ciam-retail", version: "2026-11-27" },
    { name: "acme-bank", version: "v7" },
  ]);
});

test("node: record() chains on a freshly loaded module, before any other call", () => {
  // The input buffer moves when record() grows it; the next call must write where it is now.
  // Histories without devices or IPs stay small enough (29 bytes) to show a stale address.
  const out = fresh(`
    import { PolicyEngine } from "ciam-policy";
    const engine = PolicyEngine.fromPreset("ciam-retail");
    let history = engine.record(null, { type: "sign_in_failure", at: 1800000000 });
    history = engine.record(history, { type: "sign_in_failure", at: 1800000010 });
    history = engine.record(history, { type: "sign_in_success", at: 1800000020 });
    const { decodeHistory } = await import("ciam-policy");
    console.log(JSON.stringify(decodeHistory(history).events.map((e) => e.type)));
  `);
  assert.deepEqual(out, ["sign_in_failure", "sign_in_failure", "sign_in_success"]);
});

test("node: the ES module entry loads without process.getBuiltinModule (Node before 20.16)", () => {
  // The entry takes node:fs from process.getBuiltinModule where Node has it and imports it
  // otherwise; the package supports Node >= 20, so the import path must work too. Removing the
  // function before the package is imported runs that path in this Node.
  const out = fresh(`
    delete process.getBuiltinModule;
    const gone = typeof process.getBuiltinModule;
    const { PolicyEngine } = await import("ciam-policy");
    const decision = PolicyEngine.fromPreset("ciam-retail").evaluate({ now: 1800000000, action: "login", session: { aal: 2, authTime: 1799999000, amr: ["pwd"] } });
    console.log(JSON.stringify({ gone, outcome: decision.outcome, policy: decision.policy.name }));
  `);
  assert.deepEqual(out, { gone: "undefined", outcome: "allow", policy: "ciam-retail" });
});

test("node: without a secure random source, minting is a coded error and decisions go on", () => {
  // The module imports crypto.getRandomValues from the host; a host without Web Crypto must get
  // randomness_unavailable (never a trap, never a predictable code), and nothing else changes.
  const out = fresh(`
    delete globalThis.crypto;
    const { PolicyEngine, KeySet, generateRecoveryCodes } = await import("ciam-policy");
    const outcome = (f) => { try { return f(); } catch (e) { return { code: e.code, path: e.path, name: e.name, says: /crypto\.getRandomValues/.test(e.message) }; } };
    const engine = PolicyEngine.fromPreset("ciam-retail");
    const keys = new KeySet({ signing: "k1", keys: [{ kid: "k1", secret: "${"A".repeat(43)}" }] });
    const grant = { now: 1800000000, sub: "alice", aud: "shop.example", acr: "urn:ciam-policy:aal2", amr: ["hwk"], authTime: 1800000000, action: "payout" };
    console.log(JSON.stringify({
      codes: outcome(() => generateRecoveryCodes(2)),
      mint: outcome(() => engine.mintStepUpGrant(keys, grant)),
      decision: engine.evaluate({ now: 1800000000, action: "login", device: { id: "d" } }).outcome,
      cryptoGone: typeof globalThis.crypto,
    }));
  `);
  assert.equal(out.cryptoGone, "undefined");
  assert.deepEqual(out.codes, { code: "randomness_unavailable", path: "", name: "CiamError", says: true });
  assert.deepEqual(out.mint, { code: "randomness_unavailable", path: "", name: "CiamError", says: true });
  assert.ok(["allow", "step_up"].includes(out.decision), out.decision);
});

test("node: keys added to Object.prototype never reach a decision", () => {
  // Prototype pollution: JSON ignores inherited keys, and so must the fast path.
  const out = fresh(`
    import { PolicyEngine } from "ciam-policy";
    const engine = PolicyEngine.fromPreset("ciam-retail");
    const request = () => ({ now: 1800000000, action: "payout", device: { id: "never-seen" }, network: { ip: "203.0.113.7" },
      session: { aal: 1, amr: ["pwd"], authTime: 1799999000 }, account: { createdAt: 1700000000, factors: ["password", "passkey"] },
      transaction: { amount: 5000, currency: "EUR" } });
    const clean = engine.evaluate(request());
    Object.prototype.now = 1800000000;
    let missingNow;
    try {
      engine.evaluate({ action: "login" });
    } catch (e) {
      missingNow = e.code + " " + e.path;
    }
    Object.prototype.known = true;
    Object.prototype.breached = false;
    Array.prototype.extra = "pwd";
    const polluted = engine.evaluate(request());
    console.log(JSON.stringify({ clean, polluted, missingNow }));
  `);
  assert.equal(out.missingNow, "missing_field /now");
  assert.notEqual(out.clean.outcome, "allow");
  assert.deepEqual(out.polluted, out.clean);
});

test("node: inputs longer than any the module reads are refused before they reach the module's memory", () => {
  // The module's memory never shrinks: a 3 MB string copied in (at three bytes per character
  // reserved) would keep about 9 MB for the life of the isolate. A fresh process, so that the
  // instance is new; the glue and the API are loaded directly to see the instance's memory.
  const pkg = pathToFileURL(path.join(consumer, "node_modules", "ciam-policy")).href;
  const out = fresh(`
    import fs from "node:fs";
    const glue = await import("${pkg}/ciam_policy.js");
    const api = await import("${pkg}/api.js");
    const exports = glue.initSync({ module: fs.readFileSync(new URL("${pkg}/ciam_policy_bg.wasm")) });
    api.attach(exports);
    const engine = api.PolicyEngine.fromPreset("ciam-retail");
    engine.evaluate({ now: 1800000000, action: "login" });
    const before = exports.memory.buffer.byteLength;
    const huge = { now: 1800000000, action: "login", device: { id: "d".repeat(3 << 20) } };
    const codes = [];
    const hugeEvent = { type: "sign_in_failure", at: 1800000000, deviceId: "d".repeat(3 << 20) };
    const calls = [
      () => engine.evaluate(huge),
      () => engine.evaluateRecovery(huge),
      () => engine.record(null, hugeEvent),
      () => new api.PolicyEngine({ name: "x".repeat(3 << 20) }),
      () => api.hashRecoveryCode("K".repeat(3 << 20), new Uint8Array(32)),
      // Bytes and names far larger than any the module takes: only a bounded prefix goes in.
      () => api.decodeHistory(new Uint8Array(30 << 20)),
      () => engine.evaluateRecovery({ now: 1800000000, channel: "email", history: new Uint8Array(30 << 20) }),
      () => engine.evaluate({ now: 1800000000, action: "login", history: new Uint8Array(30 << 20) }),
      () => api.hashRecoveryCode("K7QM-3XRD-9PTA-W2HC", new Uint8Array(30 << 20)),
      () => api.PolicyEngine.fromPreset("x".repeat(30 << 20)),
    ];
    for (const call of calls) {
      try {
        call();
      } catch (e) {
        codes.push(e.name + " " + e.code);
      }
    }
    const verified = api.verifyRecoveryCode("K".repeat(3 << 20), "x", new Uint8Array(32)) || api.verifyRecoveryCode("K7QM-3XRD-9PTA-W2HC", "A".repeat(30 << 20), new Uint8Array(32));
    const grown = exports.memory.buffer.byteLength - before;
    // Just under 1 MB of JSON each, lists of short repeats: copied in at one byte per
    // character (ASCII), and read only up to the first entry past the reader's limit of 1024.
    // Read whole, the one-letter amr values took 10 MB, and reserving three bytes per
    // character another 2 MB.
    const repeats = [];
    for (const request of [
      { now: 1800000000, action: "login", account: { factors: Array(170000).fill("sms") } },
      { now: 1800000000, action: "login", session: { aal: 1, authTime: 1, amr: Array(250000).fill("a") } },
    ]) {
      try {
        engine.evaluate(request);
      } catch (e) {
        repeats.push(e.code + " " + e.path + " " + e.problems.length);
      }
    }
    const grownByRepeats = exports.memory.buffer.byteLength - before - grown;
    console.log(JSON.stringify({ codes, verified, grown, repeats, grownByRepeats, after: engine.evaluate({ now: 1800000000, action: "login" }).outcome }));
  `);
  assert.deepEqual(out.codes, [
    "CiamError too_long",
    "CiamError too_long",
    "CiamError too_long",
    "PolicyError too_long",
    "CiamError invalid_format",
    "CiamError invalid_history",
    "CiamError invalid_history",
    "CiamError invalid_history",
    "CiamError out_of_range",
    "PolicyError unknown_preset",
  ]);
  assert.equal(out.verified, false);
  assert.deepEqual(out.repeats, ["too_long /account/factors 1", "too_long /session/amr 1"]);
  assert.ok(out.grownByRepeats < 2 << 20, `a megabyte of repeats grew the module's memory by ${out.grownByRepeats} bytes`);
  assert.ok(out.grown < 1 << 20, `the module's memory grew by ${out.grown} bytes`);
  assert.equal(out.after, "step_up");
});

test("node: a history from another realm is bytes too", async () => {
  const ciam = await flavours["ESM import"]();
  const engine = ciam.PolicyEngine.fromPreset("ciam-retail");
  const history = engine.record(null, { type: "sign_in_success", at: 1799990000, deviceId: "phone-1" });
  const { runInNewContext } = await import("node:vm");
  const foreign = runInNewContext("new Uint8Array(bytes)", { bytes: [...history] });
  assert.equal(foreign instanceof Uint8Array, false);
  const request = { now: 1800000000, action: "login", device: { id: "phone-1" } };
  assert.deepEqual(engine.evaluate({ ...request, history: foreign }), engine.evaluate({ ...request, history }));
  assert.deepEqual(ciam.decodeHistory(foreign), ciam.decodeHistory(history));
});

test("node: history bytes whose table holds a string twice decide as their JSON form", async () => {
  const ciam = await flavours["ESM import"]();
  const engine = ciam.PolicyEngine.fromPreset("ciam-retail");
  const at = 1799990000;
  const written = engine.record(null, { type: "sign_in_success", at, deviceId: "phone-1" });
  // Encoding 2 by hand: the device table holds "phone-1" twice, the event points at the second.
  const ascii = (s) => [...s].map((c) => c.charCodeAt(0));
  const time = [0, 8, 16, 24].map((shift) => (at >>> shift) & 255).concat(Math.floor(at / 2 ** 32));
  const record = [written.at(-20), 1, ...time, 1, 0, 0, 0, 0, ...new Array(8).fill(0)];
  // Header flag 1: lastSuccessAt follows, as record() writes it.
  const doubled = new Uint8Array([...ascii("CH"), 2, 1, ...time, 2, 7, 7, ...ascii("phone-1phone-1"), 0, 0, 0, 1, ...record]);
  assert.deepEqual(ciam.decodeHistory(doubled), ciam.decodeHistory(written));
  const request = { now: 1800000000, action: "login", device: { id: "phone-1" }, session: { aal: 1, amr: ["pwd"], authTime: 1799999990 } };
  const want = engine.evaluate({ ...request, history: written });
  assert.equal(want.reasons.some((r) => r.code === "new_device"), false);
  assert.deepEqual(engine.evaluate({ ...request, history: doubled }), want);
});

test("node: keys defined on Object.prototype (read-only, setters) do not change a request with history bytes", () => {
  // Not enumerable, so the fast path still runs; the JSON path copies the request, and that
  // copy must not meet them.
  const out = fresh(`
    import { PolicyEngine } from "ciam-policy";
    const engine = PolicyEngine.fromPreset("ciam-retail");
    const history = engine.record(null, { type: "sign_in_success", at: 1799990000, deviceId: "phone-1" });
    const request = () => ({ now: 1800000000, action: "payout", device: { id: "phone-2" }, history,
      session: { aal: 1, amr: ["pwd"], authTime: 1799999000 }, transaction: { amount: 900, currency: "XX" } });
    const run = () => { try { return engine.evaluate(request()); } catch (e) { return e.code + " " + e.path; } };
    const clean = run();
    Object.defineProperty(Object.prototype, "device", { value: 7, writable: false, configurable: true });
    Object.defineProperty(Object.prototype, "transaction", { get() {}, set(v) {}, configurable: true });
    const polluted = run();
    console.log(JSON.stringify({ clean, polluted }));
  `);
  assert.equal(out.clean, "invalid_format /transaction/currency");
  assert.deepEqual(out.polluted, out.clean);
});
