// The error classes every ciam-policy failure is thrown as. src/wasm.rs imports makeError
// from here (wasm-bindgen copies this file into the package as a snippet) and each entry
// point re-exports the classes, so `err instanceof CiamError` works in every runtime.

/** A failed call: `code` is stable snake_case, `path` the JSON pointer of the bad field. */
export class CiamError extends Error {
  constructor(code, path, message, problems) {
    super(message);
    this.name = "CiamError";
    this.code = code;
    this.path = path;
    this.problems = problems;
  }
}

/** The policy document (or preset name) is invalid; `problems` lists everything wrong. */
export class PolicyError extends CiamError {
  constructor(code, path, message, problems) {
    super(code, path, message, problems);
    this.name = "PolicyError";
  }
}

export function makeError(policy, code, path, message, problems) {
  return policy ? new PolicyError(code, path, message, problems) : new CiamError(code, path, message, problems);
}
