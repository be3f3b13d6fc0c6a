// How every benchmark here times a case, shared by bench/run.mjs and bench/breakdown.mjs:
// calibrate each case to `roundMs` per round, then run `rounds` rounds with the cases
// interleaved (the order rotated each round), so load on the machine hits every case alike.
// A figure is the median round.

/**
 * Time `cases`, a list of `{ name, fn, setup? }` (`setup` runs, untimed, before each of the
 * case's rounds). Returns `{ [name]: { median, p25, p75, rounds } }` in nanoseconds per call.
 */
export function measure(cases, { rounds, roundMs }) {
  let sink = 0;
  const entries = cases.map(({ name, fn, setup }) => {
    setup?.();
    for (let i = 0; i < 200; i++) fn(); // warm up (JIT tiers) before calibrating
    return { name, fn, setup, iterations: calibrate(fn, roundMs), samples: [] };
  });
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no case always runs first (or right after GC pressure).
    for (let k = 0; k < entries.length; k++) {
      const e = entries[(round + k) % entries.length];
      e.setup?.();
      const start = process.hrtime.bigint();
      for (let i = 0; i < e.iterations; i++) sink ^= e.fn() ? 1 : 0;
      e.samples.push(Number(process.hrtime.bigint() - start) / e.iterations);
    }
  }
  // Keep the results observable so no case is optimized away.
  if (sink === 42) process.stdout.write("");
  return Object.fromEntries(entries.map((e) => [e.name, summarize(e.samples)]));
}

function calibrate(fn, roundMs) {
  let n = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms >= roundMs / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * roundMs) / Math.max(ms, 0.001)));
    n *= 4;
  }
}

function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p25: at(0.25), p75: at(0.75), rounds: s.length };
}

/** The median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
