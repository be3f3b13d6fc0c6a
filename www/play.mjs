// Plays a journey (www/journeys.json) through one PolicyEngine, step by step, the way a host
// would: each step's request gets the account, the account's history and the source IP's
// history; what a step lets through is recorded with the engine's own reducer, so later
// steps see it. Pure: no DOM, no clock. The page and the end-to-end tests both use it (the
// tests run it in Node against the built package to get the engine's answers).
//
// Journey format (see www/journeys.json):
//   { id, title, story, point (what to look for), actor: "customer" | "attacker" | "mixed", continueAfterBlock?,
//     account, recoveryAccount?, history: [event…], sources: { ip: [event…] },
//     steps: [{ label, actor?, kind?: "evaluate" | "recovery" | "change", request,
//               noAccount?, attackerHolds?: [factor or channel…], onPass?: [event…],
//               continueAfterBlock? }] }
// A step *passes* when the engine allows it, or asks for a step-up the actor can complete
// (a customer holds their own factors; an attacker only those in `attackerHolds`). Events in
// `onPass` are then recorded in the account's history and, when they carry an `ip`, in that
// address's history too. Unless the journey (or the blocked step) says `continueAfterBlock`,
// the first blocked step ends the journey: the later steps are "not reached".

/** The engine method that decides each kind of step. */
const METHODS = { evaluate: "evaluate", recovery: "evaluateRecovery", change: "evaluateChange" };

/** Which actor takes a step. */
export function stepActor(journey, step) {
  return step.actor ?? (journey.actor === "attacker" ? "attacker" : "customer");
}

/** What a step-up (or second recovery method) decision offers the actor. */
export function offeredFactors(kind, decision) {
  if (!decision) return [];
  if (kind === "evaluate") return decision.stepUp?.factors ?? [];
  return decision.offered ?? [];
}

/** Whether the actor gets past this decision. */
export function passes(journey, step, kind, decision) {
  if (!decision) return false;
  if (decision.outcome === "allow") return true;
  if (decision.outcome !== "step_up") return false;
  const offered = offeredFactors(kind, decision);
  if (stepActor(journey, step) === "customer") return offered.length > 0;
  const holds = step.attackerHolds ?? [];
  return offered.some((f) => holds.includes(f));
}

/**
 * Play `journey` under `engine`. `decodeHistory` (optional, from the package) turns history
 * bytes back into JSON for display. Returns one entry per step:
 * `{ index, label, actor, kind, reached, request, decision, error, passed }` — `request` is
 * what was sent (histories in their JSON form), `error` a `{ code, path, message }` when the
 * engine refused the request.
 */
export function playJourney(engine, journey, decodeHistory) {
  const record = (history, events) => {
    let h = history;
    for (const event of events ?? []) h = engine.record(h, event);
    return h;
  };
  let history = record(null, journey.history);
  const sources = new Map();
  for (const [ip, events] of Object.entries(journey.sources ?? {})) sources.set(ip, record(null, events));
  const recoveryAccount = journey.recoveryAccount ?? { factors: journey.account?.factors ?? [] };

  const results = [];
  let stopped = false;
  journey.steps.forEach((step, index) => {
    const kind = step.kind ?? "evaluate";
    const actor = stepActor(journey, step);
    const base = { index, label: step.label, actor, kind, reached: !stopped };
    if (stopped) {
      results.push({ ...base, request: null, decision: null, error: null, passed: false });
      return;
    }
    const request = { ...step.request };
    if (!step.noAccount) request.account = kind === "evaluate" ? journey.account : recoveryAccount;
    if (history) request.history = history;
    const ip = request.network?.ip;
    if (kind !== "change" && ip && sources.has(ip)) request.sourceHistory = sources.get(ip);

    let decision = null;
    let error = null;
    try {
      decision = engine[METHODS[kind]](request);
    } catch (e) {
      error = { code: e?.code ?? "error", path: e?.path ?? "", message: e?.message ?? String(e) };
    }
    const passed = passes(journey, step, kind, decision);
    if (passed) {
      history = record(history, step.onPass);
      for (const event of step.onPass ?? []) {
        if (event.ip) sources.set(event.ip, engine.record(sources.get(event.ip) ?? null, event));
      }
    } else if (!journey.continueAfterBlock && !step.continueAfterBlock) {
      stopped = true;
    }
    const shown = { ...request };
    if (decodeHistory) {
      for (const field of ["history", "sourceHistory"]) {
        if (shown[field] instanceof Uint8Array) shown[field] = decodeHistory(shown[field]);
      }
    } else {
      delete shown.history;
      delete shown.sourceHistory;
    }
    results.push({ ...base, request: shown, decision, error, passed });
  });
  return results;
}

/** Counts for the summary strip, over the results of any number of journeys. */
export function summarize(played) {
  const s = { customer: { passed: 0, steppedUp: 0, blocked: 0, notReached: 0 }, attacker: { stopped: 0, through: 0, notReached: 0 }, errors: 0 };
  for (const r of played) {
    if (!r.reached) {
      s[r.actor].notReached += 1;
      continue;
    }
    if (r.error) {
      s.errors += 1;
      continue;
    }
    const outcome = r.decision.outcome;
    if (r.actor === "customer") {
      if (outcome === "allow") s.customer.passed += 1;
      else if (outcome === "step_up" && r.passed) s.customer.steppedUp += 1;
      else s.customer.blocked += 1;
    } else if (r.passed) {
      s.attacker.through += 1;
    } else {
      s.attacker.stopped += 1;
    }
  }
  return s;
}
