// Cold start in Node: from the start of the import to the first decision, in a fresh process.
const t0 = performance.now();
const { PolicyEngine } = await import("ciam-policy");
const t1 = performance.now();
const engine = PolicyEngine.fromPreset("ciam-retail");
const decision = engine.evaluate({ now: 1800000000, action: "login", device: { id: "d1" } });
const t2 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, firstDecisionMs: t2 - t0, outcome: decision.outcome }));
