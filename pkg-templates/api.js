// The public API of ciam-policy (PolicyEngine, KeySet, the functions, the error classes) over
// the WebAssembly module. Every runtime's entry instantiates the module its own way, then
// calls `attach` with the instance's exports; this file is the same everywhere.
//
// How a call crosses: arguments go into one input buffer in the module's memory (a packed
// request for `evaluate`, JSON text otherwise, history bytes beside it), one exported function
// runs, and the result comes back as buffers the module describes in a header: numbers and
// operations as 32-bit words, doubles, one UTF-8 text holding every string (decoded with one
// TextDecoder call, then sliced), and bytes. `evaluate` has its own packed layout and its own
// result reader because it is the hot path; everything else uses the generic value reader.
// The layouts are documented in src/boundary/ (packed.rs, output.rs), which writes and reads
// the other side.
import * as wasm from "./ciam_policy.js";

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

// ---------------------------------------------------------------------------------------
// The module's memory and the call buffers.

let memory; // WebAssembly.Memory of the instance
let io; // wasm.Io: the input buffer and the last result
let headerAt; // address of the result header (9 words)
let u8, u32, f64; // views of the memory, renewed when it grows
let inputAt = 0; // address of the input buffer (it moves only when it grows)
let inputRoom = 0; // bytes it has
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const keyCache = new Map(); // static key address*256+length → key string
let names; // { outcomes, levels, reasons, factors } for the decision layout

/** Called once by the entry point with the instantiated module's exports. */
export function attach(exports) {
  memory = exports.memory;
}

function views() {
  // A memory that grew detached the old buffer, and views of it read as empty.
  if (u8 === undefined || u8.length === 0) {
    const buffer = memory.buffer;
    u8 = new Uint8Array(buffer);
    u32 = new Uint32Array(buffer);
    f64 = new Float64Array(buffer);
  }
}

function ready() {
  if (io === undefined) {
    if (memory === undefined) throw new Error("ciam-policy: the WebAssembly module is not instantiated (import the package's entry point)");
    io = new wasm.Io();
    headerAt = io.header();
    names = result(wasm.names(io));
  }
}

/** Room for `length` input bytes (and 8 more, to align); returns the input's address. */
function input(length) {
  if (length + 8 > inputRoom) {
    ready();
    inputRoom = length + 8;
    inputAt = io.input(inputRoom);
  }
  views();
  return inputAt;
}

/**
 * `text` as UTF-8 into the input at `offset` (the input's bytes before it are kept), with room
 * for `after` more bytes; the bytes written. Room for one byte per UTF-16 unit is tried first
 * and three (UTF-8's most) only when that was not enough: JSON text is nearly always ASCII,
 * and the module's memory never shrinks, so a 1 MiB text should not take 3 MiB of it.
 */
function encodeText(text, offset, after) {
  let at = input(offset + text.length + after) + offset;
  const ascii = encoder.encodeInto(text, u8.subarray(at, at + text.length));
  if (ascii.read === text.length) return ascii.written;
  at = input(offset + text.length * 3 + after) + offset;
  return encoder.encodeInto(text, u8.subarray(at, at + text.length * 3)).written;
}

/** JSON text (and optionally bytes after it) into the input; returns their places. */
function putText(text, ...bytes) {
  const written = encodeText(text, 0, bytes.reduce((n, b) => n + byteLength(b), 0));
  const at = inputAt;
  const parts = [];
  let next = written;
  for (const b of bytes) {
    const length = copyBytes(b, at + next);
    parts.push(next, length);
    next += length;
  }
  return { length: written, parts };
}

const STATUS_DECISION = 0;
const STATUS_VALUE = 1;
const STATUS_BYTES = 2;
const STATUS_ERROR = 3;
const STATUS_RETRY = 4;
const STATUS_POLICY_ERROR = 5;

/** The result of the call that returned `status`; a decision is by the engine `policy` names. */
function result(status, policy) {
  views();
  const h = headerAt >>> 2;
  switch (status) {
    case STATUS_DECISION:
      return readDecision(u32[h + 1] >>> 2, u32[h + 3] >>> 3, readText(u32[h + 5], u32[h + 6]), policy);
    case STATUS_VALUE:
      return readValue();
    case STATUS_BYTES:
      return u8.slice(u32[h + 7], u32[h + 7] + u32[h + 8]);
    case STATUS_ERROR:
    case STATUS_POLICY_ERROR: {
      const e = readValue();
      throw status === STATUS_POLICY_ERROR
        ? new PolicyError(e.code, e.path, e.message, e.problems)
        : new CiamError(e.code, e.path, e.message, e.problems);
    }
    default:
      throw new Error(`ciam-policy: unexpected call status ${status}`);
  }
}

// The result's text: every string of the result, UTF-8, positions in bytes. When it is all
// ASCII (the decoded length equals the byte length) strings are slices of one decoded text;
// otherwise each string is decoded from its own bytes.
let textAt = 0;
let ascii = true;

function readText(at, length) {
  textAt = at;
  const decoded = length === 0 ? "" : decoder.decode(u8.subarray(at, at + length));
  ascii = decoded.length === length;
  return decoded;
}

/** The string between byte offsets `start` and `end` of the result's text `t`. */
function cut(t, start, end) {
  return ascii ? t.slice(start, end) : decoder.decode(u8.subarray(textAt + start, textAt + end));
}

// ---------------------------------------------------------------------------------------
// The generic value reader (src/boundary/output.rs, `op`).

let words, numbers, text, pc, cursor;

function readValue() {
  const h = headerAt >>> 2;
  words = u32[h + 1] >>> 2;
  numbers = u32[h + 3] >>> 3;
  text = readText(u32[h + 5], u32[h + 6]);
  pc = words;
  cursor = 0;
  return value();
}

function slice(end) {
  const s = cut(text, cursor, end);
  cursor = end;
  return s;
}

function value() {
  const op = u32[pc++];
  switch (op) {
    case 0:
      return null;
    case 1:
      return false;
    case 2:
      return true;
    case 3:
      return f64[numbers + u32[pc++]];
    case 4:
      return slice(u32[pc++]);
    case 5: {
      const n = u32[pc++];
      const array = new Array(n);
      for (let i = 0; i < n; i++) array[i] = value();
      return array;
    }
    case 6: {
      const n = u32[pc++];
      const object = {};
      for (let i = 0; i < n; i++) {
        const key = readKey();
        object[key] = value();
      }
      return object;
    }
    default:
      throw new Error(`ciam-policy: bad value operation ${op}`);
  }
}

function readKey() {
  const op = u32[pc++];
  if (op === 7) {
    const at = u32[pc++];
    const length = u32[pc++];
    const id = at * 256 + length;
    let key = keyCache.get(id);
    if (key === undefined) {
      key = decoder.decode(u8.subarray(at, at + length));
      keyCache.set(id, key);
    }
    return key;
  }
  if (op === 8) return slice(u32[pc++]);
  throw new Error(`ciam-policy: bad key operation ${op}`);
}

// ---------------------------------------------------------------------------------------
// evaluate: the packed request (src/boundary/packed.rs) and the decision layout
// (src/boundary/output.rs, `Output::decision`).

const HEAP = 408;
const W_FLAGS = 18;
const W_ACTION = 19;
const W_DEVICE_ID = 21;
const W_IP = 23;
const W_COUNTRY = 25;
const W_ANONYMIZER = 27;
const W_CURRENCY = 29;
const W_HISTORY = 31;
const W_SOURCE_HISTORY = 33;
const W_AMR_COUNT = 35;
const W_FACTOR_COUNT = 36;
const W_AMR = 37;
const W_FACTORS = 69;
const W_STRINGS_END = 101;
const MAX_LIST = 16;
const MAX_STRING = 256;

const DEVICE_KEYS = new Set(["id", "botScore", "known", "managed"]);
const NETWORK_KEYS = new Set(["ip", "ipRisk", "anonymizer", "country", "lat", "lon"]);

const F_DEVICE = 1;
const F_NETWORK = 1 << 1;
const F_SESSION = 1 << 2;
const F_ACCOUNT = 1 << 3;
const F_TRANSACTION = 1 << 4;
const F_DEVICE_ID = 1 << 5;
const F_BOT_SCORE = 1 << 6;
const F_KNOWN = 1 << 7;
const F_KNOWN_TRUE = 1 << 8;
const F_MANAGED = 1 << 9;
const F_MANAGED_TRUE = 1 << 10;
const F_IP = 1 << 11;
const F_IP_RISK = 1 << 12;
const F_ANONYMIZER = 1 << 13;
const F_COUNTRY = 1 << 14;
const F_LAT = 1 << 15;
const F_LON = 1 << 16;
const F_CREATED_AT = 1 << 17;
const F_BREACHED = 1 << 18;
const F_HISTORY = 1 << 19;
const F_SOURCE_HISTORY = 1 << 20;

// Where the last packed request starts (8-aligned), and its offset in the input.
let base, offset;

/** The fields JSON.stringify would write: own, enumerable, not undefined, functions or symbols. */
function absent(v) {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

const OBJECT_PROTOTYPE = Object.prototype;
const ARRAY_PROTOTYPE = Array.prototype;

/**
 * An object whose `for…in` keys are exactly the keys JSON.stringify writes: a plain object
 * (so not an array — nor a Proxy of one that claims Object.prototype —, a boxed primitive —
 * even one given Object.prototype —, a class instance or a null-prototype object, which go
 * as JSON text) without `toJSON`. Inherited enumerable keys are ruled out once per request by
 * `untouchedPrototypes`.
 */
function plain(v) {
  return (
    v !== null &&
    typeof v === "object" &&
    Object.getPrototypeOf(v) === OBJECT_PROTOTYPE &&
    !Array.isArray(v) &&
    typeof v.toJSON !== "function" &&
    // A boxed Number, String or Boolean given Object.prototype (JSON writes its value). One
    // that also claims @@toStringTag "Object" is not worth the time of a second probe here.
    OBJECT_TO_STRING.call(v) === "[object Object]"
  );
}

/**
 * Whether Object.prototype and Array.prototype carry no enumerable keys. When someone added
 * one (prototype pollution), `for…in` would visit it on every object, so requests go as JSON
 * text, which ignores inherited keys: a polluted `known: true` must not reach a decision.
 */
function untouchedPrototypes() {
  for (const _ in OBJECT_PROTOTYPE) return false;
  for (const _ in ARRAY_PROTOTYPE) return false;
  return true;
}

// Bytes (histories, peppers) are taken as bytes only when they really are a Uint8Array, of any
// realm: the check reads the typed array's internal name, which neither a subclass nor a Proxy
// can fake, and lengths are read the same way, so no getter of the caller's runs while bytes
// are copied. A Uint8Array whose buffer was transferred away has no bytes.
const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayName = Object.getOwnPropertyDescriptor(TYPED_ARRAY, Symbol.toStringTag).get;
const typedArrayLength = Object.getOwnPropertyDescriptor(TYPED_ARRAY, "byteLength").get;

/** `v` when it is a Uint8Array, otherwise undefined. */
function bytesOrUndefined(v) {
  return typedArrayName.call(v) === "Uint8Array" ? v : undefined;
}

/** The length of a Uint8Array now. */
function byteLength(bytes) {
  return typedArrayLength.call(bytes);
}

const typedArrayBuffer = Object.getOwnPropertyDescriptor(TYPED_ARRAY, "buffer").get;
const typedArrayOffset = Object.getOwnPropertyDescriptor(TYPED_ARRAY, "byteOffset").get;

/**
 * A Uint8Array, or only its first `max + 1` bytes when it is longer: enough for the module to
 * refuse it exactly as it would refuse the whole (its answer does not depend on the rest), and
 * nothing huge is copied into its memory, which never shrinks (2 GiB would not fit at all).
 */
function bounded(bytes, max) {
  if (byteLength(bytes) <= max) return bytes;
  return new Uint8Array(typedArrayBuffer.call(bytes), typedArrayOffset.call(bytes), max + 1);
}

/** As src/state/encoding.rs `MAX_ENCODED_BYTES`: no history is longer. */
const MAX_HISTORY_BYTES = 20 * 1024;
/** As src/token/codes.rs `MAX_PEPPER_BYTES`. */
const MAX_PEPPER_BYTES = 1024;

/** Copy a Uint8Array into the module's memory at `at`; its length. */
function copyBytes(bytes, at) {
  const length = byteLength(bytes);
  if (length > 0) u8.set(bytes, at);
  return length;
}

/** A finite number as JSON writes it back (-0 becomes 0), or undefined. */
function finite(v) {
  return typeof v === "number" && Number.isFinite(v) ? v + 0 : undefined;
}

/**
 * Pack `r` into the input; its length in bytes, or -1 when `r` has anything the layout does
 * not carry exactly as its JSON text would (an unknown key, a non-ASCII string, a wrong type,
 * an object that is not plain, `toJSON`, a getter that throws, …). Then the request goes as
 * JSON text, and that reader decides or reports the exact error. Keys are walked with
 * `for…in`, which on plain objects with untouched prototypes visits exactly the keys
 * JSON.stringify writes (the cheapest walk there is: Object.keys or an own-key check per key
 * cost two to three times more).
 *
 * Two phases: every value is read (getters run) into a staging area first, and only then
 * written to the module's memory. A getter may call the engine again, and that call reuses
 * the input buffer (and may move it when it grows it), so nothing is written while code of
 * the caller's can still run. Each nesting depth has its own staging area, kept for reuse.
 */
function pack(r) {
  const depth = packDepth++;
  try {
    if (!plain(r) || !untouchedPrototypes()) return -1;
    const staged = stagings[depth] ?? (stagings[depth] = new Staging());
    return readRequest(r, staged) ? writeRequest(staged) : -1;
  } catch {
    return -1;
  } finally {
    packDepth--;
  }
}

let packDepth = 0;
const stagings = [];

/** One request's values, read and checked, not yet written. */
class Staging {
  constructor() {
    this.numbers = new Float64Array(9); // now, botScore, ipRisk, lat, lon, aal, authTime, createdAt, amount
    this.texts = new Array(2 * (6 + 2 * MAX_LIST)).fill(""); // word slot, string, word slot, string, …
    this.textCount = 0; // entries used in `texts` (two per string)
    this.textLength = 0;
    this.flags = 0;
    this.amrCount = 0;
    this.factorCount = 0;
    this.history = undefined;
    this.sourceHistory = undefined;
  }
}

/** Stage an ASCII-able string for word slot `slot`; false when it cannot be packed. */
function stageText(staged, slot, s) {
  if (typeof s !== "string" || s.length > MAX_STRING) return false;
  const i = staged.textCount;
  // Each slot is staged at most once (object keys are unique), so `texts` cannot overflow;
  // the check keeps a mistake here from growing it.
  if (i >= staged.texts.length) return false;
  staged.texts[i] = slot;
  staged.texts[i + 1] = s;
  staged.textCount = i + 2;
  staged.textLength += s.length;
  return true;
}

/** Stage an array of strings for the (offset, length) slots from `slots`; its length, or -1. */
function list(staged, v, slots) {
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== ARRAY_PROTOTYPE || typeof v.toJSON === "function") return -1;
  // Read once, as JSON.stringify does: a getter may change it.
  const length = v.length;
  if (!(length <= MAX_LIST)) return -1;
  for (let i = 0; i < length; i++) {
    if (!stageText(staged, slots + 2 * i, v[i])) return -1;
  }
  return length;
}

/** Read and check every field of `r` into `staged`; false when `r` cannot be packed. */
function readRequest(r, staged) {
  const nums = staged.numbers;
  staged.textCount = 0;
  staged.textLength = 0;
  staged.amrCount = 0;
  staged.factorCount = 0;
  staged.history = undefined;
  staged.sourceHistory = undefined;
  let flags = 0;
  let now = false;
  let action = false;
  for (const k in r) {
    const v = r[k];
    if (absent(v)) continue;
    switch (k) {
      case "now":
        if ((nums[0] = finite(v)) === undefined) return false;
        now = true;
        break;
      case "action":
        if (!stageText(staged, W_ACTION, v)) return false;
        action = true;
        break;
      case "device":
        if (v === null) break;
        if (!plain(v)) return false;
        flags |= F_DEVICE;
        for (const dk in v) {
          const dv = v[dk];
          if (absent(dv)) continue;
          // Every device field is optional: null is absent, for known keys only.
          if (dv === null && DEVICE_KEYS.has(dk)) continue;
          switch (dk) {
            case "id":
              if (!stageText(staged, W_DEVICE_ID, dv)) return false;
              flags |= F_DEVICE_ID;
              break;
            case "botScore":
              if ((nums[1] = finite(dv)) === undefined) return false;
              flags |= F_BOT_SCORE;
              break;
            case "known":
              if (typeof dv !== "boolean") return false;
              flags |= dv ? F_KNOWN | F_KNOWN_TRUE : F_KNOWN;
              break;
            case "managed":
              if (typeof dv !== "boolean") return false;
              flags |= dv ? F_MANAGED | F_MANAGED_TRUE : F_MANAGED;
              break;
            default:
              return false;
          }
        }
        break;
      case "network":
        if (v === null) break;
        if (!plain(v)) return false;
        flags |= F_NETWORK;
        for (const nk in v) {
          const nv = v[nk];
          if (absent(nv)) continue;
          // Every network field is optional: null is absent, for known keys only.
          if (nv === null && NETWORK_KEYS.has(nk)) continue;
          switch (nk) {
            case "ip":
              if (!stageText(staged, W_IP, nv)) return false;
              flags |= F_IP;
              break;
            case "ipRisk":
              if ((nums[2] = finite(nv)) === undefined) return false;
              flags |= F_IP_RISK;
              break;
            case "anonymizer":
              if (!stageText(staged, W_ANONYMIZER, nv)) return false;
              flags |= F_ANONYMIZER;
              break;
            case "country":
              if (!stageText(staged, W_COUNTRY, nv)) return false;
              flags |= F_COUNTRY;
              break;
            case "lat":
              if ((nums[3] = finite(nv)) === undefined) return false;
              flags |= F_LAT;
              break;
            case "lon":
              if ((nums[4] = finite(nv)) === undefined) return false;
              flags |= F_LON;
              break;
            default:
              return false;
          }
        }
        break;
      case "session": {
        if (v === null) break;
        if (!plain(v)) return false;
        flags |= F_SESSION;
        let aal = false;
        let authTime = false;
        for (const sk in v) {
          const sv = v[sk];
          if (absent(sv)) continue;
          switch (sk) {
            case "aal":
              if ((nums[5] = finite(sv)) === undefined) return false;
              aal = true;
              break;
            case "authTime":
              if ((nums[6] = finite(sv)) === undefined) return false;
              authTime = true;
              break;
            case "amr":
              if ((staged.amrCount = list(staged, sv, W_AMR)) < 0) return false;
              break;
            default:
              return false;
          }
        }
        if (!aal || !authTime) return false;
        break;
      }
      case "account":
        if (v === null) break;
        if (!plain(v)) return false;
        flags |= F_ACCOUNT;
        for (const ak in v) {
          const av = v[ak];
          if (absent(av)) continue;
          switch (ak) {
            case "createdAt":
              if (av === null) break;
              if ((nums[7] = finite(av)) === undefined) return false;
              flags |= F_CREATED_AT;
              break;
            case "factors":
              if ((staged.factorCount = list(staged, av, W_FACTORS)) < 0) return false;
              break;
            case "breached":
              if (typeof av !== "boolean") return false;
              if (av) flags |= F_BREACHED;
              break;
            default:
              return false;
          }
        }
        break;
      case "transaction": {
        if (v === null) break;
        if (!plain(v)) return false;
        flags |= F_TRANSACTION;
        let amount = false;
        let currency = false;
        for (const tk in v) {
          const tv = v[tk];
          if (absent(tv)) continue;
          switch (tk) {
            case "amount":
              if ((nums[8] = finite(tv)) === undefined) return false;
              amount = true;
              break;
            case "currency":
              if (!stageText(staged, W_CURRENCY, tv)) return false;
              currency = true;
              break;
            default:
              return false;
          }
        }
        if (!amount || !currency) return false;
        break;
      }
      case "history":
        if (v === null) break;
        if (bytesOrUndefined(v) === undefined) return false;
        staged.history = bounded(v, MAX_HISTORY_BYTES);
        flags |= F_HISTORY;
        break;
      case "sourceHistory":
        if (v === null) break;
        if (bytesOrUndefined(v) === undefined) return false;
        staged.sourceHistory = bounded(v, MAX_HISTORY_BYTES);
        flags |= F_SOURCE_HISTORY;
        break;
      default:
        return false;
    }
  }
  staged.flags = flags;
  return now && action;
}

/** Write a staged request into the input (no caller code runs here); its length, or -1. */
function writeRequest(staged) {
  const h = staged.history;
  const s = staged.sourceHistory;
  const historyLength = h === undefined ? 0 : byteLength(h);
  const sourceLength = s === undefined ? 0 : byteLength(s);
  const at = input(HEAP + staged.textLength + historyLength + sourceLength + 8);
  base = (at + 7) & ~7;
  offset = base - at;
  let heap = base + HEAP;
  const w = base >>> 2;
  f64.set(staged.numbers, base >>> 3);
  const texts = staged.texts;
  for (let i = 0; i < staged.textCount; i += 2) {
    const string = texts[i + 1];
    const slot = w + texts[i];
    u32[slot] = heap - base;
    u32[slot + 1] = string.length;
    for (let j = 0; j < string.length; j++) {
      const c = string.charCodeAt(j);
      if (c > 127) return -1;
      u8[heap++] = c;
    }
  }
  u32[w + W_AMR_COUNT] = staged.amrCount;
  u32[w + W_FACTOR_COUNT] = staged.factorCount;
  // Histories go after the strings (the strings are checked as one UTF-8 run).
  u32[w + W_STRINGS_END] = heap - base;
  if (h !== undefined) heap = writeBytes(w + W_HISTORY, h, historyLength, heap);
  if (s !== undefined) heap = writeBytes(w + W_SOURCE_HISTORY, s, sourceLength, heap);
  u32[w + W_FLAGS] = staged.flags;
  return heap - base;
}

/** `length` bytes at `heap`, their (offset, length) in word `slot`; the next free byte. */
function writeBytes(slot, bytes, length, heap) {
  if (length > 0) u8.set(bytes, heap);
  u32[slot] = heap - base;
  u32[slot + 1] = length;
  return heap + length;
}

/**
 * The RFC 9470 `WWW-Authenticate` value of a step-up, as src/risk/challenge.rs writes it. The
 * module sends only the action when no part needs cleaning (decision flag 8): a template
 * literal here is far cheaper than writing and decoding its 150 bytes of fixed words. The
 * golden cases check it against the native text in every runtime.
 */
function challengeHeader(stepUp, action) {
  const age = `${stepUp.maxAge}`;
  return `Bearer error="insufficient_user_authentication", error_description="Authentication at AAL${stepUp.aal} within ${age} seconds is required for ${action}", acr_values="${stepUp.acr}", max_age=${age}`;
}

/** The decision layout (src/boundary/output.rs, `Output::decision`) as the decision object. */
function readDecision(w, n, t, policy) {
  const flags = u32[w + 3];
  const reasonCount = u32[w + 4];
  const acrEnd = u32[w + 6];
  const challengeEnd = u32[w + 7];
  const factorCount = u32[w + 8];
  const reasons = new Array(reasonCount);
  let p = w + 9 + factorCount;
  let start = challengeEnd;
  for (let i = 0; i < reasonCount; i++, p += 3) {
    const end = u32[p + 2];
    reasons[i] = { code: names.reasons[u32[p]], points: u32[p + 1], message: cut(t, start, end) };
    start = end;
  }
  const decision = { outcome: names.outcomes[u32[w]], risk: { score: u32[w + 1], level: names.levels[u32[w + 2]] }, reasons };
  if (flags & 1) {
    const factors = new Array(factorCount);
    for (let i = 0; i < factorCount; i++) factors[i] = names.factors[u32[w + 9 + i]];
    decision.stepUp = { aal: u32[w + 5], acr: cut(t, 0, acrEnd), maxAge: f64[n + 1], factors };
  }
  if (flags & 2) decision.challenge = flags & 8 ? challengeHeader(decision.stepUp, cut(t, acrEnd, challengeEnd)) : cut(t, acrEnd, challengeEnd);
  if (flags & 4) decision.retryAfter = f64[n];
  decision.policy = { name: policy.name, version: policy.version };
  return decision;
}

// ---------------------------------------------------------------------------------------
// Arguments.

function misuse(code, path, message) {
  return new CiamError(code, path, message, [{ code, path, message: message }]);
}

/** Array.isArray, where a revoked Proxy (which makes it throw) counts as not an object. */
function isArray(value) {
  try {
    return Array.isArray(value);
  } catch {
    return true;
  }
}

/** Run `f`, throwing its CiamError as the PolicyError a policy argument gets. */
function asPolicyError(f) {
  try {
    return f();
  } catch (err) {
    if (err instanceof CiamError && !(err instanceof PolicyError)) throw new PolicyError(err.code, err.path, err.message, err.problems);
    throw err;
  }
}

/**
 * Policy JSON text given as a string. A lone UTF-16 surrogate cannot be written as UTF-8 (it
 * would silently become U+FFFD), so such text is not JSON the module can read as given.
 */
function policyText(text) {
  const at = text.search(LONE_SURROGATE);
  if (at < 0) return text;
  const problem = { code: "invalid_json", path: "", message: `the text has a lone UTF-16 surrogate at index ${at}, which no JSON text can hold` };
  throw new PolicyError(problem.code, problem.path, summary(problem), [problem]);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An argument that must be an object (not an array). */
function object(value, what, path = "") {
  if (value === undefined || value === null) throw misuse("missing_field", path, `pass the ${what} as an object`);
  if (typeof value !== "object" || isArray(value)) throw misuse("invalid_type", path, `pass the ${what} as an object`);
  return value;
}

const NOT_JSON = "the value cannot be represented as JSON (a BigInt, a cycle, or a getter that throws?)";

/** JSON text of `value`, as the module reads it. */
function json(value, path = "") {
  let textValue;
  try {
    textValue = JSON.stringify(value);
  } catch {
    textValue = undefined;
  }
  if (typeof textValue !== "string") {
    throw misuse("invalid_type", path, NOT_JSON);
  }
  return textValue;
}

/**
 * A request as JSON text without its byte histories, and those bytes. Histories are taken off
 * as bytes only where JSON.stringify would write them as keys of the request: from an object
 * that is neither a boxed primitive nor has `toJSON`, among its own enumerable keys (the
 * `Object.keys` walk JSON.stringify itself does). The other keys are copied, each read once,
 * into an object without a prototype, which JSON writes as it would have written the request.
 * A getter or a Proxy trap that throws is the request's `invalid_type`.
 */
function split(request, fields) {
  let copy = request;
  const found = [undefined, undefined];
  try {
    // Read once, as JSON.stringify reads it; when it is a function, its result is the request.
    const toJSON = request.toJSON;
    if (typeof toJSON === "function") {
      copy = { toJSON: () => toJSON.call(request, "") };
    } else if (!boxed(request)) {
      // Own enumerable keys, each read once, defined (not assigned, so nothing on
      // Object.prototype interferes, and an own `__proto__` stays a key) on a plain object —
      // or, when someone gave Object.prototype a `toJSON` the request itself does not see, on
      // one without a prototype (slower to stringify, so only then).
      copy = "toJSON" in OBJECT_PROTOTYPE ? Object.assign(Object.create(null), request) : { ...request };
      for (let i = 0; i < fields.length; i++) {
        const value = Object.hasOwn(copy, fields[i]) ? copy[fields[i]] : undefined;
        if (bytesOrUndefined(value) !== undefined) {
          found[i] = bounded(value, MAX_HISTORY_BYTES);
          copy[fields[i]] = undefined; // JSON leaves it out
        }
      }
    }
  } catch {
    throw misuse("invalid_type", "", NOT_JSON);
  }
  return { text: requestJson(copy), history: found[0], source: found[1] };
}

const OBJECT_TO_STRING = Object.prototype.toString;
const BOXED_VALUE_OF = [Number.prototype.valueOf, String.prototype.valueOf, Boolean.prototype.valueOf, BigInt.prototype.valueOf];

/**
 * Whether JSON.stringify writes `v` as a primitive (a `new Number(1)` and the like). An
 * ordinary object is told apart without throwing (exceptions cost microseconds); anything
 * else, or a probe that throws (a Proxy's trap), is asked the exact question, which runs no
 * trap. (A boxed BigInt whose prototype was replaced passes for an object: JSON.stringify
 * would throw on it, this decides on its keys.)
 */
function boxed(v) {
  try {
    if (ordinary(v)) return false;
  } catch {
    // ask exactly
  }
  for (const valueOf of BOXED_VALUE_OF) {
    try {
      valueOf.call(v);
      return true;
    } catch {
      // not this kind
    }
  }
  return false;
}

/** An object Object.prototype.toString calls an Object on its own merits (no boxed Number, String or Boolean, whatever its prototype). */
function ordinary(v) {
  return OBJECT_TO_STRING.call(v) === "[object Object]" && !(Symbol.toStringTag in v);
}

/** The JSON text of a request, or its `too_long` error (see `tooLong`). */
function requestJson(value) {
  const textValue = json(value);
  const long = tooLong(textValue);
  if (long !== undefined) throw new CiamError(long.code, long.path, summary(long), [long]);
  return textValue;
}

/**
 * The module's `too_long` problem for JSON text longer than any it reads, found here: its first
 * check, with the same message. A huge value is then never copied into the module's memory,
 * which never shrinks.
 */
function tooLong(textValue) {
  if (textValue.length <= MAX_JSON_BYTES) return undefined;
  return { code: "too_long", path: "", message: `the JSON text is ${utf8Length(textValue)} bytes; the limit is ${MAX_JSON_BYTES}` };
}

/** An error's message as the module writes it (src/error.rs, `Error::summary`). */
function summary(problem) {
  return `${problem.code} at ${problem.path || "/"}: ${problem.message}`;
}

/** As src/json/mod.rs `MAX_JSON_BYTES`. */
const MAX_JSON_BYTES = 1 << 20;

/** The length of `s` in UTF-8, as TextEncoder writes it (a lone surrogate takes three bytes). */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Text and up to two byte arrays into the input: (length, has1, at1, len1, has2, at2, len2). */
function putRequest(textValue, first, second) {
  const present = [first, second].filter((b) => b !== undefined);
  const { length, parts } = putText(textValue, ...present);
  const place = (b) => {
    if (b === undefined) return [false, 0, 0];
    const i = present.indexOf(b);
    return [true, parts[2 * i], parts[2 * i + 1]];
  };
  return [length, ...place(first), ...place(second)];
}

/**
 * A history argument, checked, not yet in the input: `{ kind, value }` with kind 0 none,
 * 1 bytes (a Uint8Array) or 2 its JSON form (the text).
 */
function historyArgument(history, path) {
  if (history === undefined || history === null) return { kind: 0, value: undefined };
  if (bytesOrUndefined(history) !== undefined) return { kind: 1, value: bounded(history, MAX_HISTORY_BYTES) };
  if (typeof history !== "object" || isArray(history)) {
    throw misuse("invalid_type", path, "pass a history as the Uint8Array record() returned, its JSON form, or null");
  }
  const textValue = json(history, path);
  // The module reads the history first, so its too_long is the answer.
  const long = tooLong(textValue);
  if (long !== undefined) {
    const problem = { ...long, path };
    throw new CiamError(problem.code, problem.path, summary(problem), [problem]);
  }
  return { kind: 2, value: textValue };
}

/** A history argument into the input: [kind, length]. */
function putHistory({ kind, value }) {
  if (kind === 1) return [1, copyBytes(value, input(byteLength(value)))];
  if (kind === 2) return [2, putText(value).length];
  return [0, 0];
}

function keySet(keys) {
  return keysOf(keys);
}

// ---------------------------------------------------------------------------------------
// The public API.

// Memory: each wasm-side object (engine, keys) is also freed when its JS wrapper is garbage
// collected (wasm-bindgen registers it with a FinalizationRegistry); `free()` releases it now.

let engineOf; // (candidate) → its engine in the module; set in PolicyEngine's static block
let keysOf; // (candidate) → its keys in the module; set in KeySet's static block

/** A policy parsed and validated once, answering any number of calls. */
export class PolicyEngine {
  #engine;
  /** `{ name, version }` of the policy, as creating the engine returned them (every decision names them). */
  #policy;

  static {
    // A method called on something that is not an engine (a Proxy of one, as reactive state
    // libraries make; a method taken off its engine) is a coded error, not a TypeError.
    engineOf = (candidate) => {
      if (candidate === null || typeof candidate !== "object" || !(#engine in candidate)) {
        throw misuse("invalid_type", "", "call this method on a PolicyEngine itself (not a copy, a Proxy of one, or a method taken off it)");
      }
      if (candidate.#engine === undefined) throw misuse("invalid_type", "", "this PolicyEngine was freed (free() was called); create a new one");
      return candidate.#engine;
    };
  }


  /** An engine for a policy given as an object or as JSON text. Throws `PolicyError`. */
  constructor(policy, inner) {
    if (inner !== undefined && policy === PRESET) {
      this.#engine = inner;
      this.#policy = result(STATUS_VALUE);
    } else {
      if (typeof policy !== "string" && (policy === null || typeof policy !== "object" || isArray(policy))) {
        throw new PolicyError("invalid_type", "", "pass the policy as an object or as JSON text", [
          { code: "invalid_type", path: "", message: "pass the policy as an object or as JSON text" },
        ]);
      }
      const textValue = typeof policy === "string" ? policyText(policy) : asPolicyError(() => json(policy));
      const long = tooLong(textValue);
      if (long !== undefined) throw new PolicyError(long.code, long.path, summary(long), [long]);
      const { length } = putText(textValue);
      this.#engine = wasm.Engine.create(io, length) ?? result(STATUS_POLICY_ERROR);
      this.#policy = result(STATUS_VALUE);
    }
  }

  /** An engine for a built-in preset (see `presets()`). */
  static fromPreset(name) {
    if (typeof name !== "string") {
      throw new PolicyError("invalid_type", "", "pass a preset name as a string", [
        { code: "invalid_type", path: "", message: "pass a preset name as a string" },
      ]);
    }
    const { length } = putText(presetName(name));
    return new PolicyEngine(PRESET, wasm.Engine.preset(io, length) ?? result(STATUS_POLICY_ERROR));
  }

  /** Decide one action attempt. */
  evaluate(request) {
    const length = pack(request);
    if (length >= 0) {
      const status = engineOf(this).evaluate(io, offset, length);
      if (status !== STATUS_RETRY) return result(status, this.#policy);
    }
    object(request, "request");
    const { text: textValue, history, source } = split(request, ["history", "sourceHistory"]);
    const args = putRequest(textValue, history, source);
    return result(engineOf(this).evaluate_text(io, ...args), this.#policy);
  }

  /** Decide one recovery attempt: channels offered, budget, grant, holds, notifications. */
  evaluateRecovery(request) {
    object(request, "request");
    const { text: textValue, history, source } = split(request, ["history", "sourceHistory"]);
    return result(engineOf(this).recovery(io, ...putRequest(textValue, history, source)));
  }

  /** Decide one change of a credential or identifier. */
  evaluateChange(request) {
    object(request, "request");
    const { text: textValue, history } = split(request, ["history"]);
    return result(engineOf(this).change(io, ...putRequest(textValue, history).slice(0, 4)));
  }

  /** The pure reducer: the history (bytes, its JSON form, or null) with `event` added, as bytes. */
  record(history, event) {
    engineOf(this); // a freed engine fails first
    // Both arguments are read (getters, toJSON) before anything is written: a getter may call
    // the engine again, which reuses the input.
    const historyArg = historyArgument(history, "/history");
    object(event, "event", "/event");
    const eventText = json(event, "/event");
    // Taken again: a getter of the arguments' may have freed it.
    const engine = engineOf(this);
    // The history goes at the start of the input; the event's text after it.
    const [kind, length] = putHistory(historyArg);
    const long = tooLong(eventText);
    if (long !== undefined) {
      // Refused without copying it in, but after the history, as the module checks them:
      // the history with an empty event first (any error but the event's is the answer).
      try {
        result(engine.record(io, kind, 0, length, length, 0));
      } catch (err) {
        if (!(err instanceof CiamError) || !err.path.startsWith("/event")) throw err;
      }
      const problem = { ...long, path: "/event" };
      throw new CiamError(problem.code, problem.path, summary(problem), [problem]);
    }
    const written = encodeText(eventText, length, 0);
    return result(engine.record(io, kind, 0, length, length, written));
  }

  /** The policy document this engine decides with. */
  policy() {
    ready();
    return result(engineOf(this).policy(io));
  }

  /** Mint a step-up grant (HS256 JWS) proving `sub` stepped up for `action`. */
  mintStepUpGrant(keys, request) {
    keySet(keys);
    const textValue = requestJson(object(request, "request"));
    // The keys again: a getter of the request's may have freed them.
    const inner = keySet(keys);
    const { length } = putText(textValue);
    return result(engineOf(this).mint_step_up_grant(io, inner, length));
  }

  /** Mint a recovery ticket carrying the grant of an `evaluateRecovery` decision. */
  mintRecoveryTicket(keys, request) {
    keySet(keys);
    const textValue = requestJson(object(request, "request"));
    // The keys again: a getter of the request's may have freed them.
    const inner = keySet(keys);
    const { length } = putText(textValue);
    return result(engineOf(this).mint_recovery_ticket(io, inner, length));
  }

  /** Verify a token: signature, purpose, audience, subject, scope, lifetime, revocation, supersession. */
  verifyToken(keys, request) {
    keySet(keys);
    object(request, "request");
    const { text: textValue, history } = split(request, ["history"]);
    // The keys again: a getter of the request's may have freed them.
    const inner = keySet(keys);
    return result(engineOf(this).verify_token(io, inner, ...putRequest(textValue, history).slice(0, 4)));
  }

  /** Release the engine's memory now rather than at garbage collection. */
  free() {
    if (this === null || typeof this !== "object" || !(#engine in this)) engineOf(this); // the coded error
    if (this.#engine !== undefined) {
      this.#engine.free();
      this.#engine = undefined;
    }
  }
}

// `using engine = …` releases it at the end of the block, where the runtime has Symbol.dispose.
if (typeof Symbol.dispose === "symbol") PolicyEngine.prototype[Symbol.dispose] = PolicyEngine.prototype.free;

const PRESET = Symbol("preset");

/** The host's HMAC keys for tokens (one signs, all verify), checked once. */
export class KeySet {
  #keys;

  static {
    keysOf = (candidate) => {
      if (candidate === null || typeof candidate !== "object" || !(#keys in candidate)) {
        throw misuse("invalid_type", "/keys", "pass the KeySet the token keys were built into");
      }
      if (candidate.#keys === undefined) throw misuse("invalid_type", "/keys", "this KeySet was freed");
      return candidate.#keys;
    };
  }

  /** Keys from `{ signing, keys: [{ kid, secret }] }`, secrets unpadded base64url of at least 32 bytes. */
  constructor(spec) {
    const { length } = putText(requestJson(object(spec, "key set")));
    this.#keys = wasm.Keys.create(io, length) ?? result(STATUS_ERROR);
  }

  /** The kid of the signing key. */
  get signingKid() {
    return result(keysOf(this).signing_kid(io));
  }

  /** Release the keys' memory now. */
  free() {
    if (this === null || typeof this !== "object" || !(#keys in this)) keysOf(this); // the coded error
    if (this.#keys !== undefined) {
      this.#keys.free();
      this.#keys = undefined;
    }
  }
}

if (typeof Symbol.dispose === "symbol") KeySet.prototype[Symbol.dispose] = KeySet.prototype.free;

/** Names of the built-in presets, customer presets first. */
export function presets() {
  ready();
  return result(wasm.presets(io));
}

/**
 * A preset name as the module needs it: no preset name is long, and the module quotes at most
 * 64 characters of an unknown one, so 130 UTF-16 units (at least 65 characters) give the same
 * answer without copying a huge string into its memory.
 */
function presetName(name) {
  return name.length > 130 ? name.slice(0, 130) : name;
}

/** The JSON text of a built-in preset, to start a custom policy from. */
export function presetJson(name) {
  if (typeof name !== "string") {
    throw new PolicyError("invalid_type", "", "pass a preset name as a string", [
      { code: "invalid_type", path: "", message: "pass a preset name as a string" },
    ]);
  }
  const { length } = putText(presetName(name));
  return result(wasm.preset_json(io, length));
}

/** The package version. */
export function version() {
  ready();
  return result(wasm.version(io));
}

/** The JSON form of a history held as bytes (for logs, debugging and migrations). */
export function decodeHistory(historyBytes) {
  if (bytesOrUndefined(historyBytes) === undefined) throw misuse("invalid_type", "/history", "pass the Uint8Array record() returned");
  const [kind, length] = putHistory(historyArgument(historyBytes, "/history"));
  return result(wasm.convert_history(io, kind, length, false));
}

/** The byte form of a history given in its JSON form (validated first). */
export function encodeHistory(history) {
  ready();
  const [kind, length] = putHistory(historyArgument(history, "/history"));
  return result(wasm.convert_history(io, kind, length, true));
}

/** `count` (1–20) fresh recovery codes like `K7QM-3XRD-9PTA-W2HC`. Show them once; store only their hashes. */
export function generateRecoveryCodes(count) {
  ready();
  const n = Number.isInteger(count) && count > 0 ? Math.min(count, 0xffffffff) : 0;
  return result(wasm.generate_recovery_codes(io, n));
}

/** The storage hash of a recovery code under the host's pepper. */
export function hashRecoveryCode(code, pepper) {
  if (typeof code !== "string") throw misuse("invalid_type", "/code", "pass the code as a string");
  if (bytesOrUndefined(pepper) === undefined || detached(pepper)) throw misuse("invalid_type", "/pepper", PEPPER);
  if (code.length > MAX_TYPED_CODE) {
    // The module's answer, without copying a huge typed value into its memory.
    const problem = { code: "invalid_format", path: "/code", message: "a recovery code is 16 characters of Crockford base32" };
    throw new CiamError(problem.code, problem.path, summary(problem), [problem]);
  }
  const { length, parts } = putText(code, bounded(pepper, MAX_PEPPER_BYTES));
  return result(wasm.hash_recovery_code(io, length, parts[1]));
}

const PEPPER = "pass the pepper as a Uint8Array (one whose buffer was not transferred away)";

/** Whether a Uint8Array's buffer was transferred away (it then reads as empty, not as an error). */
function detached(bytes) {
  if (byteLength(bytes) > 0) return false;
  try {
    new Uint8Array(typedArrayBuffer.call(bytes));
    return false;
  } catch {
    return true;
  }
}

/** As src/token/codes.rs `normalize`: longer typed input (in UTF-8 bytes, so also in UTF-16 units) is not a code. */
const MAX_TYPED_CODE = 64;
/** A stored hash is 43 characters of base64url (src/token/base64url.rs decodes strictly). */
const MAX_STORED_HASH = 64;

/** Whether a typed recovery code matches a stored hash (constant time). */
export function verifyRecoveryCode(code, storedHash, pepper) {
  if (typeof code !== "string" || typeof storedHash !== "string" || bytesOrUndefined(pepper) === undefined) {
    throw misuse("invalid_type", "", "pass the code and the stored hash as strings and the pepper as a Uint8Array");
  }
  if (detached(pepper)) throw misuse("invalid_type", "/pepper", PEPPER);
  // Not a code, or not a stored hash (43 characters), at all: the module's answer, without
  // copying a huge value into its memory.
  if (code.length > MAX_TYPED_CODE || storedHash.length > MAX_STORED_HASH) return false;
  const codeBytes = encoder.encode(code);
  const hashBytes = encoder.encode(storedHash);
  const { parts } = putText("", codeBytes, hashBytes, bounded(pepper, MAX_PEPPER_BYTES));
  return wasm.verify_recovery_code(io, parts[1], parts[3], parts[5]);
}
