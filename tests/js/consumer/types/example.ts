// Type-checked with `tsc --strict --noEmit` against the installed package: uses every
// function of the API, and the @ts-expect-error lines prove the types are not `any`.
import {
  CiamError,
  PolicyEngine,
  PolicyError,
  decodeHistory,
  encodeHistory,
  presetJson,
  presets,
  version,
  KeySet,
  generateRecoveryCodes,
  hashRecoveryCode,
  verifyRecoveryCode,
  type ChangeDecision,
  type Minted,
  type TokenClaims,
  type Decision,
  type ErrorCode,
  type EvaluateRequest,
  type HistoryEvent,
  type Outcome,
  type PolicyDocument,
  type ReasonCode,
  type RecoveryDecision,
} from "ciam-policy";

const names: string[] = presets();
const v: string = version();
const engine = PolicyEngine.fromPreset("ciam-retail");
const document: PolicyDocument = JSON.parse(presetJson("ciam-fintech")) as PolicyDocument;
const custom = new PolicyEngine(document);
const fromText = new PolicyEngine(presetJson("ciam-health"));
const name: string = custom.policy().name;
const smsCodeLifetime: number | undefined = custom.policy().recovery?.channels.sms?.codeLifetime;

const event: HistoryEvent = { type: "sign_in_success", at: 1800000000, deviceId: "laptop-1", country: "DE", lat: 52.52, lon: 13.405 };
let history: Uint8Array = engine.record(null, event);
history = engine.record(history, { type: "sign_in_failure", at: 1800000050, ip: "203.0.113.9" });

const request: EvaluateRequest = {
  now: 1800000100,
  action: "payout",
  device: { id: "laptop-1", botScore: 3 },
  network: { ip: "203.0.113.7", ipRisk: 5, anonymizer: "none", country: "DE", lat: 52.52, lon: 13.405 },
  session: { aal: 1, amr: ["pwd"], authTime: 1800000000 },
  account: { createdAt: 1700000000, factors: ["password", "passkey"], breached: false },
  transaction: { amount: 120, currency: "EUR" },
  history,
  sourceHistory: null,
};
const decision: Decision = engine.evaluate(request);
const outcome: Outcome = decision.outcome;
const codes: ReasonCode[] = decision.reasons.map((r) => r.code);
const firstFactor = decision.stepUp?.factors[0];
const challenge: string | undefined = decision.challenge;
const level: "low" | "medium" | "high" | "critical" = decision.risk.level;

const recovery: RecoveryDecision = engine.evaluateRecovery({
  now: 1800000200,
  channel: "email",
  lost: "phone",
  account: { factors: ["password", "sms", "email"], channels: ["second_email"] },
  history,
});
const holdUntil: number | undefined = recovery.grant?.holdUntil;
const change: ChangeDecision = engine.evaluateChange({
  now: 1800000300,
  change: "email",
  session: { aal: 2, amr: ["pwd", "otp"], authTime: 1800000250 },
  account: { factors: ["password", "email"] },
  verified: [{ method: "email", at: 1800000260 }],
  history: decodeHistory(history),
});
const bytes: Uint8Array = encodeHistory(decodeHistory(history));

const keys = new KeySet({ signing: "2026-11", keys: [{ kid: "2026-11", secret: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" }] });
const kid: string = keys.signingKid;
const minted: Minted = engine.mintStepUpGrant(keys, {
  now: 1800000100, sub: "alice", aud: "shop", acr: "urn:ciam-policy:aal2", amr: ["pwd", "hwk"], authTime: 1800000090, action: "payout",
});
const claims: TokenClaims = engine.verifyToken(keys, { now: 1800000110, token: minted.token, purpose: "step_up_grant", audience: "shop", history });
if (recovery.grant) engine.mintRecoveryTicket(keys, { now: 1800000200, sub: "alice", aud: "shop", grant: recovery.grant });
const recoveryCodes: string[] = generateRecoveryCodes(10);
const pepper = new Uint8Array(32);
const ok: boolean = verifyRecoveryCode(recoveryCodes[0] ?? "", hashRecoveryCode(recoveryCodes[0] ?? "", pepper), pepper);
// @ts-expect-error: purposes are a closed union
engine.verifyToken(keys, { now: 1, token: "x", purpose: "anything", audience: "shop" });

try {
  engine.evaluate({ now: 1800000000, action: "teleport" });
} catch (err) {
  if (err instanceof PolicyError) {
    const all: number = err.problems.length;
    void all;
  } else if (err instanceof CiamError) {
    const code: ErrorCode = err.code;
    const path: string = err.path;
    void code, path;
  }
}

// @ts-expect-error: outcomes are a closed union
const wrong: Outcome = "maybe";
// @ts-expect-error: an unknown field in a request is a type error
engine.evaluate({ now: 1, action: "login", devce: {} });
// @ts-expect-error: now is a number
engine.evaluate({ now: "1800000000", action: "login" });
// @ts-expect-error: the decision is typed, not any
const notAString: string = decision.risk;

fromText.free();
custom.free();
void smsCodeLifetime, kid, claims, ok, names, v, name, outcome, codes, firstFactor, challenge, level, holdUntil, change, bytes, wrong, notAString;
