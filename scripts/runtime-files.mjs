// What each runtime loads from pkg/, in one place: the build prints these sizes and the
// benchmark measures them, so the two cannot disagree.

/** The package files each runtime loads, by runtime, JS first and the wasm last. */
export const runtimeFiles = {
  "node (import)": ["node.mjs", "ciam_policy_bg.wasm"],
  "node (require)": ["node.cjs", "ciam_policy_bg.wasm"],
  browser: ["browser.js", "api.js", "ciam_policy.js", "ciam_policy_bg.wasm"],
  "workerd / Cloudflare": ["workerd.js", "api.js", "ciam_policy.js", "ciam_policy_bg.wasm"],
  "edge-light / Vercel": ["edge-light.js", "api.js", "ciam_policy.js", "ciam_policy_bg.wasm"],
  deno: ["deno.js", "api.js", "ciam_policy.js", "ciam_policy_bg.wasm"],
};
