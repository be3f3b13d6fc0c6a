// Helpers shared by the runtime tests: paths, a free loopback port, bounded polling, and
// bundling the scratch project's code the way wrangler / Next.js do (package `exports`
// conditions of the runtime; `.wasm` imports kept as WebAssembly modules).
import { build } from "esbuild";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const artifacts = path.join(root, "tests", "artifacts");
export const consumer = path.join(artifacts, "consumer");
export const bin = (name) => path.join(root, "node_modules", ".bin", name);

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Poll `url` until it answers (at most `timeoutMs`); returns the time it took in ms. */
export async function waitForHttp(url, timeoutMs, child) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (child && child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return performance.now() - start;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * Bundle `entry` (in the scratch project) for a runtime: `conditions` pick the package's
 * entry point. Every `.wasm` import is copied to `outDir` and either kept as an import of a
 * module named `./file` (what a workerd config provides) or, with `wasmGlobal`, replaced by
 * the WebAssembly.Module the host put in `globalThis[wasmGlobal(file)]` (what Vercel's
 * bundler wires up for `?module` imports).
 */
export async function bundle({ entry, outDir, conditions, format = "esm", wasmGlobal }) {
  fs.mkdirSync(outDir, { recursive: true });
  const wasmFiles = [];
  const wasmModules = {
    name: "wasm-modules",
    setup(b) {
      b.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => {
        const file = path.resolve(args.resolveDir, args.path.replace(/\?module$/, ""));
        const base = path.basename(file);
        fs.copyFileSync(file, path.join(outDir, base));
        wasmFiles.push(base);
        if (wasmGlobal) return { path: base, namespace: "wasm-global" };
        return { path: `./${base}`, external: true };
      });
      b.onLoad({ filter: /.*/, namespace: "wasm-global" }, (args) => ({
        contents: `export default globalThis[${JSON.stringify(wasmGlobal(args.path))}];`,
        loader: "js",
      }));
    },
  };
  const outfile = path.join(outDir, "bundle.js");
  await build({
    entryPoints: [entry],
    bundle: true,
    outfile,
    format,
    platform: "neutral",
    conditions,
    mainFields: ["module", "main"],
    target: "es2022",
    logLevel: "warning",
    plugins: [wasmModules],
  });
  return { outfile, wasmFiles };
}
