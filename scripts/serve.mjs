#!/usr/bin/env node
// A tiny static server for the demo page, on 127.0.0.1 only: www/ at `/` and the local
// package build, pkg/, at `/pkg/` (the page imports /pkg/browser.js — never a copy).
// Serves `.wasm` as application/wasm so browsers can compile it while it streams.
//
// Usage: node scripts/serve.mjs          (PORT=8080 by default; the next free port if taken)
//        PORT=9000 node scripts/serve.mjs (exactly that port, or an error)
// Tests import { serve } and ask for port 0 (any free port).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HOST = "127.0.0.1";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

/** The file a URL path names, or null when it is outside the served folders. */
function resolve(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const [base, rest] = decoded === "/pkg" || decoded.startsWith("/pkg/") ? [path.join(root, "pkg"), decoded.slice(4)] : [path.join(root, "www"), decoded];
  const file = path.resolve(base, `.${path.posix.normalize(`/${rest}`)}`);
  if (file !== base && !file.startsWith(base + path.sep)) return null;
  return file;
}

function handle(req, res) {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  let file = resolve(url.pathname);
  if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!file || !fs.existsSync(file)) {
    const hint = url.pathname.startsWith("/pkg/") ? " (pkg/ is the local build: run `npm run build`)" : "";
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${url.pathname}${hint}\n`);
    return;
  }
  const body = fs.readFileSync(file);
  res.writeHead(200, {
    "content-type": MIME[path.extname(file)] ?? "application/octet-stream",
    "content-length": body.length,
    // A local build changes under the page: always revalidate.
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * Start serving on 127.0.0.1. `port` 0 picks any free port; with `tryNext`, a taken port
 * moves on to the next ones. Resolves to { server, url }.
 */
export function serve({ port = 8080, tryNext = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const attempt = (p, left) => {
      const server = http.createServer(handle);
      server.once("error", (err) => {
        if (err.code === "EADDRINUSE" && tryNext && left > 0) attempt(p + 1, left - 1);
        else reject(err);
      });
      server.listen(p, HOST, () => {
        const { port: actual } = server.address();
        resolvePromise({ server, url: `http://${HOST}:${actual}/` });
      });
    };
    attempt(port, 20);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const explicit = process.env.PORT !== undefined && process.env.PORT !== "";
  const port = explicit ? Number(process.env.PORT) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: PORT must be a port number (0–65535), not '${process.env.PORT}'`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(root, "pkg", "browser.js"))) {
    console.error("serve: pkg/ is not built yet; run `npm run build` (or `npm start`, which builds it)");
    process.exit(1);
  }
  serve({ port, tryNext: !explicit })
    .then(({ url }) => {
      if (!explicit && !url.endsWith(":8080/")) console.log("[serve] port 8080 is taken; using the next free one");
      console.log(`[serve] the demo page: ${url}   (Ctrl-C stops the server)`);
    })
    .catch((err) => {
      console.error(`serve: cannot listen on ${HOST}:${port}: ${err.message}${explicit ? " (choose another PORT)" : ""}`);
      process.exit(1);
    });
}
