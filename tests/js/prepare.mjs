#!/usr/bin/env node
// Prepares the JS test layers: the native golden outputs of every case (the Rust runner with
// CIAM_GOLDEN_OUT), then the package installed AS A USER WOULD — `npm pack` of the built pkg/,
// `npm install` of that tarball into a scratch project under tests/artifacts/consumer — with
// the runtime-neutral test scripts copied next to it. Run after `npm run build`.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const artifacts = path.join(root, "tests", "artifacts");
const consumer = path.join(artifacts, "consumer");
const goldenLines = path.join(artifacts, "golden.jsonl");
fs.mkdirSync(artifacts, { recursive: true });

// 1. Native outputs of every case.
fs.rmSync(goldenLines, { force: true });
execFileSync("cargo", ["test", "--quiet", "--test", "cases"], {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, CIAM_GOLDEN_OUT: goldenLines },
});
const golden = fs
  .readFileSync(goldenLines, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line))
  .map(({ case: name, output }) => ({ case: name, input: JSON.parse(fs.readFileSync(path.join(root, name), "utf8")), output }));
const caseFiles = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full);
    else if (e.name.endsWith(".json")) caseFiles.push(full);
  }
})(path.join(root, "tests", "cases"));
if (golden.length !== caseFiles.length) {
  throw new Error(`the native runner wrote ${golden.length} outputs for ${caseFiles.length} case files`);
}

// 2. The package as a user gets it.
for (const old of fs.readdirSync(artifacts).filter((f) => f.endsWith(".tgz"))) fs.rmSync(path.join(artifacts, old));
const packed = JSON.parse(
  execFileSync("npm", ["pack", path.join(root, "pkg"), "--pack-destination", artifacts, "--json", "--loglevel=error"], { cwd: root, encoding: "utf8" }),
);
const tarball = path.join(artifacts, packed[0].filename);
fs.rmSync(consumer, { recursive: true, force: true });
fs.mkdirSync(consumer, { recursive: true });
fs.writeFileSync(
  path.join(consumer, "package.json"),
  `${JSON.stringify({ name: "ciam-policy-consumer", private: true, type: "module" }, null, 2)}\n`,
);
execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--loglevel=error", "--no-package-lock"], {
  cwd: consumer,
  stdio: ["ignore", "ignore", "inherit"],
});
fs.cpSync(path.join(root, "tests", "js", "consumer"), consumer, { recursive: true });
fs.writeFileSync(path.join(consumer, "golden.json"), JSON.stringify(golden));
const files = packed[0].files.map((f) => f.path).sort();
console.log(`[prepare] ${golden.length} golden cases; ${path.basename(tarball)} (${files.length} files: ${files.join(", ")}) installed into ${path.relative(root, consumer)}`);
