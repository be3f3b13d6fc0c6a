// The package imported in a real page in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core), served from 127.0.0.1: the page imports "ciam-policy" by name through an
// import map pointing at the package's `browser` export, replays every case and the errors,
// and checks that evaluate()'s fast path and JSON path agree.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { consumer } from "./support.mjs";

const { pathReport } = await import(pathToFileURL(path.join(consumer, "replay.mjs")));

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json", ".wasm": "application/wasm" };
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let server;
let context;
let profile;
let base;
const requested = [];
let paths; // the page's pathChecks result

before(async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", "ciam-policy", "package.json"), "utf8"));
  const entry = manifest.exports["."].browser;
  const importMap = JSON.stringify({ imports: { "ciam-policy": `./node_modules/ciam-policy/${entry.replace(/^\.\//, "")}` } });
  const page = fs.readFileSync(path.join(consumer, "index.html"), "utf8").replace("__IMPORTMAP__", importMap);
  server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    requested.push(url.pathname);
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(page);
      return;
    }
    const file = path.join(consumer, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(consumer) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "ciam-chromium-"));
  context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: FLAGS, timeout: 60_000 });
});

after(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

test("chromium: the page imports the package and decides", async () => {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.__ciamResult !== undefined || document.body.textContent.startsWith("Error"), null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  const result = await page.evaluate(() => window.__ciamResult);
  paths = result.paths;
  assert.equal(result.outcome, "step_up");
  assert.ok(requested.some((p) => p.endsWith("/ciam_policy_bg.wasm")), "the page should fetch the .wasm");
  assert.ok(result.golden.total > 0);
  assert.deepEqual(result.golden.failures, [], `${result.golden.failures.length} of ${result.golden.total} cases differ`);
  for (const r of result.errors) assert.ok(r.ok, `${r.name}: ${r.detail}`);
  await page.close();
});

test("chromium: evaluate() decides every case and its mutations the same on the fast path and via JSON", () => {
  assert.ok(paths, "the page did not run the path checks");
  console.log(`# chromium evaluate paths: ${pathReport(paths, false)}`);
  assert.ok(paths.compared > 700, `only ${paths.compared} requests compared`);
  assert.equal(paths.failures.length, 0, pathReport(paths));
});
