#!/usr/bin/env node
// The one build entry point (`npm run build`): compiles the crate to wasm32, runs
// wasm-bindgen (the `web` target for every ES-module runtime, `nodejs` for CommonJS),
// shrinks the wasm with wasm-opt -Oz (npm `binaryen`), and assembles pkg/ from
// pkg-templates/ — exactly the folder `npm publish` ships. Prints raw and gzipped sizes of
// what each runtime loads. Portable: Node and the tools only, no shell text editing.
//
// Usage: node scripts/build.mjs [--dev]   (--dev: skip wasm-opt, for quick iterations)
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

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

function wasmOptPath() {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve("binaryen/package.json"));
  const bin = path.join(dir, "bin", "wasm-opt");
  if (!fs.existsSync(bin)) throw new Error(`wasm-opt not found in ${dir}; run scripts/setup.sh npm`);
  return bin;
}

// 1. Compile.
run("cargo", ["build", "--release", "--lib", "--target", "wasm32-unknown-unknown"]);
const rawWasm = path.join(targetDir, "wasm32-unknown-unknown", "release", `${name}.wasm`);

// 2. Bindings: one ES-module glue for every ESM runtime, one CommonJS glue for require().
fs.rmSync(work, { recursive: true, force: true });
for (const target of ["web", "nodejs"]) {
  run("wasm-bindgen", ["--target", target, "--no-typescript", "--out-dir", path.join(work, target), rawWasm]);
}
const webWasm = fs.readFileSync(path.join(work, "web", `${name}_bg.wasm`));
const nodeWasm = fs.readFileSync(path.join(work, "nodejs", `${name}_bg.wasm`));
if (!webWasm.equals(nodeWasm)) {
  throw new Error("wasm-bindgen produced different .wasm files for the web and nodejs targets; the package ships one");
}

// 3. Assemble pkg/.
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const finalWasm = path.join(out, `${name}_bg.wasm`);
if (dev) {
  fs.copyFileSync(path.join(work, "web", `${name}_bg.wasm`), finalWasm);
} else {
  // Enable exactly what rustc emits for wasm32 by default; every supported runtime has them.
  const features = ["bulk-memory", "nontrapping-float-to-int", "sign-ext", "mutable-globals", "reference-types", "multivalue"];
  run(wasmOptPath(), [
    "-Oz",
    ...features.map((f) => `--enable-${f}`),
    "--strip-debug",
    "--strip-producers",
    path.join(work, "web", `${name}_bg.wasm`),
    "-o",
    finalWasm,
  ]);
}

// The ES-module glue and its snippets (the error classes) go in as they are.
fs.copyFileSync(path.join(work, "web", `${name}.js`), path.join(out, `${name}.js`));
fs.cpSync(path.join(work, "web", "snippets"), path.join(out, "snippets"), { recursive: true });
const snippet = findFile(path.join(out, "snippets"), "errors.js");
if (!snippet) throw new Error("wasm-bindgen did not emit the errors.js snippet");
const errorsModule = path.relative(out, snippet).split(path.sep).join("/");

// The names the glue exports, minus its loader functions: every entry re-exports these.
const glue = fs.readFileSync(path.join(out, `${name}.js`), "utf8");
const exported = [...glue.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]).filter((n) => n !== "initSync");
if (!exported.includes("PolicyEngine")) throw new Error("the glue does not export PolicyEngine");

// CommonJS: the nodejs glue, requiring a CommonJS copy of the error classes.
const errorsSource = fs.readFileSync(path.join(templates, "errors.js"), "utf8");
const errorNames = [...errorsSource.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]);
fs.writeFileSync(
  path.join(out, "errors.cjs"),
  `${errorsSource.replace(/^export (class|function) /gm, "$1 ")}\nmodule.exports = { ${errorNames.join(", ")} };\n`,
);
let cjs = fs.readFileSync(path.join(work, "nodejs", `${name}.js`), "utf8");
const requireSnippet = /require\(String\.raw`\.\/snippets\/[^`]*\/errors\.js`\)/;
if (!requireSnippet.test(cjs)) throw new Error("the nodejs glue does not require the errors snippet as expected");
cjs = cjs.replace(requireSnippet, 'require("./errors.cjs")');
cjs += '\nexports.CiamError = require("./errors.cjs").CiamError;\nexports.PolicyError = require("./errors.cjs").PolicyError;\n';
fs.writeFileSync(path.join(out, "node.cjs"), cjs);

// Entry points and the rest of the package from the templates.
const fill = (text) =>
  text.replaceAll("__EXPORTS__", exported.join(", ")).replaceAll("./__ERRORS__", `./${errorsModule}`).replaceAll("__VERSION__", crateVersion());
for (const file of ["browser.js", "workerd.js", "edge-light.js", "node.mjs", "deno.js", "package.json", "README.md"]) {
  fs.writeFileSync(path.join(out, file), fill(fs.readFileSync(path.join(templates, file), "utf8")));
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
const loads = {
  "node (import)": ["node.mjs", `${name}.js`, errorsModule],
  "node (require)": ["node.cjs", "errors.cjs"],
  browser: ["browser.js", `${name}.js`, errorsModule],
  "workerd / Cloudflare": ["workerd.js", `${name}.js`, errorsModule],
  "edge-light / Vercel": ["edge-light.js", `${name}.js`, errorsModule],
  deno: ["deno.js", `${name}.js`, errorsModule],
};
const wasmBytes = fs.readFileSync(finalWasm);
const sizes = {
  wasm: { raw: wasmBytes.length, gzip: gzipSync(wasmBytes, { level: 9 }).length, beforeWasmOpt: webWasm.length },
  runtimes: {},
};
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`\n[build] pkg/ ready (${exported.length} exports: ${exported.join(", ")})`);
console.log(`[build] wasm: ${kb(webWasm.length)} after wasm-bindgen -> ${kb(sizes.wasm.raw)} ${dev ? "(dev, no wasm-opt)" : "after wasm-opt -Oz"}, ${kb(sizes.wasm.gzip)} gzipped`);
console.log("[build] what each runtime loads (JS + wasm):");
for (const [runtime, files] of Object.entries(loads)) {
  const js = Buffer.concat(files.map((f) => fs.readFileSync(path.join(out, f))));
  const raw = js.length + wasmBytes.length;
  const gzip = gzipSync(js, { level: 9 }).length + sizes.wasm.gzip;
  sizes.runtimes[runtime] = { raw, gzip, js: js.length };
  console.log(`  ${runtime.padEnd(22)} ${kb(raw).padStart(10)} raw  ${kb(gzip).padStart(10)} gzip`);
}
fs.writeFileSync(path.join(targetDir, "pkg-sizes.json"), `${JSON.stringify(sizes, null, 2)}\n`);

function findFile(dir, base) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(full, base);
      if (found) return found;
    } else if (entry.name === base) {
      return full;
    }
  }
  return null;
}

function targets(node) {
  if (typeof node === "string") return [node.replace(/^\.\//, "")];
  return Object.values(node ?? {}).flatMap(targets);
}
