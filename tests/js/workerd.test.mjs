// The package inside the real workerd binary (npm `workerd`), serving HTTP on 127.0.0.1:
// the worker (tests/js/consumer/worker.js) imports "ciam-policy" by name with the `workerd`
// condition, the .wasm is a compiled module in the config, and per-account history lives
// in a Durable Object. Every case must match the native outputs inside workerd too, and
// evaluate()'s fast path and JSON path must agree there.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { artifacts, bin, bundle, consumer, freePort, root, waitForHttp } from "./support.mjs";

const { pathReport } = await import(pathToFileURL(path.join(consumer, "replay.mjs")));

let base;
let coldStartMs;
let baselineMs;
let readmeBase;
const children = [];

/** Bundle `entry` like wrangler does and serve it with workerd on a free 127.0.0.1 port. */
async function serve(name, entry) {
  const dir = path.join(artifacts, name);
  fs.rmSync(dir, { recursive: true, force: true });
  const { wasmFiles } = await bundle({ entry, outDir: dir, conditions: ["workerd", "worker", "browser"] });
  const wasmModules = wasmFiles.map((f) => `\n    (name = "${f}", wasm = embed "${f}"),`).join("");
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "bundle.js", esModule = embed "bundle.js"),${wasmModules}
  ],
  compatibilityDate = "2025-09-01",
  durableObjectNamespaces = [ (className = "Account", uniqueKey = "ciam-policy-test-${name}") ],
  durableObjectStorage = (inMemory = void),
  bindings = [ (name = "ACCOUNTS", durableObjectNamespace = "Account") ],
);
`,
  );
  const url = `http://127.0.0.1:${port}`;
  const start = performance.now();
  let stderr = "";
  const child = spawn(bin("workerd"), ["serve", path.join(dir, "config.capnp"), "--verbose"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  child.stderr.on("data", (d) => (stderr += d));
  return { url, start, child, stderr: () => stderr };
}

before(async () => {
  const main = await serve("workerd", path.join(consumer, "worker.js"));
  // The first decision answered: process start, isolate start, module import, engine, evaluate.
  await waitForHttp(`${main.url}/errors`, 30_000, main.child).catch((e) => {
    throw new Error(`${e.message}\n${main.stderr()}`);
  });
  coldStartMs = performance.now() - main.start;
  base = main.url;
  assert.ok(fs.existsSync(path.join(artifacts, "workerd", "ciam_policy_bg.wasm")), "the worker should import the .wasm as a module");

  // The same measurement for a worker without the package: what workerd itself costs.
  fs.writeFileSync(path.join(consumer, "baseline-worker.js"), "export class Account {}\nexport default { fetch: () => new Response('ok') };\n");
  const baseline = await serve("workerd-baseline", path.join(consumer, "baseline-worker.js"));
  await waitForHttp(baseline.url, 30_000, baseline.child);
  baselineMs = performance.now() - baseline.start;

  // The README's Worker example, verbatim.
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const at = readme.indexOf("**Cloudflare Worker**");
  const block = at < 0 ? null : readme.slice(at).match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "the README has no Cloudflare Worker example");
  fs.writeFileSync(path.join(consumer, "readme-worker.js"), block[1]);
  const example = await serve("workerd-readme", path.join(consumer, "readme-worker.js"));
  const probe = { account: "probe", attempt: { now: 1800000000, action: "view_orders" } };
  const start = performance.now();
  while (performance.now() - start < 30_000) {
    if (example.child.exitCode !== null) throw new Error(`workerd exited\n${example.stderr()}`);
    try {
      const res = await fetch(example.url, { method: "POST", body: JSON.stringify(probe) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  readmeBase = example.url;
});

after(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
});

test("workerd: every case matches the native run", async () => {
  const { total, failures } = await (await fetch(`${base}/golden`)).json();
  assert.ok(total > 0);
  assert.deepEqual(failures, [], `${failures.length} of ${total} cases differ from the native output`);
});

test("workerd: mistakes are coded errors and the engine keeps answering", async () => {
  const results = await (await fetch(`${base}/errors`)).json();
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.detail}`);
});

test("workerd: evaluate() decides every case and its mutations the same on the fast path and via JSON", async () => {
  const result = await (await fetch(`${base}/paths`)).json();
  console.log(`# workerd evaluate paths: ${pathReport(result, false)}`);
  assert.ok(result.compared > 700, `only ${result.compared} requests compared`);
  assert.equal(result.failures.length, 0, pathReport(result));
});

test("workerd: history in a Durable Object throttles the attacker's device, not the customer's", async () => {
  const login = async (device, now, outcome) => {
    const attempt = { now, action: "login", device: { id: device }, network: { ip: "203.0.113.9" }, session: { aal: 1, amr: ["pwd"], authTime: now } };
    const res = await fetch(`${base}/login?account=alice`, { method: "POST", body: JSON.stringify({ attempt, outcome }) });
    return res.json();
  };
  const t = 1800000000;
  assert.notEqual((await login("laptop", t, "sign_in_success")).outcome, "throttle");
  let last;
  for (let i = 1; i <= 8; i++) last = await login("attacker", t + i, "sign_in_failure");
  assert.equal(last.outcome, "throttle", JSON.stringify(last));
  assert.ok(last.retryAfter > 0);
  const customer = await login("laptop", t + 10, "sign_in_success");
  assert.notEqual(customer.outcome, "throttle", JSON.stringify(customer));
  const bad = await fetch(`${base}/login?account=alice`, { method: "POST", body: JSON.stringify({ attempt: { now: t, action: "teleport" } }) });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.code, "unknown_action");
});

test("workerd: the README's Worker example keeps history in a Durable Object", async () => {
  const post = async (body) => fetch(readmeBase, { method: "POST", body: JSON.stringify(body) });
  const attempt = (device, now) => ({ now, action: "login", device: { id: device }, session: { aal: 1, amr: ["pwd"], authTime: now } });
  const t = 1800000000;
  const first = await (await post({ account: "bob", attempt: attempt("laptop", t), result: "sign_in_success" })).json();
  assert.notEqual(first.outcome, "throttle");
  let last;
  for (let i = 1; i <= 8; i++) last = await (await post({ account: "bob", attempt: attempt("attacker", t + i), result: "sign_in_failure" })).json();
  assert.equal(last.outcome, "throttle", JSON.stringify(last));
  const customer = await (await post({ account: "bob", attempt: attempt("laptop", t + 10), result: "sign_in_success" })).json();
  assert.notEqual(customer.outcome, "throttle", JSON.stringify(customer));
  const bad = await post({ account: "bob", attempt: { now: t, action: "teleport" } });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).code, "unknown_action");
});

test("workerd: cold start, process start to first decision", () => {
  const result = { spawnToFirstDecisionMs: coldStartMs, spawnToFirstResponseWithoutPackageMs: baselineMs };
  fs.writeFileSync(path.join(artifacts, "coldstart-workerd.json"), `${JSON.stringify(result)}\n`);
  console.log(
    `# workerd cold start: ${coldStartMs.toFixed(0)} ms from process start to the first decision over HTTP ` +
      `(a worker without the package: ${baselineMs.toFixed(0)} ms)`,
  );
  assert.ok(coldStartMs > 0);
});
