// Types of the ciam-policy package. Hand-written to describe the real wire shapes of
// src/api.rs, src/state and src/policy (camelCase fields, snake_case enum values).
// Every entry point (Node ESM/CJS, browser, workerd, edge-light, Deno) exports this API.

/** Unix time in seconds. The engine has no clock: the caller passes `now`. */
export type UnixSeconds = number;

/** What a decision tells the host to do. */
export type Outcome = "allow" | "step_up" | "throttle" | "deny";

/** Coarse risk level from the policy's thresholds. */
export type RiskLevel = "low" | "medium" | "high" | "critical";

/** Authenticator types. */
export type Factor = "password" | "passkey" | "security_key" | "totp" | "push" | "sms" | "email" | "recovery_code";

/** Kind of anonymizing network. */
export type Anonymizer = "none" | "vpn" | "proxy" | "tor" | "hosting";

/** Assurance level (NIST SP 800-63B): 0 = none, 1–3 = AAL1–AAL3. */
export type Aal = 0 | 1 | 2 | 3;

/**
 * Stable reason codes of a decision, most severe first in `reasons`:
 * - `account_locked`: the workforce-style lockout fired (only the `workforce` preset has one)
 * - `recovery_hold`: a recent recovery holds this action until the hold ends (see `retryAfter`)
 * - `bot_detected` / `bot_suspected`: automation likelihood at the deny / suspect threshold
 * - `unmanaged_device`: the action needs a managed device
 * - `risk_too_high`: the score reached the policy's deny threshold
 * - `no_eligible_factor`: a step-up is needed but the account has no factor that reaches it
 * - `device_throttled` / `ip_throttled`: back-off after failures from this device / address
 * - `insufficient_assurance`: the session's AAL is below what the action needs
 * - `risk_step_up`: the score raised the assurance needed
 * - `authentication_too_old`: the session authenticated longer ago than allowed
 * - `amount_band`: the amount falls in a stricter band
 * - `impossible_travel` / `new_country`: location compared with recent sign-ins
 * - `ip_risk_high` / `ip_risk_medium`: network reputation
 * - `anonymizer_tor` / `anonymizer_hosting` / `anonymizer_proxy` / `anonymizer_vpn`
 * - `breached_password`: the password is in a breach corpus
 * - `account_under_attack`: failures against the account from other devices
 * - `recent_recovery` / `recent_credential_change`: a recovery or change happened recently
 * - `new_device`: no recent successful sign-in from this device
 * - `inactive_account`: long time since the last successful sign-in
 * - `new_account`: a young account doing something sensitive
 */
export type ReasonCode =
  | "account_locked"
  | "recovery_hold"
  | "bot_detected"
  | "unmanaged_device"
  | "risk_too_high"
  | "no_eligible_factor"
  | "device_throttled"
  | "ip_throttled"
  | "insufficient_assurance"
  | "risk_step_up"
  | "authentication_too_old"
  | "amount_band"
  | "impossible_travel"
  | "bot_suspected"
  | "ip_risk_high"
  | "ip_risk_medium"
  | "anonymizer_tor"
  | "anonymizer_hosting"
  | "anonymizer_proxy"
  | "anonymizer_vpn"
  | "breached_password"
  | "account_under_attack"
  | "recent_recovery"
  | "recent_credential_change"
  | "new_device"
  | "inactive_account"
  | "new_account"
  | "new_country";

/** Stable error codes; branch on these, never on messages. */
export type ErrorCode =
  | "invalid_json"
  | "invalid_type"
  | "missing_field"
  | "unknown_field"
  | "duplicate_key"
  | "out_of_range"
  | "invalid_format"
  | "too_long"
  | "unknown_variant"
  | "unknown_action"
  | "unknown_factor"
  | "unknown_preset"
  | "unsupported_version"
  | "invalid_history"
  | "inconsistent"
  | "currency_mismatch"
  | "token_too_long"
  | "token_malformed"
  | "token_bad_encoding"
  | "token_bad_header"
  | "token_alg_none"
  | "token_unsupported_alg"
  | "token_crit_unsupported"
  | "token_bad_type"
  | "token_missing_key_id"
  | "token_unknown_key"
  | "token_bad_signature"
  | "token_bad_claims"
  | "token_wrong_purpose"
  | "token_wrong_audience"
  | "token_wrong_subject"
  | "token_wrong_scope"
  | "token_not_yet_valid"
  | "token_expired"
  | "token_lifetime_exceeded"
  | "token_revoked"
  | "token_superseded"
  | "weak_key"
  | "randomness_unavailable";

/** One thing wrong with an input. */
export interface Problem {
  code: ErrorCode;
  /** JSON pointer (RFC 6901) of the offending value; `""` for the whole input. */
  path: string;
  message: string;
}

/** Every failure of this package is thrown as a CiamError (never a wasm trap). */
export class CiamError extends Error {
  readonly name: "CiamError" | "PolicyError";
  /** The first problem's code. */
  readonly code: ErrorCode;
  /** The first problem's JSON path, e.g. `/network/ipRisk`. */
  readonly path: string;
  /** Every problem found, the first one first. */
  readonly problems: Problem[];
}

/** The policy document or preset name is invalid; `problems` lists everything wrong. */
export class PolicyError extends CiamError {
  readonly name: "PolicyError";
}

/** The client device. */
export interface Device {
  /** Stable device id (cookie, WebAuthn credential id, app install id); 1–128 printable ASCII. */
  id?: string;
  /** Automation likelihood 0–100 (100 = certainly a bot). From Cloudflare: `100 - cf.botManagement.score`. */
  botScore?: number;
  /** Host override of known-ness (otherwise derived from history). */
  known?: boolean;
  /** Whether the organisation manages the device (only the workforce pattern asks). */
  managed?: boolean;
}

/** The network the request came from (e.g. mapped from Cloudflare's `request.cf`). */
export interface Network {
  ip?: string;
  /** IP reputation 0–100, higher is worse. */
  ipRisk?: number;
  anonymizer?: Anonymizer;
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string;
  /** Degrees; give `lat` and `lon` together. */
  lat?: number;
  lon?: number;
}

/** The current authentication state; absent before sign-in. */
export interface Session {
  aal: Aal;
  /** RFC 8176 values: `pwd`, `otp`, `sms`, `hwk`, `swk`, `mfa`, … */
  amr?: string[];
  authTime: UnixSeconds;
}

/** What the host knows about the account. */
export interface Account {
  createdAt?: UnixSeconds;
  /** Factors the account has enrolled, each at most once. */
  factors?: Factor[];
  /** Whether the current password is in a breach corpus. */
  breached?: boolean;
}

/** The money involved, for actions with amount bands. */
export interface Transaction {
  /** Major units of `currency`. */
  amount: number;
  /** ISO 4217; must be the policy's currency. */
  currency: string;
}

/** A history as `record()` returns it (bytes), or its JSON form. */
export type HistoryInput = Uint8Array | HistoryJson;

/** One action attempt to decide. */
export interface EvaluateRequest {
  now: UnixSeconds;
  /** An action from the policy's catalog (`login`, `view_orders`, `change_email`, `payout`, …). */
  action: string;
  device?: Device;
  network?: Network;
  session?: Session;
  account?: Account;
  transaction?: Transaction;
  /** The account's history: what `record()` returned for it. */
  history?: HistoryInput | null;
  /** The source IP's history (failures from this address across accounts). */
  sourceHistory?: HistoryInput | null;
}

/** One reason for a decision. */
export interface Reason {
  code: ReasonCode;
  /** Risk points contributed (0 for requirement reasons). */
  points: number;
  message: string;
}

/** What a step-up must achieve. */
export interface StepUp {
  aal: Aal;
  /** The `acr` value to request. */
  acr: string;
  /** The authentication must be at most this many seconds old. */
  maxAge: number;
  /** Factors the account has that reach `aal`, least friction first. */
  factors: Factor[];
}

/** The decision for one attempt. */
export interface Decision {
  outcome: Outcome;
  risk: { score: number; level: RiskLevel };
  reasons: Reason[];
  /** Present when `outcome` is `step_up`. */
  stepUp?: StepUp;
  /** RFC 9470 `WWW-Authenticate` value, when `outcome` is `step_up`. */
  challenge?: string;
  /** Seconds to wait, when `outcome` is `throttle`. */
  retryAfter?: number;
  policy: { name: string; version: string };
}

/** What happened, for `record()`. */
export type EventType =
  | "sign_in_success"
  | "sign_in_failure"
  | "step_up_success"
  | "step_up_failure"
  | "recovery_attempt"
  | "recovery_success"
  | "credential_change"
  | "sign_out_everywhere"
  | "unlock";

/** A credential or identifier that can change. */
export type ChangeKind = "email" | "phone" | "mfa" | "password" | "payout_destination";

/** One event to record into a history. */
export interface HistoryEvent {
  type: EventType;
  at: UnixSeconds;
  deviceId?: string;
  ip?: string;
  country?: string;
  lat?: number;
  lon?: number;
  /** Recovery channel, for recovery events. */
  channel?: string;
  /** What changed; required for `credential_change`. */
  change?: ChangeKind;
}

/** The JSON form of a history (see `decodeHistory`). */
export interface HistoryJson {
  version: number;
  lastSuccessAt?: UnixSeconds;
  /** Oldest first. */
  events: HistoryEvent[];
}

/** Risk tier of an action. */
export type Tier = "low" | "medium" | "high" | "critical";

/** One action in a policy's catalog. */
export interface ActionPolicy {
  kind?: "sign_in" | "sign_up" | "session";
  tier: Tier;
  requiredAal: Aal;
  acr?: string;
  maxAuthAge: number;
  /** What a host should do when it cannot evaluate. */
  fallback: Outcome;
  amountBands?: { over: number; requiredAal: Aal; maxAuthAge: number; points: number }[];
  managedDeviceRequired?: boolean;
}

/** Growing back-off after failures. */
export interface Backoff {
  freeFailures: number;
  baseDelay: number;
  factor: number;
  maxDelay: number;
  window: number;
}

/** A policy document (see the presets, via `presetJson(name)`, for complete examples). */
export interface PolicyDocument {
  version: number;
  name: string;
  revision: string;
  description: string;
  currency: string;
  acrValues: { aal1: string; aal2: string; aal3: string };
  factors: Partial<Record<Factor, { aal: Aal; friction: number; amr: string[]; phishingResistant?: boolean }>>;
  actions: Record<string, ActionPolicy>;
  risk: {
    medium: number;
    high: number;
    critical: number;
    stepUpAt: number;
    stepUpAal: Aal;
    freshAuthAt: number;
    freshAuthMaxAge: number;
    denyAt: number;
  };
  signals: {
    newDevice: { points: number };
    impossibleTravel: { maxSpeedKmh: number; minDistanceKm: number; points: number };
    newCountry: { points: number };
    ipRisk: { mediumAt: number; mediumPoints: number; highAt: number; highPoints: number };
    anonymizer: { vpn: number; proxy: number; tor: number; hosting: number; sensitiveExtra: number };
    bot: { suspectAt: number; points: number; denyAt: number };
    failureVelocity: { window: number; failures: number; points: number };
    inactivity: { after: number; points: number };
    accountAge: { under: number; minTier: Tier; points: number };
    breachedPassword: { points: number };
    recentRecovery: { within: number; points: number };
    recentCredentialChange: { within: number; points: number };
  };
  throttle: { accountDevice: Backoff; sourceIp: Backoff; lockout?: { afterFailures: number; window: number } };
  devices: { knownFor: number };
  /** Recovery channels, budgets, grant and hold; absent: support-assisted recovery only. */
  recovery?: RecoveryPolicy;
}

/** A recovery channel (or, for `evaluateChange`, a verification method). */
export type RecoveryChannel =
  | "email"
  | "sms"
  | "voice"
  | "recovery_code"
  | "passkey"
  | "totp"
  | "second_email"
  | "trusted_contact"
  | "support";

/** What the customer reports lost; every channel that depends on it is excluded. */
export type Lost = "password" | "phone" | "mailbox" | "second_mailbox" | "authenticator" | "passkey" | "recovery_codes";

/** What a recovered session may do. */
export type RecoveryScope = "sign_in" | "reset_credential" | "enroll_factor" | "view_account";

/**
 * Stable reason codes of recovery and change decisions:
 * `channel_not_offered`, `channel_unavailable`, `unmanaged_device`, `bot_detected`,
 * `recovery_hold` (a recent recovery holds this change), `identifier_change_window` (two
 * identifiers never change in one window), `no_independent_channel`,
 * `channel_budget_exhausted`, `source_budget_exhausted`, `channel_cooldown`,
 * `authentication_required`, `second_method_required` (two independent methods for an
 * account with a second factor), `step_up_other_method`, `choose_channel`.
 */
export type RecoveryReasonCode =
  | "channel_not_offered"
  | "channel_unavailable"
  | "unmanaged_device"
  | "bot_detected"
  | "recovery_hold"
  | "identifier_change_window"
  | "no_independent_channel"
  | "channel_budget_exhausted"
  | "source_budget_exhausted"
  | "channel_cooldown"
  | "authentication_required"
  | "second_method_required"
  | "step_up_other_method"
  | "choose_channel";

/** What the host knows about the account being recovered or changed. */
export interface RecoveryAccount {
  /** Recovery channels set up (a second email, a trusted contact, …). */
  channels?: RecoveryChannel[];
  /** Authenticators the account has; each implies its channel. */
  factors?: Factor[];
  /** Whether sign-in uses a second factor; derived from `factors` when absent. */
  secondFactor?: boolean;
  /** The primary recovery channel; by default email if the account has it, else SMS. */
  primary?: RecoveryChannel;
}

/** One recovery attempt to decide. */
export interface RecoveryRequest {
  now: UnixSeconds;
  /** The channel the customer wants to use now; absent to ask what is offered. */
  channel?: RecoveryChannel;
  lost?: Lost;
  /** The lost item may be in someone else's hands (stolen phone, mailbox taken over). */
  compromised?: boolean;
  /** Absent when no account matches: the answer then reveals nothing (no enumeration). */
  account?: RecoveryAccount;
  device?: Device;
  network?: Network;
  history?: HistoryInput | null;
  sourceHistory?: HistoryInput | null;
  /** Channels already proven in this recovery. */
  proven?: RecoveryChannel[];
}

/** One recovery or change reason. */
export interface RecoveryReason {
  code: RecoveryReasonCode;
  message: string;
}

/** What a completed recovery grants the recovered session. */
export interface RecoveryGrant {
  scopes: RecoveryScope[];
  expiresAt: UnixSeconds;
  /** Until when restricted actions and sensitive changes are held. */
  holdUntil: UnixSeconds;
  /** Catalog actions denied until `holdUntil`. */
  restricted: string[];
  /** Catalog actions denied until `holdUntil` above an amount in the policy currency. */
  restrictedAbove: Record<string, number>;
}

/** The decision on one recovery attempt. */
export interface RecoveryDecision {
  /** `allow`: completing `channel` recovers the account; `step_up`: another independent channel is needed too. */
  outcome: Outcome;
  /** Channels the customer may use, least friction first. */
  offered: RecoveryChannel[];
  /** Attempts left in the current window after this one. */
  remaining: number;
  /** When a code or link sent now on `channel` must stop working (now + the channel's `codeLifetime`). */
  codeExpiresAt?: UnixSeconds;
  retryAfter?: number;
  reasons: RecoveryReason[];
  grant?: RecoveryGrant;
  /** Channels to tell about the recovery. */
  notify: RecoveryChannel[];
  /** OpenID Shared Signals (RISC/CAEP) event type URIs to emit. */
  events: string[];
  policy: { name: string; version: string };
}

/** One change of a credential or identifier to decide. */
export interface ChangeRequest {
  now: UnixSeconds;
  change: ChangeKind;
  /** For `mfa`: the authenticator being replaced. */
  replaces?: RecoveryChannel;
  session?: Session;
  account?: RecoveryAccount;
  /** Methods verified for this change (a step-up), with when. */
  verified?: { method: RecoveryChannel; at: UnixSeconds }[];
  history?: HistoryInput | null;
}

/** The decision on one change. */
export interface ChangeDecision {
  /** `allow`, `step_up` (verify one of `offered` first) or `deny`. */
  outcome: Outcome;
  reasons: RecoveryReason[];
  /** Seconds until the change can be made, when denied by a hold or window. */
  retryAfter?: number;
  offered: RecoveryChannel[];
  notify: RecoveryChannel[];
  events: string[];
  policy: { name: string; version: string };
}

/** The host's HMAC-SHA-256 keys: one signs, all verify (rotation keeps old keys verifying). */
export interface KeySetSpec {
  /** The `kid` of the key that signs new tokens. */
  signing: string;
  /** Every key that verifies; `secret` is unpadded base64url of at least 32 bytes. */
  keys: { kid: string; secret: string }[];
}

/** A checked key set, built once and passed to the token methods. */
export class KeySet {
  /** Throws `CiamError` (`weak_key`, `invalid_format`, …) for unusable keys. */
  constructor(spec: KeySetSpec);
  /** The kid of the signing key. */
  readonly signingKid: string;
  free(): void;
}

/** What a token is for; a token is only accepted for its own purpose. */
export type TokenPurpose = "step_up_grant" | "recovery_ticket";

/** Mint a step-up grant: proof that `sub` stepped up for `action`. */
export interface StepUpGrantRequest {
  now: UnixSeconds;
  sub: string;
  aud: string;
  /** The `acr` reached. */
  acr: string;
  amr?: string[];
  authTime: UnixSeconds;
  /** The action the grant is for (its single scope). */
  action: string;
  /** Requested lifetime, seconds; capped by the policy. */
  lifetime?: number;
}

/** Mint a recovery ticket carrying a recovery decision's grant. */
export interface RecoveryTicketRequest {
  now: UnixSeconds;
  sub: string;
  aud: string;
  grant: RecoveryGrant;
}

/** A minted token. */
export interface Minted {
  /** The JWS compact token (HS256). */
  token: string;
  /** Its unique id, for the host's single-use bookkeeping. */
  jti: string;
  expiresAt: UnixSeconds;
}

/** Verify a token. */
export interface VerifyRequest {
  now: UnixSeconds;
  token: string;
  purpose: TokenPurpose;
  audience: string;
  subject?: string;
  /** For a step-up grant: the action it must be for. */
  action?: string;
  /** The account's history: a token issued before its last credential change, recovery or sign-out-everywhere is superseded. */
  history?: HistoryInput | null;
  /** `jti`s the host has revoked or already used. */
  revokedJtis?: string[];
}

/** A verified token's claims (registered JWT names). */
export interface TokenClaims {
  sub: string;
  aud: string;
  purpose: TokenPurpose;
  iat: UnixSeconds;
  nbf: UnixSeconds;
  exp: UnixSeconds;
  jti: string;
  acr?: string;
  amr?: string[];
  auth_time?: UnixSeconds;
  scope?: string;
  scopes?: RecoveryScope[];
  hold_until?: UnixSeconds;
}

/** The policy's `recovery` section. Durations in seconds. */
export interface RecoveryPolicy {
  selfService: boolean;
  channels: Partial<Record<RecoveryChannel, RecoveryChannelPolicy>>;
  /** Attempts per source IP across accounts. */
  sourceIp: { attempts: number; window: number };
  /** What a completed recovery grants. */
  grant: { scopes: RecoveryScope[]; lifetime: number };
  /** What stays held after a recovery, and for how long. */
  hold: { duration: number; actions: string[]; amountOver?: Record<string, number>; changes: ChangeKind[] };
  identifierChangeWindow: number;
  changeStepUpMaxAge: number;
  stepUpGrantLifetime: number;
}

/** One recovery channel of a policy. */
export interface RecoveryChannelPolicy {
  /** What the channel proves: 1 for a code, 2 for a passkey or identity proofing. */
  strength: number;
  friction: number;
  /** Seconds a sent code lives (NIST caps: SMS/voice 600, email 86400). */
  codeLifetime?: number;
  attempts: number;
  window: number;
  cooldown: number;
  backoff: number;
  maxCooldown: number;
  managedDeviceRequired?: boolean;
}

/** Built-in preset names. */
export type PresetName = "ciam-retail" | "ciam-fintech" | "ciam-health" | "workforce";

/** A policy parsed and validated once, answering any number of calls. */
export class PolicyEngine {
  /** Throws `PolicyError` (with every problem in `problems`) for an invalid policy. */
  constructor(policy: PolicyDocument | string);
  /** An engine for a built-in preset; throws `PolicyError` `unknown_preset`. */
  static fromPreset(name: PresetName | (string & {})): PolicyEngine;
  /** Decide one action attempt. Throws `CiamError` for bad input (e.g. `unknown_action`). */
  evaluate(request: EvaluateRequest): Decision;
  /** Decide one recovery attempt: channels offered, budget, grant, holds, notifications. */
  evaluateRecovery(request: RecoveryRequest): RecoveryDecision;
  /** Decide one change of email, phone, MFA, password or payout destination. */
  evaluateChange(request: ChangeRequest): ChangeDecision;
  /** Mint a step-up grant (HS256 JWS, lifetime capped by the policy). */
  mintStepUpGrant(keys: KeySet, request: StepUpGrantRequest): Minted;
  /** Mint a recovery ticket carrying `evaluateRecovery`'s grant. */
  mintRecoveryTicket(keys: KeySet, request: RecoveryTicketRequest): Minted;
  /** Verify a token; throws `CiamError` with a `token_*` code when it is not acceptable. */
  verifyToken(keys: KeySet, request: VerifyRequest): TokenClaims;
  /**
   * The pure reducer: the history with `event` added, aged and bounded by this policy.
   * Pass `null` for an account with no history yet. Store the returned bytes as they are.
   */
  record(history: HistoryInput | null | undefined, event: HistoryEvent): Uint8Array;
  /** The policy document this engine decides with. */
  policy(): PolicyDocument;
  /**
   * Release the engine's memory now instead of waiting for garbage collection. (Where the
   * runtime has `Symbol.dispose`, the classes also support `using`.)
   */
  free(): void;
}

/** Names of the built-in presets, customer presets first. */
export function presets(): PresetName[];
/** The JSON text of a preset, to start a custom policy from. */
export function presetJson(name: PresetName | (string & {})): string;
/** The package version. */
export function version(): string;
/** The JSON form of a history held as bytes. */
export function decodeHistory(bytes: Uint8Array): HistoryJson;
/** The byte form of a history given in its JSON form. */
export function encodeHistory(history: HistoryJson): Uint8Array;
/** `count` (1–20) fresh recovery codes such as `K7QM-3XRD-9PTA-W2HC`; store only their hashes. */
export function generateRecoveryCodes(count: number): string[];
/** The storage hash of a recovery code under the host's pepper (a secret of at most 1024 bytes; 32 random bytes are plenty). */
export function hashRecoveryCode(code: string, pepper: Uint8Array): string;
/** Whether a typed recovery code matches a stored hash (constant time). */
export function verifyRecoveryCode(code: string, storedHash: string, pepper: Uint8Array): boolean;
