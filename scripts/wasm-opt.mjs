// How the package's wasm is optimized, in one place: scripts/build.mjs runs it for pkg/, and
// bench/functions.mjs runs the same with names kept, to see which functions a build has.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** The wasm-opt of the npm package `binaryen` (a devDependency, installed by scripts/setup.sh). */
export function wasmOptPath() {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve("binaryen/package.json"));
  const bin = path.join(dir, "bin", "wasm-opt");
  if (!fs.existsSync(bin)) throw new Error(`wasm-opt not found in ${dir}; run scripts/setup.sh npm`);
  return bin;
}

/**
 * wasm-opt's arguments from `input` to `output`. With `keepNames`, the function names stay in
 * the output (nothing else changes: the optimizer does not read names).
 */
export function wasmOptArgs(input, output, { keepNames = false } = {}) {
  // -O3, not -Oz: on the output of rustc's opt-level "z", -O3 makes an evaluate 1–3% faster
  // for 0.2 KiB gzipped, and the Node cold start did not measurably change (bench/README.md, Build settings).
  // Enable exactly what rustc emits for wasm32 by default; every supported runtime has them.
  const features = ["bulk-memory", "nontrapping-float-to-int", "sign-ext", "mutable-globals", "reference-types", "multivalue"];
  return [
    "-O3",
    ...features.map((f) => `--enable-${f}`),
    // Two facts of this module that let wasm-opt drop bytes (1.1 KiB gzipped, bench/README.md):
    // its memory is its own, so it starts zeroed (the zero runs of data segments need no
    // bytes), and nothing lives below address 1024 (the data starts at 1 MiB and the stack
    // grows down from there), so constant offsets fold into loads and stores.
    "--zero-filled-memory",
    "--low-memory-unused",
    "--converge",
    ...(keepNames ? ["--debuginfo", "--strip-dwarf"] : ["--strip-debug"]),
    "--strip-producers",
    "--strip-target-features",
    input,
    "-o",
    output,
  ];
}
