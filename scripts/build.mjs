#!/usr/bin/env node
// The one build entry point (`npm run build`): compiles the crate to wasm32, runs
// wasm-bindgen (its `web` glue serves every runtime), optimizes the wasm with wasm-opt -O3 (npm
// `binaryen`), and assembles pkg/ from pkg-templates/ — the API (api.js), one entry per
// runtime, a CommonJS bundle made by esbuild — exactly the folder `npm publish` ships. Prints raw and gzipped sizes of
// what each runtime loads. Portable: Node and the tools only, no shell text editing.
//
// Usage: node scripts/build.mjs [--dev]   (--dev: skip wasm-opt, for quick iterations)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { runtimeFiles } from "./runtime-files.mjs";
import { wasmOptArgs, wasmOptPath } from "./wasm-opt.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const templates = path.join(root, "pkg-templates");
const out = path.join(root, "pkg");
const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR || "target");
const work = path.join(targetDir, "pkg-build");
const dev = process.argv.includes("--dev");
const name = "ciam_policy";

function run(cmd, args, opts = {}) {
  console.log(`[build] ${[path.basename(cmd), ...args].join(" ")}`);
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
}

function crateVersion() {
  const toml = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
  const pkg = toml.slice(toml.indexOf("[package]"));
  const match = pkg.match(/^version\s*=\s*"([^"]+)"/m);
  if (!match) throw new Error("no [package] version in Cargo.toml");
  return match[1];
}

// 1. Compile.
run("cargo", ["build", "--release", "--lib", "--target", "wasm32-unknown-unknown"]);
const rawWasm = path.join(targetDir, "wasm32-unknown-unknown", "release", `${name}.wasm`);

// 2. Bindings: one ES-module glue (the `web` target) serves every runtime; CommonJS gets a
// bundle of it (below).
fs.rmSync(work, { recursive: true, force: true });
run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", path.join(work, "web"), rawWasm]);
const webWasm = fs.readFileSync(path.join(work, "web", `${name}_bg.wasm`));

// 3. Assemble pkg/.
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const finalWasm = path.join(out, `${name}_bg.wasm`);
if (dev) {
  fs.copyFileSync(path.join(work, "web", `${name}_bg.wasm`), finalWasm);
} else {
  run(wasmOptPath(), wasmOptArgs(path.join(work, "web", `${name}_bg.wasm`), finalWasm));
}

// The glue and the API, minified (except in --dev builds): what every runtime downloads and
// parses on a cold start. Names are kept (`constructor.name`, stack traces); the API's
// exports are what every entry exports.
const esbuild = await import("esbuild");
const shipped = async (code) =>
  dev ? code : (await esbuild.transform(code, { minify: true, keepNames: true, format: "esm", target: "es2022", legalComments: "none" })).code;
const api = fs.readFileSync(path.join(templates, "api.js"), "utf8");
fs.writeFileSync(path.join(out, `${name}.js`), await shipped(fs.readFileSync(path.join(work, "web", `${name}.js`), "utf8")));
fs.writeFileSync(path.join(out, "api.js"), await shipped(api));
const exported = [...api.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]).filter((n) => n !== "attach");
for (const required of ["PolicyEngine", "KeySet", "CiamError", "PolicyError", "presets"]) {
  if (!exported.includes(required)) throw new Error(`pkg-templates/api.js does not export ${required}`);
}

// Entry points and the rest of the package from the templates.
const fill = (text) => text.replaceAll("__EXPORTS__", exported.join(", ")).replaceAll("__VERSION__", crateVersion());
for (const file of ["browser.js", "workerd.js", "edge-light.js", "deno.js", "package.json", "README.md"]) {
  fs.writeFileSync(path.join(out, file), fill(fs.readFileSync(path.join(templates, file), "utf8")));
}

const bundleSources = path.join(work, "web");
fs.copyFileSync(path.join(templates, "api.js"), path.join(bundleSources, "api.js"));
// Node: the entry, the API and the glue bundled into one file by esbuild, for `import` and for
// `require`. One module instead of three is about 1 ms less of a cold start: Node's loader
// costs a fixed 0.4–0.8 ms per module (measured in `bench/README.md`).
for (const [template, bundle, format] of [["node.mjs", "node.mjs", "esm"], ["node-cjs.js", "node.cjs", "cjs"]]) {
  // Bundled from the sources (the glue and api.js as written), minified once.
  const entry = path.join(bundleSources, template);
  fs.writeFileSync(entry, fill(fs.readFileSync(path.join(templates, template), "utf8")));
  await esbuild.build({
    entryPoints: [entry],
    outfile: path.join(out, bundle),
    bundle: true,
    format,
    platform: "node",
    target: "node20",
    logLevel: "error",
    minify: !dev,
    keepNames: true,
    // CommonJS has no import.meta; there the glue's default loader (a URL next to
    // import.meta.url) is never used: the entry passes the module.
    define: format === "cjs" ? { "import.meta.url": "undefined" } : {},
  });
}

const types = fs.readFileSync(path.join(templates, "ciam-policy.d.ts"), "utf8");
fs.writeFileSync(path.join(out, "ciam-policy.d.ts"), types);
fs.writeFileSync(path.join(out, "ciam-policy.d.cts"), types);

// Every file the exports map points at must exist.
const manifest = JSON.parse(fs.readFileSync(path.join(out, "package.json"), "utf8"));
for (const target of targets(manifest.exports)) {
  if (!fs.existsSync(path.join(out, target))) throw new Error(`package.json exports ${target}, which the build did not produce`);
}

// 4. Sizes of what each runtime loads.
const wasmBytes = fs.readFileSync(finalWasm);
const sizes = {
  wasm: { raw: wasmBytes.length, gzip: gzipSync(wasmBytes, { level: 9 }).length, beforeWasmOpt: webWasm.length },
  runtimes: {},
};
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`\n[build] pkg/ ready (${exported.length} exports: ${exported.join(", ")})`);
console.log(`[build] wasm: ${kb(webWasm.length)} after wasm-bindgen -> ${kb(sizes.wasm.raw)} ${dev ? "(dev, no wasm-opt)" : "after wasm-opt -O3"}, ${kb(sizes.wasm.gzip)} gzipped`);
console.log("[build] what each runtime loads (JS + wasm):");
for (const [runtime, files] of Object.entries(runtimeFiles)) {
  const js = Buffer.concat(files.filter((f) => !f.endsWith(".wasm")).map((f) => fs.readFileSync(path.join(out, f))));
  const raw = js.length + wasmBytes.length;
  const gzip = gzipSync(js, { level: 9 }).length + sizes.wasm.gzip;
  sizes.runtimes[runtime] = { raw, gzip, js: js.length };
  console.log(`  ${runtime.padEnd(22)} ${kb(raw).padStart(10)} raw  ${kb(gzip).padStart(10)} gzip`);
}
fs.writeFileSync(path.join(targetDir, "pkg-sizes.json"), `${JSON.stringify(sizes, null, 2)}\n`);

function targets(node) {
  if (typeof node === "string") return [node.replace(/^\.\//, "")];
  return Object.values(node ?? {}).flatMap(targets);
}
