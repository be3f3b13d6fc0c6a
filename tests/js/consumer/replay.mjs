// Runtime-neutral replay of the data-driven cases through the ciam-policy package, mirroring
// tests/support/case_runner.rs call for call (preset + merge patch or a policy; histories
// recorded event by event with record(); then evaluate / evaluateRecovery / evaluateChange /
// validatePolicy / record), plus the error checks every runtime must pass. Imported by the
// Node, Deno, edge-runtime, workerd and browser tests with the package's module object.

/** RFC 7396 JSON merge patch (as merge_patch in the native runner). */
export function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return structuredClone(patch);
  const out = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** The native runner's error form: `{ error: { code, path, message, problems } }`. */
export function errorJson(ciam, err) {
  if (!(err instanceof ciam.CiamError)) throw err; // anything else is a bug, not a coded error
  const problems = err.problems.map((p) => ({ code: p.code, path: p.path, message: p.message }));
  return { error: { code: err.code, path: err.path, message: problems[0].message, problems } };
}

// The native runner reads each case event with serde and nests those errors under
// /history/<i>; errors from record()'s own validation keep record()'s /event/… paths. The
// package reports both under /event, so map the serde ones back.
const SERDE_CODES = new Set(["unknown_field", "invalid_type", "unknown_variant", "duplicate_key", "invalid_json"]);
function isSerdeProblem(p) {
  if (SERDE_CODES.has(p.code)) return true;
  if (p.code === "missing_field") return p.path === "/event/type" || p.path === "/event/at";
  return p.code === "out_of_range" && p.message.startsWith("invalid value");
}

function buildHistory(ciam, engine, events) {
  let bytes = null;
  for (const [i, event] of (Array.isArray(events) ? events : []).entries()) {
    try {
      bytes = engine.record(bytes, event);
    } catch (err) {
      const out = errorJson(ciam, err);
      if (out.error.problems.every(isSerdeProblem)) {
        const move = (path) => path.replace(/^\/event/, `/history/${i}`);
        out.error.path = move(out.error.path);
        for (const p of out.error.problems) p.path = move(p.path);
      }
      return { error: out };
    }
  }
  return { bytes };
}

function eventCount(ciam, bytes) {
  return bytes ? ciam.decodeHistory(bytes).events.length : 0;
}

/** The output of one case, exactly as the native runner computes it. */
export function caseOutput(ciam, kase) {
  let engine;
  try {
    if (kase.policy !== undefined) {
      engine = new ciam.PolicyEngine(kase.policy);
    } else {
      if (typeof kase.preset !== "string") throw new Error("case names neither `preset` nor `policy`");
      let document = JSON.parse(ciam.presetJson(kase.preset));
      if (kase.patch !== undefined) document = mergePatch(document, kase.patch);
      engine = new ciam.PolicyEngine(document);
    }
  } catch (err) {
    return errorJson(ciam, err);
  }
  try {
    const call = kase.call ?? "evaluate";
    const history = buildHistory(ciam, engine, kase.history);
    if (history.error) return history.error;
    const source = buildHistory(ciam, engine, kase.sourceHistory);
    if (source.error) return source.error;
    switch (call) {
      case "validatePolicy":
        return { valid: true, name: engine.policy().name };
      case "record":
        return history.bytes ? ciam.decodeHistory(history.bytes) : { version: 1, events: [] };
      case "evaluate":
      case "evaluateRecovery":
      case "evaluateChange": {
        if (kase.request === undefined) throw new Error("the case has no request");
        const request = structuredClone(kase.request);
        if (request !== null && typeof request === "object" && !Array.isArray(request)) {
          if (!("history" in request) && eventCount(ciam, history.bytes) > 0) request.history = history.bytes;
          if (call !== "evaluateChange" && !("sourceHistory" in request) && eventCount(ciam, source.bytes) > 0) {
            request.sourceHistory = source.bytes;
          }
        }
        try {
          return engine[call](request);
        } catch (err) {
          return errorJson(ciam, err);
        }
      }
      default:
        throw new Error(`unknown call \`${call}\``);
    }
  } finally {
    engine.free();
  }
}

/** Plain JSON for comparison (drops undefined, normalises -0). */
function canonical(value) {
  return JSON.parse(JSON.stringify(value));
}

function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b) || a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameJson(ka, kb) && ka.every((k) => sameJson(a[k], b[k]));
  }
  return false;
}

/** Replay every golden entry `{ case, input, output }`; returns `{ total, failures }`. */
export function compareGolden(ciam, golden) {
  const failures = [];
  for (const entry of golden) {
    let got;
    try {
      got = canonical(caseOutput(ciam, entry.input));
    } catch (err) {
      got = { thrown: String(err && err.stack ? err.stack : err) };
    }
    if (!sameJson(got, entry.output)) failures.push({ case: entry.case, want: entry.output, got });
  }
  return { total: golden.length, failures };
}

const NOW = 1800000000;
const GOOD = {
  now: NOW,
  action: "payout",
  device: { id: "phone-1" },
  session: { aal: 1, amr: ["pwd"], authTime: NOW - 600 },
  account: { createdAt: 1700000000, factors: ["sms", "password", "passkey"] },
  transaction: { amount: 120, currency: "EUR" },
};

/**
 * User mistakes must come back as coded CiamErrors (never a trap), and the same engine must
 * answer correctly afterwards. Returns `[{ name, ok, detail }]`.
 */
export function errorChecks(ciam) {
  const results = [];
  const engine = ciam.PolicyEngine.fromPreset("ciam-retail");
  const reference = JSON.stringify(engine.evaluate(GOOD));
  const expectThrow = (name, fn, check) => {
    try {
      fn();
      results.push({ name, ok: false, detail: "did not throw" });
    } catch (err) {
      const coded = err instanceof ciam.CiamError && err instanceof Error;
      const ok = coded && check(err);
      results.push({ name, ok, detail: `${err && err.name}: code=${err && err.code} path=${err && err.path} ${err && err.message}` });
    }
    // The engine keeps answering, identically.
    const again = JSON.stringify(engine.evaluate(GOOD));
    results.push({ name: `${name}: engine still answers`, ok: again === reference, detail: again === reference ? "same decision" : again });
  };
  expectThrow("unknown action", () => engine.evaluate({ ...GOOD, action: "wire_everything" }), (e) => e.code === "unknown_action" && e.path === "/action");
  expectThrow("wrong type", () => engine.evaluate({ ...GOOD, network: { ipRisk: "high" } }), (e) => e.code === "invalid_type" && e.path === "/network/ipRisk");
  expectThrow("unknown field", () => engine.evaluate({ ...GOOD, devce: {} }), (e) => e.code === "unknown_field" && e.path === "/devce");
  expectThrow("out of range", () => engine.evaluate({ ...GOOD, device: { botScore: 101 } }), (e) => e.code === "out_of_range" && e.path === "/device/botScore");
  expectThrow("not an object", () => engine.evaluate("login"), (e) => e.code === "invalid_type");
  expectThrow("missing request", () => engine.evaluate(undefined), (e) => e.code === "missing_field");
  expectThrow("BigInt", () => engine.evaluate({ ...GOOD, now: 10n }), (e) => e.code === "invalid_type");
  expectThrow("corrupt history bytes", () => engine.evaluate({ ...GOOD, history: new Uint8Array([67, 72, 1, 0, 5, 9]) }), (e) => e.code === "invalid_history" && e.path === "/history");
  expectThrow("garbage source history", () => engine.evaluate({ ...GOOD, sourceHistory: new Uint8Array([1, 2, 3]) }), (e) => e.code === "invalid_history" && e.path === "/sourceHistory");
  expectThrow("bad event", () => engine.record(null, { type: "sign_in_success", at: -1 }), (e) => e.code === "out_of_range" && e.path === "/event/at");
  expectThrow("unknown event type", () => engine.record(null, { type: "teleported", at: NOW }), (e) => e.code === "unknown_variant" && e.path === "/event/type");
  expectThrow("malformed policy JSON", () => new ciam.PolicyEngine("{ not json"), (e) => e instanceof ciam.PolicyError && e.code === "invalid_json");
  const broken = JSON.parse(ciam.presetJson("ciam-retail"));
  broken.currency = "euro";
  broken.risk.medium = 250;
  broken.acrValues.aal2 = "";
  expectThrow(
    "policy with several problems",
    () => new ciam.PolicyEngine(broken),
    (e) => e instanceof ciam.PolicyError && e.problems.length >= 2 && e.problems.some((p) => p.path === "/currency"),
  );
  expectThrow("unknown preset", () => ciam.PolicyEngine.fromPreset("nope"), (e) => e instanceof ciam.PolicyError && e.code === "unknown_preset");

  // History bytes round-trip through record() and evaluate().
  let history = engine.record(null, { type: "sign_in_success", at: NOW - 86400, deviceId: "phone-1", country: "DE", lat: 52.52, lon: 13.405 });
  history = engine.record(history, { type: "sign_in_failure", at: NOW - 60, deviceId: "evil-1" });
  const ok = history instanceof Uint8Array && ciam.decodeHistory(history).events.length === 2;
  results.push({ name: "record returns Uint8Array history", ok, detail: `${history.constructor.name} ${history.length} bytes` });
  const withBytes = engine.evaluate({ ...GOOD, history });
  const withJson = engine.evaluate({ ...GOOD, history: ciam.decodeHistory(history) });
  results.push({ name: "history as bytes or JSON decides the same", ok: JSON.stringify(withBytes) === JSON.stringify(withJson), detail: withBytes.outcome });
  const decision = engine.evaluate(GOOD);
  results.push({
    name: "payout steps up to a passkey",
    ok: decision.outcome === "step_up" && decision.stepUp.factors[0] === "passkey" && decision.challenge.startsWith("Bearer error="),
    detail: JSON.stringify(decision.stepUp),
  });
  // Tokens and recovery codes (randomness from the platform's crypto.getRandomValues).
  const secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"; // bytes 0..31, unpadded base64url
  const keys = new ciam.KeySet({ signing: "k1", keys: [{ kid: "k1", secret }] });
  const grant = { now: NOW, sub: "alice", aud: "shop", acr: "urn:ciam-policy:aal2", amr: ["pwd", "hwk"], authTime: NOW - 10, action: "payout" };
  const minted = engine.mintStepUpGrant(keys, grant);
  const verify = { now: NOW + 5, token: minted.token, purpose: "step_up_grant", audience: "shop", subject: "alice", action: "payout" };
  const claims = engine.verifyToken(keys, verify);
  results.push({ name: "step-up grant minted and verified", ok: claims.jti === minted.jti && claims.scope === "payout", detail: JSON.stringify(claims) });
  const other = engine.mintStepUpGrant(keys, { ...grant, action: "add_payee" });
  const forged = `${minted.token.split(".").slice(0, 2).join(".")}.${other.token.split(".")[2]}`;
  expectThrow("forged token", () => engine.verifyToken(keys, { ...verify, token: forged }), (e) => e.code === "token_bad_signature");
  expectThrow("expired token", () => engine.verifyToken(keys, { ...verify, now: minted.expiresAt }), (e) => e.code === "token_expired");
  expectThrow("weak key", () => new ciam.KeySet({ signing: "k1", keys: [{ kid: "k1", secret: "AAAA" }] }), (e) => e.code === "weak_key" || e.code === "invalid_format");
  const recoveryCodes = ciam.generateRecoveryCodes(3);
  const pepper = new Uint8Array(32).fill(7);
  const stored = ciam.hashRecoveryCode(recoveryCodes[0], pepper);
  results.push({
    name: "recovery codes generated, hashed, verified",
    ok:
      new Set(recoveryCodes).size === 3 &&
      recoveryCodes.every((c) => /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(c)) &&
      ciam.verifyRecoveryCode(recoveryCodes[0].toLowerCase(), stored, pepper) &&
      !ciam.verifyRecoveryCode(recoveryCodes[1], stored, pepper),
    detail: recoveryCodes.join(" "),
  });
  expectThrow("too many recovery codes", () => ciam.generateRecoveryCodes(1000), (e) => e.code === "out_of_range");
  keys.free();

  results.push({ name: "presets()", ok: ciam.presets().join() === "ciam-retail,ciam-fintech,ciam-health,workforce", detail: ciam.presets().join() });
  results.push({ name: "version()", ok: /^\d+\.\d+\.\d+/.test(ciam.version()), detail: ciam.version() });
  engine.free();
  return results;
}
