// Which functions the current build has, and how large: the wasm of the last `npm run build`,
// optimized again exactly as for pkg/ but keeping its function names. Two builds of nearly the
// same code can differ by 10% in one case because a small generic function (an iterator's
// `next`) stopped being inlined into a hot loop (bench/README.md, "Layout noise"); comparing
// the function lists shows that at once.
//
// Usage: node bench/functions.mjs [--top N]      the N largest functions (default 40)
//        node bench/functions.mjs --save FILE    keep this build's list (before a change)
//        node bench/functions.mjs --diff FILE    functions this build has and that one had not,
//                                                and the other way round, then size changes
//        node bench/functions.mjs --check        also fail when a function of a per-event loop
//                                                is out of line (see HOT_LOOP below); the test
//                                                command runs this
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { wasmOptArgs, wasmOptPath } from "../scripts/wasm-opt.mjs";

/**
 * Functions that run once per event or record of a history on every decision, and must stay
 * inlined into their loops: each of these, left out of line by an unrelated change, made the
 * payout 1.1–1.3 times slower with every test still passing (bench/README.md, "Layout noise").
 * A name here that shows up in the build's function list fails `--check`. This is not a
 * timing test: it reads which functions the optimized build has.
 */
const HOT_LOOP = [
  ["ChunksExact", "a slice iterator's `next`: once three places used `chunks_exact`, it stayed a call per record (payout 1.12–1.14×); write such loops by index"],
  ["Packed::fact", "the fact of one event: its comparison, as a closure, stayed a call per event (payout 1.21×)"],
  ["FactIter", "the facts iterator: its `next` out of line made the payout 1.30×"],
  ["Facts::derive::{{closure}}", "a closure of the deciding loop over the events"],
  ["Packed::read::{{closure}}", "a closure of the record check, run for every record"],
  ["match_of", "how an event's string compares with the request's, three times per event"],
  ["PositionSet::contains", "the test of a table position, three times per event"],
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};

const unoptimized = path.join(process.env.CARGO_TARGET_DIR || path.join(root, "target"), "pkg-build", "web", "ciam_policy_bg.wasm");
if (!fs.existsSync(unoptimized)) throw new Error(`${unoptimized} not found: run npm run build first`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ciam-functions-"));
let functions;
try {
  const named = path.join(dir, "named.wasm");
  execFileSync(wasmOptPath(), wasmOptArgs(unoptimized, named, { keepNames: true }), { stdio: "inherit" });
  functions = listFunctions(fs.readFileSync(named));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

if (option("--save")) {
  fs.writeFileSync(option("--save"), `${JSON.stringify(functions)}\n`);
  console.log(`${functions.length} functions saved to ${option("--save")}`);
} else if (option("--diff")) {
  console.log(compare(JSON.parse(fs.readFileSync(option("--diff"), "utf8")), functions));
} else {
  const top = Number(option("--top") ?? 40);
  const sorted = [...functions].sort((a, b) => b.size - a.size).slice(0, top);
  console.log(`${functions.length} functions; the ${sorted.length} largest (body bytes):`);
  for (const f of sorted) console.log(`${String(f.size).padStart(7)}  ${f.name}`);
}

if (args.includes("--check")) {
  const outOfLine = HOT_LOOP.filter(([pattern]) => functions.some((f) => f.name.includes(pattern)));
  if (outOfLine.length > 0) {
    console.error("functions of a per-event loop are out of line in this build:");
    for (const [pattern, why] of outOfLine) {
      console.error(`  ${functions.find((f) => f.name.includes(pattern)).name}\n    ${why}`);
    }
    console.error("bench/README.md, \"Layout noise\", says how this happens and how it was fixed before.");
    process.exit(1);
  }
  console.log(`the ${HOT_LOOP.length} functions of per-event loops checked are all inlined`);
}

/** Functions only in one list (by name; a name can repeat), then bodies whose size changed. */
function compare(before, after) {
  const counts = (list) => list.reduce((m, f) => m.set(f.name, (m.get(f.name) ?? 0) + 1), new Map());
  const [b, a] = [counts(before), counts(after)];
  const only = (x, y) => [...x].filter(([name, n]) => n > (y.get(name) ?? 0)).map(([name]) => name);
  const size = (list) => list.reduce((m, f) => m.set(f.name, (m.get(f.name) ?? 0) + f.size), new Map());
  const [sb, sa] = [size(before), size(after)];
  const changed = [...sa]
    .filter(([name, s]) => sb.has(name) && sb.get(name) !== s)
    .map(([name, s]) => ({ name, delta: s - sb.get(name) }))
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  const lines = [`before: ${before.length} functions, after: ${after.length}`];
  lines.push("", "out of line only after (inlined before, or new):", ...only(a, b).map((n) => `  + ${n}`));
  lines.push("", "out of line only before (inlined after, or gone):", ...only(b, a).map((n) => `  - ${n}`));
  lines.push("", "body size changes (bytes), largest first:", ...changed.slice(0, 30).map((c) => `  ${String(c.delta).padStart(6)}  ${c.name}`));
  return lines.join("\n");
}

/**
 * Each defined function's name (from the `name` section, without Rust's hash suffixes) and
 * body size (from the code section): a reader of just the parts of the binary format needed.
 */
function listFunctions(bytes) {
  let at = 8; // magic and version
  const u32 = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return result;
    }
  };
  const name = () => {
    const length = u32();
    const text = new TextDecoder().decode(bytes.subarray(at, at + length));
    at += length;
    return text;
  };
  let imported = 0;
  const sizes = [];
  const names = new Map();
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = u32();
    const end = at + size;
    if (id === 2) {
      // Imports: only imported functions take function indices before the defined ones.
      for (let n = u32(); n > 0; n--) {
        name();
        name();
        const kind = bytes[at++];
        if (kind === 0) {
          u32();
          imported++;
        } else if (kind === 1 || kind === 2) {
          if (kind === 1) at++; // the table's reference type
          const flags = bytes[at++];
          u32();
          if (flags & 1) u32();
        } else if (kind === 3) {
          at += 2; // value type, mutability
        } else {
          throw new Error(`import kind ${kind} is not read by this script`);
        }
      }
    } else if (id === 10) {
      for (let n = u32(); n > 0; n--) {
        const body = u32();
        sizes.push(body);
        at += body;
      }
    } else if (id === 0 && name() === "name") {
      while (at < end) {
        const sub = bytes[at++];
        const subEnd = u32() + at;
        if (sub === 1) {
          for (let n = u32(); n > 0; n--) {
            const index = u32();
            names.set(index, name());
          }
        }
        at = subEnd;
      }
    }
    at = end;
  }
  if (names.size === 0) throw new Error("the optimized copy has no function names: wasm-opt dropped the name section");
  const plain = (text) => text.replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{16}\]/g, "");
  return sizes.map((size, i) => ({ name: plain(names.get(imported + i) ?? `function ${imported + i}`), size }));
}
