// The demo page: plays www/journeys.json through the real wasm build (the package's browser
// entry, served from the repository's pkg/) under two policies side by side, marks where
// they differ, sums up per policy, and lets the visitor edit a policy and play it.
import * as ciam from "/pkg/browser.js";
import { playJourney, summarize } from "./play.mjs";

const EDITED = "edited";
const OUTCOME_TEXT = { allow: "Allowed", step_up: "Step-up", throttle: "Throttled", deny: "Denied", not_reached: "Not reached", error: "Error" };
const KIND_TEXT = { evaluate: "action", recovery: "recovery", change: "change" };
const RECOVERY_STEP_UP = "Second method";

const state = {
  journeys: [],
  /** key → { label, engine } for every policy that can be played. */
  engines: new Map(),
  /** key → Map(journeyId → results) */
  played: new Map(),
  left: "workforce",
  right: "ciam-retail",
  current: null,
  editor: { engine: null, name: "", base: "ciam-retail" },
};

const $ = (sel, root = document) => root.querySelector(sel);

/** Create an element: h("p", { class: "x", "data-a": 1 }, "text", child…). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// ---------------------------------------------------------------- formatting

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) {
    const hours = Math.floor(s / 3600);
    const minutes = Math.round((s % 3600) / 60);
    return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  const days = Math.floor(s / 86400);
  const hours = Math.round((s % 86400) / 3600);
  return hours ? `${days} d ${hours} h` : `${days} d`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
function when(unix) {
  const d = new Date(unix * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

function eventName(uri) {
  const m = /\/secevent\/(risc|caep)\/event-type\/(.+)$/.exec(uri);
  return m ? `${m[1].toUpperCase()} ${m[2]}` : uri;
}

const label = (key) => state.engines.get(key)?.label ?? key;
const words = (code) => code.replaceAll("_", " ");

// ---------------------------------------------------------------- engines and results

function loadPresets() {
  for (const name of ciam.presets()) state.engines.set(name, { label: name, engine: ciam.PolicyEngine.fromPreset(name) });
}

function results(key, journey) {
  if (!state.played.has(key)) state.played.set(key, new Map());
  const cache = state.played.get(key);
  if (!cache.has(journey.id)) cache.set(journey.id, playJourney(state.engines.get(key).engine, journey, ciam.decodeHistory));
  return cache.get(journey.id);
}

const outcomeKey = (r) => (!r.reached ? "not_reached" : r.error ? "error" : r.decision.outcome);

/** How two results of the same step compare, in words; null when they agree. */
function difference(a, b, actor) {
  if (outcomeKey(a) === outcomeKey(b)) return null;
  const [L, R] = [label(state.left), label(state.right)];
  if (!a.reached || !b.reached) {
    const [missing, other, r] = !a.reached ? [L, R, b] : [R, L, a];
    const why = r.decision?.reasons?.[0] ? ` (${r.decision.reasons[0].code})` : "";
    if (!r.reached || r.error) return { tone: "neutral", text: `Never reached under ${missing}` };
    if (actor === "customer") {
      return r.passed
        ? { tone: "bad", text: `Customer continues under ${other}; under ${missing} an earlier step blocked them` }
        : { tone: "neutral", text: `Blocked under ${other}${why}; never reached under ${missing}` };
    }
    return r.passed
      ? { tone: "bad", text: `Attacker gets through under ${other}; never reached under ${missing}` }
      : { tone: "good", text: `Attacker stopped by ${other}${why}; never reached under ${missing}` };
  }
  if (a.error || b.error) return { tone: "neutral", text: `The engine refused the request under ${a.error ? L : R}` };
  if (actor === "customer") {
    if (a.passed !== b.passed) return { tone: "bad", text: `Customer blocked by ${a.passed ? R : L}` };
    const more = a.decision.outcome === "step_up" ? L : R;
    return { tone: "neutral", text: `More friction under ${more}` };
  }
  if (a.passed !== b.passed) return { tone: "good", text: `Attacker stopped by ${a.passed ? R : L}, not by ${a.passed ? L : R}` };
  return { tone: "neutral", text: `Both stop the attacker, differently` };
}

function journeyDifferences(journey) {
  const a = results(state.left, journey);
  const b = results(state.right, journey);
  return a.filter((r, i) => outcomeKey(r) !== outcomeKey(b[i])).length;
}

/** Whether the customer steps of a journey all happened and the last one passed. */
function customerCompleted(rs) {
  const mine = rs.filter((r) => r.actor === "customer");
  return mine.length > 0 && mine.every((r) => r.reached) && mine[mine.length - 1].passed;
}

// ---------------------------------------------------------------- rendering: controls

function renderSelects() {
  for (const [id, side] of [["left-policy", "left"], ["right-policy", "right"]]) {
    const select = $(`#${id}`);
    select.replaceChildren(...[...state.engines.keys()].map((key) => h("option", { value: key, selected: key === state[side] }, label(key))));
    select.value = state[side];
  }
  const base = $("#editor-base");
  base.replaceChildren(...ciam.presets().map((name) => h("option", { value: name, selected: name === state.editor.base }, name)));
}

function renderHeadline() {
  const customerJourneys = state.journeys.filter((j) => j.actor !== "attacker");
  const part = (key) => {
    const done = customerJourneys.filter((j) => customerCompleted(results(key, j))).length;
    const s = summarize(state.journeys.flatMap((j) => results(key, j)));
    const attackerSteps = s.attacker.stopped + s.attacker.through;
    return { done, stopped: s.attacker.stopped, attackerSteps };
  };
  const [a, b] = [part(state.left), part(state.right)];
  const n = customerJourneys.length;
  $("#headline").replaceChildren(
    h("strong", {}, label(state.left)),
    ` lets customers finish ${a.done} of ${n} journeys and stops ${a.stopped} of ${a.attackerSteps} attacker steps it sees; `,
    h("strong", {}, label(state.right)),
    ` lets them finish ${b.done} of ${n} and stops ${b.stopped} of ${b.attackerSteps}.`,
  );
}

function renderSummary() {
  const strip = (key, side) => {
    const all = state.journeys.flatMap((j) => results(key, j));
    const s = summarize(all);
    const stat = (name, value, tone, hint) =>
      h("div", { class: `stat ${tone}`, "data-stat": name, title: hint }, h("dt", {}, hint), h("dd", { "data-count": value }, value));
    return h(
      "section",
      { class: `strip ${side}`, "data-policy": key, "aria-label": `Summary for ${label(key)}` },
      h("h3", {}, h("span", { class: "side-tag" }, side), " ", label(key)),
      h(
        "div",
        { class: "groups" },
        h(
          "dl",
          { class: "group customer", "aria-label": "Legitimate customer steps" },
          h("p", { class: "group-title" }, "Customer steps"),
          stat("passed", s.customer.passed, "ok", "passed"),
          stat("stepped-up", s.customer.steppedUp, "warn", "stepped up"),
          stat("blocked", s.customer.blocked, "bad", "blocked"),
          stat("customer-not-reached", s.customer.notReached, "muted", "never reached"),
        ),
        h(
          "dl",
          { class: "group attacker", "aria-label": "Attacker steps" },
          h("p", { class: "group-title" }, "Attacker steps"),
          stat("stopped", s.attacker.stopped, "ok", "stopped"),
          stat("through", s.attacker.through, "bad", "got through"),
        ),
      ),
      s.errors ? h("p", { class: "errors-note" }, `${s.errors} steps refused with an error (see the journeys)`) : null,
    );
  };
  $("#summary .strips").replaceChildren(strip(state.left, "left"), strip(state.right, "right"));
}

function renderJourneyList() {
  const items = state.journeys.map((j) => {
    const diffs = journeyDifferences(j);
    const current = j.id === state.current;
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: "journey-button",
          "data-journey": j.id,
          "aria-current": current ? "true" : null,
          onclick: () => selectJourney(j.id),
        },
        h("span", { class: `actor-tag ${j.actor}` }, j.actor),
        h("span", { class: "journey-title" }, j.title),
        h("span", { class: `diff-count${diffs ? " some" : ""}` }, diffs ? `${diffs} ${diffs === 1 ? "step differs" : "steps differ"}` : "same outcomes"),
      ),
    );
  });
  $("#journey-list").replaceChildren(...items);
}

// ---------------------------------------------------------------- rendering: one decision

function chips(list, cls = "chip") {
  return h("span", { class: "chips" }, list.map((x) => h("span", { class: cls }, x)));
}

function row(term, ...value) {
  return h("div", { class: "row" }, h("dt", {}, term), h("dd", {}, ...value));
}

function verdict(r) {
  if (!r.reached || r.error) return null;
  if (r.actor === "customer") return r.passed ? (r.decision.outcome === "allow" ? "customer continues" : "customer completes the step-up") : "customer blocked";
  return r.passed ? "attacker gets through" : "attacker stopped";
}

function decisionCard(r, side, key) {
  const outcome = outcomeKey(r);
  const attrs = { class: `decision ${outcome}`, "data-side": side, "data-policy": key, "data-outcome": outcome, "data-passed": String(!!r.passed) };
  const head = (extra) =>
    h(
      "header",
      { class: "decision-head" },
      h("span", { class: "policy-name" }, label(key)),
      h("span", { class: `outcome ${outcome}`, "data-role": "outcome" }, r.kind === "recovery" && outcome === "step_up" ? RECOVERY_STEP_UP : OUTCOME_TEXT[outcome]),
      extra,
    );
  if (!r.reached) {
    return h("div", attrs, head(), h("p", { class: "quiet" }, "An earlier step was blocked, so this one never happens."));
  }
  if (r.error) {
    return h(
      "div",
      attrs,
      head(),
      h("p", { class: "error-line" }, h("code", { "data-role": "error-code" }, r.error.code), " at ", h("code", {}, r.error.path || "/"), ": ", r.error.message),
      raw(r),
    );
  }
  const d = r.decision;
  const v = verdict(r);
  const body = [];
  if (d.risk) {
    attrs["data-score"] = d.risk.score;
    body.push(
      h(
        "div",
        { class: "risk" },
        h("span", { class: "risk-text" }, "risk ", h("strong", { "data-role": "score" }, d.risk.score), " / 100 · ", h("span", { class: `level ${d.risk.level}` }, d.risk.level)),
        h("span", { class: "meter", "aria-hidden": "true" }, h("span", { class: `fill ${d.risk.level}`, style: `width:${d.risk.score}%` })),
      ),
    );
  }
  if (d.reasons.length) {
    body.push(
      h(
        "ul",
        { class: "reasons", "aria-label": "Reasons" },
        d.reasons.map((reason) =>
          h(
            "li",
            { class: "reason", "data-code": reason.code },
            h("code", { class: "code" }, reason.code),
            reason.points ? h("span", { class: "points" }, `+${reason.points}`) : null,
            h("span", { class: "message" }, reason.message),
          ),
        ),
      ),
    );
  } else {
    body.push(h("p", { class: "quiet" }, "No reason to object."));
  }
  const facts = [];
  if (d.stepUp) {
    facts.push(row("Step-up", `AAL${d.stepUp.aal} within ${duration(d.stepUp.maxAge)}, `, h("code", {}, d.stepUp.acr)));
    facts.push(row("Factors", d.stepUp.factors.length ? chips(d.stepUp.factors) : "none the account has"));
  }
  if (d.challenge) facts.push(row("Challenge", h("code", { class: "challenge" }, `WWW-Authenticate: ${d.challenge}`)));
  if (d.offered?.length) facts.push(row(r.kind === "change" ? "Verify with" : "Offered", chips(d.offered)));
  if (d.remaining !== undefined && r.kind === "recovery") facts.push(row("Attempts left", String(d.remaining)));
  if (d.retryAfter !== undefined) {
    const now = r.request.now;
    facts.push(row(outcome === "throttle" ? "Retry after" : "Held for", h("strong", { class: "timer" }, duration(d.retryAfter)), ` (until ${when(now + d.retryAfter)})`));
  }
  if (d.grant) {
    const g = d.grant;
    const now = r.request.now;
    const above = Object.entries(g.restrictedAbove ?? {}).map(([action, amount]) => `${action} over ${amount}`);
    facts.push(
      row(
        "Grant",
        h(
          "span",
          { class: "grant" },
          "may ",
          chips(g.scopes),
          ` for ${duration(g.expiresAt - now)}; holds `,
          chips([...g.restricted, ...above], "chip held"),
          ` for ${duration(g.holdUntil - now)} (until ${when(g.holdUntil)})`,
        ),
      ),
    );
  }
  if (d.notify?.length) facts.push(row("Notify", chips(d.notify)));
  if (d.events?.length) facts.push(row("Events", h("span", { class: "chips" }, d.events.map((e) => h("span", { class: "chip event", title: e }, eventName(e))))));
  if (facts.length) body.push(h("dl", { class: "facts" }, facts));
  return h("div", attrs, head(v ? h("span", { class: `verdict ${r.passed ? "passed" : "blocked"}` }, v) : null), body, raw(r));
}

function raw(r) {
  const text = JSON.stringify({ request: r.request, [r.error ? "error" : "decision"]: r.error ?? r.decision }, null, 2);
  return h("details", { class: "raw" }, h("summary", {}, "Raw JSON"), h("pre", {}, h("code", {}, text)));
}

// ---------------------------------------------------------------- rendering: one journey

function renderJourney() {
  const journey = state.journeys.find((j) => j.id === state.current) ?? state.journeys[0];
  const a = results(state.left, journey);
  const b = results(state.right, journey);
  const start = journey.steps[0].request.now;
  const diffs = a.filter((r, i) => outcomeKey(r) !== outcomeKey(b[i])).length;
  const steps = journey.steps.map((step, i) => {
    const actor = a[i].actor;
    const diff = difference(a[i], b[i], actor);
    const now = step.request.now;
    return h(
      "article",
      { class: `step${diff ? ` differs ${diff.tone}` : ""}`, "data-step": i, "data-differs": String(!!diff), "aria-labelledby": `step-${i}-title` },
      h(
        "header",
        { class: "step-head" },
        h("span", { class: "step-number", "aria-hidden": "true" }, i + 1),
        h(
          "div",
          { class: "step-title-block" },
          h("h3", { id: `step-${i}-title`, class: "step-title" }, h("span", { class: "visually-hidden" }, `Step ${i + 1}: `), step.label),
          h(
            "p",
            { class: "step-meta" },
            h("span", { class: `actor-tag ${actor}` }, actor),
            h("span", { class: "kind-tag" }, `${KIND_TEXT[a[i].kind]}: ${step.request.action ?? step.request.change ?? (step.request.channel ? `by ${words(step.request.channel)}` : "")}`),
            h("time", { datetime: new Date(now * 1000).toISOString() }, when(now)),
            now > start ? h("span", { class: "elapsed" }, `+${duration(now - start)}`) : null,
          ),
        ),
        diff ? h("p", { class: `diff-note ${diff.tone}`, "data-role": "diff" }, h("span", { "aria-hidden": "true" }, "≠ "), diff.text) : null,
      ),
      h("div", { class: "pair" }, decisionCard(a[i], "left", state.left), decisionCard(b[i], "right", state.right)),
    );
  });
  $("#journey").replaceChildren(
    h(
      "header",
      { class: "journey-head" },
      h("h2", { id: "journey-title", "data-journey": journey.id }, journey.title),
      h("p", { class: "story" }, journey.story),
      journey.point ? h("p", { class: "point" }, h("strong", {}, "What to look for: "), journey.point) : null,
      h(
        "p",
        { class: "journey-meta" },
        h("span", { class: `actor-tag ${journey.actor}` }, journey.actor === "mixed" ? "customer and attacker" : journey.actor),
        ` ${journey.steps.length} ${journey.steps.length === 1 ? "step" : "steps"} · `,
        h("strong", {}, diffs ? `${diffs} decided differently` : "both policies decide alike"),
        ` · ${label(state.left)} on the left, ${label(state.right)} on the right`,
      ),
    ),
    h("div", { class: "steps" }, steps),
  );
}

function renderAll() {
  renderHeadline();
  renderSummary();
  renderJourneyList();
  renderJourney();
  const hash = new URLSearchParams({ journey: state.current, left: state.left, right: state.right });
  history.replaceState(null, "", `#${hash}`);
}

function selectJourney(id) {
  state.current = id;
  renderJourneyList();
  renderJourney();
  const hash = new URLSearchParams({ journey: state.current, left: state.left, right: state.right });
  history.replaceState(null, "", `#${hash}`);
}

// ---------------------------------------------------------------- policy editor

function loadEditor(base) {
  state.editor.base = base;
  const text = JSON.stringify(JSON.parse(ciam.presetJson(base)), null, 2);
  $("#editor-text").value = text;
  validateEditor();
}

function validateEditor() {
  const text = $("#editor-text").value;
  const status = $("#editor-status");
  state.editor.engine?.free();
  state.editor.engine = null;
  let engine = null;
  let error = null;
  try {
    engine = new ciam.PolicyEngine(text);
  } catch (e) {
    error = e;
  }
  const buttons = [$("#editor-left"), $("#editor-right")];
  if (engine) {
    state.editor.engine = engine;
    const policy = engine.policy();
    state.editor.name = policy.name;
    status.className = "editor-status valid";
    status.replaceChildren(h("p", {}, h("strong", {}, "Valid policy"), ` — ${policy.name}, revision ${policy.revision}. Play it on either side to see what changes.`));
    for (const b of buttons) b.disabled = false;
    return;
  }
  for (const b of buttons) b.disabled = true;
  status.className = "editor-status invalid";
  const problems = error?.problems?.length ? error.problems : [{ code: error?.code ?? "error", path: error?.path ?? "", message: error?.message ?? String(error) }];
  let syntax = null;
  if (problems.some((p) => p.code === "invalid_json")) {
    try {
      JSON.parse(text);
    } catch (e) {
      syntax = e.message;
    }
  }
  status.replaceChildren(
    h("p", {}, h("strong", {}, `${problems.length} ${problems.length === 1 ? "problem" : "problems"}`), " — the engine refuses this policy:"),
    h(
      "ul",
      { class: "problems" },
      problems.map((p) =>
        h(
          "li",
          { class: "problem", "data-code": p.code, "data-path": p.path },
          h("code", { class: "code" }, p.code),
          " at ",
          p.path
            ? h("button", { type: "button", class: "link path", title: "Show this place in the editor", onclick: () => showPath(p.path) }, h("code", {}, p.path))
            : h("code", { class: "path" }, "/"),
          ": ",
          p.message,
        ),
      ),
    ),
    ...(syntax ? [h("p", { class: "quiet" }, `JSON syntax: ${syntax}`)] : []),
  );
}

/** Select the key a JSON pointer names in the editor's text (found key by key, in order). */
function showPath(pointer) {
  const area = $("#editor-text");
  const text = area.value;
  let at = 0;
  let found = -1;
  let length = 0;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    const quoted = `${JSON.stringify(key)}`;
    const next = /^\d+$/.test(key) ? -1 : text.indexOf(quoted, at);
    if (next < 0) break;
    [found, at, length] = [next, next + quoted.length, quoted.length];
  }
  area.focus();
  if (found >= 0) {
    area.setSelectionRange(found, found + length);
    // Scroll the selection into view: place the caret line near the top.
    const line = text.slice(0, found).split("\n").length;
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }
}

function applyEditor(side) {
  const engine = state.editor.engine;
  if (!engine) return;
  const old = state.engines.get(EDITED);
  // The editor keeps validating with fresh engines; the played one is its own instance.
  let played;
  try {
    played = new ciam.PolicyEngine($("#editor-text").value);
  } catch {
    // Edited since the last validation (within the debounce): show what is wrong now.
    validateEditor();
    return;
  }
  state.engines.set(EDITED, { label: `edited ${state.editor.name}`, engine: played });
  state.played.delete(EDITED);
  if (old) old.engine.free();
  state[side] = EDITED;
  renderSelects();
  renderAll();
  $("#editor-status").append(h("p", { class: "applied" }, `Playing the edited policy on the ${side}.`));
}

// ---------------------------------------------------------------- start

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const j = params.get("journey");
  if (j && state.journeys.some((x) => x.id === j)) state.current = j;
  for (const side of ["left", "right"]) {
    const key = params.get(side);
    if (key && state.engines.has(key)) state[side] = key;
  }
}

async function main() {
  const response = await fetch("journeys.json");
  if (!response.ok) throw new Error(`journeys.json: HTTP ${response.status}`);
  state.journeys = (await response.json()).journeys;
  state.current = state.journeys[0].id;
  loadPresets();
  readHash();
  $("#version").textContent = `v${ciam.version()}`;
  renderSelects();
  renderAll();

  $("#left-policy").addEventListener("change", (e) => {
    state.left = e.target.value;
    renderAll();
  });
  $("#right-policy").addEventListener("change", (e) => {
    state.right = e.target.value;
    renderAll();
  });
  $("#swap").addEventListener("click", () => {
    [state.left, state.right] = [state.right, state.left];
    renderSelects();
    renderAll();
  });
  let timer = 0;
  $("#editor-text").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(validateEditor, 150);
  });
  $("#editor-base").addEventListener("change", (e) => loadEditor(e.target.value));
  $("#editor-reset").addEventListener("click", () => loadEditor(state.editor.base));
  $("#editor-left").addEventListener("click", () => applyEditor("left"));
  $("#editor-right").addEventListener("click", () => applyEditor("right"));
  loadEditor(state.editor.base);
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  console.error(e);
  $("#headline").textContent = `The demo could not start: ${e.message}`;
  $("#headline").classList.add("failed");
});
