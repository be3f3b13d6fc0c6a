// The shipped TypeScript types describe the real shapes: `tsc --strict --noEmit` over
//  - an example (tests/js/consumer/types/example*.ts) that uses every function of the
//    installed package, ESM and CommonJS; its @ts-expect-error lines prove requests and
//    decisions are not `any`;
//  - every preset as a PolicyDocument, and every request and successful output of the
//    data-driven cases as the request and decision types of its call (object literals, so
//    a field the types do not know, or a value outside a union, fails).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { bin, consumer } from "./support.mjs";

const TYPES = {
  evaluate: ["EvaluateRequest", "Decision"],
  evaluateRecovery: ["RecoveryRequest", "RecoveryDecision"],
  evaluateChange: ["ChangeRequest", "ChangeDecision"],
};

test("types: tsc --strict --noEmit over an example using every function and every real shape", async () => {
  const ciam = await import(pathToFileURL(path.join(consumer, "esm.mjs")));
  const golden = JSON.parse(fs.readFileSync(path.join(consumer, "golden.json"), "utf8"));
  const lines = [`import type { PolicyDocument, ${Object.values(TYPES).flat().join(", ")} } from "ciam-policy";`];
  for (const [i, name] of ciam.presets().entries()) lines.push(`export const preset${i}: PolicyDocument = ${ciam.presetJson(name)};`);
  let shapes = 0;
  for (const [i, entry] of golden.entries()) {
    const call = entry.input.call ?? "evaluate";
    if (!TYPES[call] || entry.output.error || entry.input.request === undefined) continue;
    const [requestType, outputType] = TYPES[call];
    lines.push(`// ${entry.case}`);
    lines.push(`export const request${i}: ${requestType} = ${JSON.stringify(entry.input.request)};`);
    lines.push(`export const output${i}: ${outputType} = ${JSON.stringify(entry.output)};`);
    shapes++;
  }
  assert.ok(shapes > 0);
  fs.writeFileSync(path.join(consumer, "types", "real-shapes.ts"), `${lines.join("\n")}\n`);
  const run = spawnSync(bin("tsc"), ["-p", path.join("types", "tsconfig.json")], { cwd: consumer, encoding: "utf8", timeout: 300_000 });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  console.log(`# types: example + ${ciam.presets().length} presets + ${shapes} case requests and outputs type-check`);
});
