// One cold start in a fresh Node process (bench/run.mjs spawns it several times):
// measured inside the process, from just before the import to the first decision.
// Usage: node bench/coldstart-node.mjs <ciam|ciam-custom|cedar> <pkg dir>
//   ciam: an engine from the built-in preset; ciam-custom: an engine from the same policy
//   given as JSON text, as a deployment with its own policy starts (read before the clock starts).
//
// Node's built-in modules come from process.getBuiltinModule, not from `import`: an import of
// node:fs creates its ES module facade (about 1.5 ms: it loads Node's streams) before the
// clock starts, which would hide that cost from a package that imports node:fs itself.
const fs = process.getBuiltinModule("node:fs");
const path = process.getBuiltinModule("node:path");
const { pathToFileURL } = process.getBuiltinModule("node:url");

const [which, pkgDir] = process.argv.slice(2);
const fixtures = JSON.parse(fs.readFileSync(new URL("./fixtures.json", import.meta.url), "utf8"));
const customPolicy = which === "ciam-custom" ? fs.readFileSync(new URL(`../src/policy/presets/${fixtures.preset}.json`, import.meta.url), "utf8") : null;
const t0 = performance.now();
let decision;
let t1;
if (which === "ciam" || which === "ciam-custom") {
  const { PolicyEngine } = await import(pathToFileURL(path.join(pkgDir, "node.mjs")).href);
  t1 = performance.now();
  const engine = customPolicy === null ? PolicyEngine.fromPreset(fixtures.preset) : new PolicyEngine(customPolicy);
  decision = engine.evaluate(fixtures.requests.stepUp).outcome;
} else {
  const cedar = await import("@cedar-policy/cedar-wasm/nodejs");
  t1 = performance.now();
  const policies = fs.readFileSync(new URL("./step-up.cedar", import.meta.url), "utf8");
  const { cedarCall } = await import(new URL("./cedar.mjs", import.meta.url).href);
  decision = cedar.isAuthorized({ ...cedarCall(fixtures.requests.stepUp), policies: { staticPolicies: policies } }).response.decision;
}
const t2 = performance.now();
process.stdout.write(`${JSON.stringify({ importMs: t1 - t0, firstDecisionMs: t2 - t0, decision })}\n`);
