// End-to-end tests of the demo page (www/) in Debian's headless Chromium, driven by
// playwright-core. The page is served by scripts/serve.mjs from the local build (pkg/);
// what it shows is checked against the engine's own answers, computed here in Node through
// the same built package (pkg/node.mjs) and the same journey player (www/play.mjs).
// Screenshots of every journey go to tests/artifacts/e2e/.
//
// Run: node --test tests/e2e/   (builds pkg/ first when it is missing or stale)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const shots = path.join(root, "tests", "artifacts", "e2e");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Every journey is played under each pair; the first is the page's default. */
const PAIRS = [
  ["workforce", "ciam-retail"],
  ["ciam-fintech", "ciam-health"],
];

/** pkg/ is stale when any input of the build is newer than the wasm it produced. */
function ensurePackage() {
  const wasm = path.join(root, "pkg", "ciam_policy_bg.wasm");
  const built = fs.existsSync(wasm) && fs.existsSync(path.join(root, "pkg", "browser.js")) ? fs.statSync(wasm).mtimeMs : 0;
  const newer = (p) => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) return fs.readdirSync(p).some((f) => newer(path.join(p, f)));
    return stat.mtimeMs > built;
  };
  const inputs = ["src", "pkg-templates", "Cargo.toml", "Cargo.lock", "scripts/build.mjs"].map((p) => path.join(root, p));
  if (!built || inputs.some(newer)) {
    console.log("# building pkg/ (missing or older than its sources)");
    execFileSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  }
}

let ciam;
let play;
let journeys;
let server;
let baseUrl;
let context;
let page;
let userDataDir;
const consoleErrors = [];

before(async () => {
  ensurePackage();
  ciam = await import(pathToFileURL(path.join(root, "pkg", "node.mjs")));
  play = await import(pathToFileURL(path.join(root, "www", "play.mjs")));
  journeys = JSON.parse(fs.readFileSync(path.join(root, "www", "journeys.json"), "utf8")).journeys;
  const { serve } = await import(pathToFileURL(path.join(root, "scripts", "serve.mjs")));
  ({ server, url: baseUrl } = await serve({ port: 0 }));
  fs.mkdirSync(shots, { recursive: true });
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ciam-e2e-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1360, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => consoleErrors.push(`pageerror: ${err.message}`));
  page.on("requestfailed", (req) => consoleErrors.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
  await page.goto(baseUrl);
  await page.waitForSelector("body[data-ready='true']", { timeout: 30_000 });
});

after(async () => {
  await context?.close();
  server?.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** What the engine answers for a journey under a policy, played in Node. */
function expected(policy, journey) {
  const engine = typeof policy === "string" ? ciam.PolicyEngine.fromPreset(policy) : new ciam.PolicyEngine(policy.text);
  try {
    return play.playJourney(engine, journey, ciam.decodeHistory);
  } finally {
    engine.free();
  }
}

const outcomeKey = (r) => (!r.reached ? "not_reached" : r.error ? "error" : r.decision.outcome);

async function choosePolicies(left, right) {
  await page.selectOption("#left-policy", left);
  await page.selectOption("#right-policy", right);
  await page.waitForFunction(
    ([l, r]) => document.querySelector("#left-policy").value === l && document.querySelector("#right-policy").value === r,
    [left, right],
  );
}

async function openJourney(id) {
  await page.click(`button[data-journey="${id}"]`);
  await page.waitForSelector(`#journey-title[data-journey="${id}"]`);
}

/** Everything the page shows for one decision card, read from the DOM. */
function readCard(step, side) {
  return page.$eval(`[data-step="${step}"] .decision[data-side="${side}"]`, (card) => ({
    outcome: card.dataset.outcome,
    passed: card.dataset.passed,
    policy: card.dataset.policy,
    outcomeText: card.querySelector("[data-role=outcome]")?.textContent,
    score: card.querySelector("[data-role=score]")?.textContent ?? null,
    reasons: [...card.querySelectorAll(".reason")].map((li) => ({
      code: li.dataset.code,
      points: li.querySelector(".points")?.textContent ?? null,
      message: li.querySelector(".message")?.textContent,
    })),
    text: (() => {
      const copy = card.cloneNode(true);
      copy.querySelector(".raw")?.remove();
      return copy.textContent;
    })(),
    raw: card.querySelector(".raw pre")?.textContent ?? null,
  }));
}

/** Check every step card of the open journey against the engine's answers. */
async function assertJourney(journey, sides) {
  const stepCount = await page.$$eval(".step", (steps) => steps.length);
  assert.equal(stepCount, journey.steps.length, `${journey.id}: step count`);
  for (let i = 0; i < journey.steps.length; i++) {
    for (const [side, want] of Object.entries(sides)) {
      const r = want.results[i];
      const where = `${journey.id} step ${i + 1} (${side}, ${want.key})`;
      const card = await readCard(i, side);
      assert.equal(card.policy, want.key, `${where}: policy`);
      assert.equal(card.outcome, outcomeKey(r), `${where}: outcome`);
      assert.equal(card.passed, String(r.passed), `${where}: passed`);
      assert.doesNotMatch(card.text, /\b(undefined|null|NaN)\b|\[object /, `${where}: a value the page failed to format`);
      if (!r.reached) continue;
      assert.equal(r.error, null, `${where}: the engine refused the journey's request: ${JSON.stringify(r.error)}`);
      const d = r.decision;
      // The raw JSON is exactly what the engine answered, and what was sent.
      assert.deepEqual(JSON.parse(card.raw), { request: r.request, decision: d }, `${where}: raw JSON`);
      // The readable view shows every reason with its points and message.
      assert.deepEqual(
        card.reasons,
        d.reasons.map((x) => ({ code: x.code, points: x.points ? `+${x.points}` : null, message: x.message })),
        `${where}: reasons`,
      );
      if (d.risk) assert.equal(card.score, String(d.risk.score), `${where}: score`);
      if (d.risk) assert.ok(card.text.includes(d.risk.level), `${where}: risk level ${d.risk.level}`);
      for (const f of d.stepUp?.factors ?? []) assert.ok(card.text.includes(f), `${where}: factor ${f}`);
      if (d.challenge) assert.ok(card.text.includes(`WWW-Authenticate: ${d.challenge}`), `${where}: challenge`);
      for (const c of d.offered ?? []) assert.ok(card.text.includes(c), `${where}: offered ${c}`);
      for (const c of d.notify ?? []) assert.ok(card.text.includes(c), `${where}: notify ${c}`);
      for (const e of d.events ?? []) assert.ok(card.text.includes(e.split("/").pop()), `${where}: event ${e}`);
      if (d.retryAfter !== undefined) assert.match(card.text, /(Retry after|Held for)/, `${where}: timer`);
      if (d.grant) {
        for (const s of [...d.grant.scopes, ...d.grant.restricted]) assert.ok(card.text.includes(s), `${where}: grant ${s}`);
      }
    }
    const [a, b] = Object.values(sides).map((s) => s.results[i]);
    const differs = await page.$eval(`[data-step="${i}"]`, (el) => el.dataset.differs);
    assert.equal(differs, String(outcomeKey(a) !== outcomeKey(b)), `${journey.id} step ${i + 1}: difference marker`);
  }
}

async function assertSummary(sides) {
  for (const [side, want] of Object.entries(sides)) {
    const s = play.summarize(want.all);
    const read = (stat) => page.$eval(`.strip.${side} [data-stat="${stat}"] dd`, (dd) => Number(dd.dataset.count));
    const where = `summary ${side} (${want.key})`;
    assert.equal(await read("passed"), s.customer.passed, `${where}: passed`);
    assert.equal(await read("stepped-up"), s.customer.steppedUp, `${where}: stepped up`);
    assert.equal(await read("blocked"), s.customer.blocked, `${where}: blocked`);
    assert.equal(await read("stopped"), s.attacker.stopped, `${where}: attackers stopped`);
    assert.equal(await read("through"), s.attacker.through, `${where}: attackers through`);
  }
}

describe("journeys, side by side, as the engine decides them", () => {
  for (const [left, right] of PAIRS) {
    test(`every journey under ${left} and ${right}`, async () => {
      await choosePolicies(left, right);
      const sides = {
        left: { key: left, all: [] },
        right: { key: right, all: [] },
      };
      for (const journey of journeys) {
        sides.left.results = expected(left, journey);
        sides.right.results = expected(right, journey);
        sides.left.all.push(...sides.left.results);
        sides.right.all.push(...sides.right.results);
        await openJourney(journey.id);
        await assertJourney(journey, sides);
        await page.screenshot({ path: path.join(shots, `${journey.id}--${left}-vs-${right}.png`), fullPage: true });
      }
      await assertSummary(sides);
    });
  }

  test("the default view compares workforce with ciam-retail and marks the difference", async () => {
    await page.goto(baseUrl);
    await page.waitForSelector("body[data-ready='true']");
    assert.equal(await page.inputValue("#left-policy"), "workforce");
    assert.equal(await page.inputValue("#right-policy"), "ciam-retail");
    await page.screenshot({ path: path.join(shots, "first-view.png") });
    // The legitimate customer blocked by the workforce pattern, the attacker stopped by bounded recovery.
    await openJourney("lost-phone");
    assert.match(await page.textContent('[data-step="0"] [data-role=diff]'), /Customer blocked by workforce/);
    await openJourney("mailbox-takeover");
    const held = await readCard(1, "right");
    assert.equal(held.outcome, "deny");
    assert.ok(held.reasons.some((r) => r.code === "recovery_hold"));
  });
});

describe("policy editor", () => {
  const setText = async (text) => {
    await page.fill("#editor-text", text);
    // The page validates 150 ms after the last keystroke.
    await page.waitForTimeout(400);
  };

  test("an invalid value shows the coded error with its path", async () => {
    await page.selectOption("#editor-base", "ciam-retail");
    const policy = JSON.parse(ciam.presetJson("ciam-retail"));
    policy.risk.denyAt = 500;
    await setText(JSON.stringify(policy, null, 2));
    const shown = await page.$$eval("#editor-status .problem", (lis) => lis.map((li) => ({ code: li.dataset.code, path: li.dataset.path, text: li.textContent })));
    let thrown;
    try {
      new ciam.PolicyEngine(JSON.stringify(policy));
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown, "the engine accepts the invalid policy");
    assert.deepEqual(
      shown.map(({ code, path: p }) => ({ code, path: p })),
      thrown.problems.map(({ code, path: p }) => ({ code, path: p })),
    );
    assert.ok(shown.some((p) => p.code === "out_of_range" && p.path === "/risk/denyAt" && p.text.includes("/risk/denyAt")), JSON.stringify(shown));
    assert.equal(await page.isDisabled("#editor-left"), true);
    // The path leads to the place in the text.
    await page.click('#editor-status .problem[data-path="/risk/denyAt"] button');
    assert.equal(await page.$eval("#editor-text", (t) => t.value.slice(t.selectionStart, t.selectionEnd)), '"denyAt"');
    assert.equal(await page.evaluate(() => document.activeElement.id), "editor-text");
    assert.doesNotMatch(await page.textContent("#editor-status"), /\b(undefined|null)\b/);
    await page.locator("#editor").screenshot({ path: path.join(shots, "editor-invalid.png") });

    await setText("{ \"version\": 1, ");
    assert.equal(await page.getAttribute("#editor-status .problem", "data-code"), "invalid_json");

    delete policy.risk.denyAt;
    policy.risk.denyAfter = 90;
    await setText(JSON.stringify(policy));
    const codes = await page.$$eval("#editor-status .problem", (lis) => lis.map((li) => `${li.dataset.code} ${li.dataset.path}`));
    assert.ok(codes.includes("unknown_field /risk/denyAfter"), codes.join(", "));
  });

  test("an edited policy plays every journey", async () => {
    // Workforce without the managed-device rule: customers get further.
    await page.selectOption("#editor-base", "workforce");
    const policy = JSON.parse(ciam.presetJson("workforce"));
    for (const action of Object.values(policy.actions)) delete action.managedDeviceRequired;
    const text = JSON.stringify(policy, null, 2);
    await setText(text);
    assert.match(await page.textContent("#editor-status"), /Valid policy/);
    await page.selectOption("#right-policy", "workforce");
    await page.click("#editor-left");
    await page.waitForFunction(() => document.querySelector("#left-policy").value === "edited");
    const sides = { left: { key: "edited", all: [] }, right: { key: "workforce", all: [] } };
    for (const journey of journeys) {
      sides.left.results = expected({ text }, journey);
      sides.right.results = expected("workforce", journey);
      sides.left.all.push(...sides.left.results);
      sides.right.all.push(...sides.right.results);
      await openJourney(journey.id);
      await assertJourney(journey, sides);
    }
    await assertSummary(sides);
    await page.screenshot({ path: path.join(shots, "edited-workforce-vs-workforce.png"), fullPage: true });
  });
});

describe("page quality", () => {
  test("keyboard: journeys, selects and the raw JSON work without a mouse", async () => {
    await page.goto(baseUrl);
    await page.waitForSelector("body[data-ready='true']");
    await page.focus('button[data-journey="traveller"]');
    await page.keyboard.press("Enter");
    await page.waitForSelector('#journey-title[data-journey="traveller"]');
    assert.equal(await page.getAttribute('button[data-journey="traveller"]', "aria-current"), "true");
    await page.focus("#right-policy");
    await page.keyboard.press("ArrowDown");
    assert.notEqual(await page.inputValue("#right-policy"), "ciam-retail");
    await page.focus('[data-step="0"] .decision[data-side="left"] .raw summary');
    await page.keyboard.press("Enter");
    assert.equal(await page.$eval('[data-step="0"] .decision[data-side="left"] .raw', (d) => d.open), true);
  });

  test("every control has a label", async () => {
    for (const name of ["Left policy", "Right policy", "Start from", "Policy JSON"]) {
      assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
    }
    const unlabelled = await page.$$eval("select, textarea, input, button", (els) =>
      els.filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.textContent.trim())).map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unlabelled, []);
  });

  test("narrow screen: nothing overflows sideways", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}#journey=lost-phone&left=workforce&right=ciam-retail`);
    await page.waitForSelector("body[data-ready='true']");
    const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
    assert.ok(widths.doc <= widths.view, `page is ${widths.doc}px wide in a ${widths.view}px viewport`);
    await page.screenshot({ path: path.join(shots, "narrow-lost-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  test("the server: wasm as application/wasm, 127.0.0.1 only, nothing outside www/ and pkg/", async () => {
    assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const wasm = await fetch(new URL("pkg/ciam_policy_bg.wasm", baseUrl));
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    const entry = await fetch(new URL("pkg/browser.js", baseUrl));
    assert.match(entry.headers.get("content-type"), /^text\/javascript/);
    for (const escape of ["/pkg/../Cargo.toml", "/%2e%2e/Cargo.toml", "/pkg/%2e%2e/%2e%2e/etc/passwd", "/..%2fCargo.toml"]) {
      const res = await fetch(new URL(escape, baseUrl));
      assert.equal(res.status, 404, escape);
    }
  });

  test("no console errors, failed requests or uncaught exceptions", () => {
    assert.deepEqual(consoleErrors, []);
  });
});
