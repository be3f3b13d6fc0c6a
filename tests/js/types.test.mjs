// The shipped TypeScript types describe the real shapes: `tsc --strict --noEmit` over an
// example (tests/js/consumer/types) that uses every function of the installed package, ESM
// and CommonJS; its @ts-expect-error lines prove requests and decisions are not `any`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { bin, consumer } from "./support.mjs";

test("types: tsc --strict --noEmit over an example using every function", () => {
  const run = spawnSync(bin("tsc"), ["-p", path.join("types", "tsconfig.json")], { cwd: consumer, encoding: "utf8", timeout: 120_000 });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
