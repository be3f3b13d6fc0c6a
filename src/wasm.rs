//! The JavaScript bindings: a [`PolicyEngine`] class and a few free functions. This module
//! converts and forwards; every decision is taken by the core.
//!
//! Arguments cross the boundary as JSON text (`JSON.stringify`) and results come back as plain
//! objects built by serde-wasm-bindgen; both use the same serde types and coded errors as the
//! native API, so a request gives the same decision in every runtime. Histories cross as bytes (the compact encoding of
//! [`crate::state::encode`]) so hosts store them as they are; the JSON form is accepted too.
//! Bytes are decoded straight into the request after the rest of it is parsed: one parse of
//! the text, no intermediate JSON tree (measured by `npm run bench`; see the README).
//! Every failure becomes a thrown `CiamError` (or `PolicyError`) with `code`, `path`,
//! `message` and `problems`; nothing a caller passes can panic and trap the instance.

use crate::api::{KeySetSpec, Prevalidated, RecoveryTicketRequest, StepUpGrantRequest, VerifyRequest};
use crate::error::{Error, ErrorCode, Problem};
use crate::state::{self, Event, History};
use crate::token::{self, codes, KeySet};
use crate::{policy::presets, ChangeRequest, EvaluateRequest, Policy, RecoveryRequest};
use js_sys::{Object, Reflect, Uint8Array, JSON};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/pkg-templates/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(policy: bool, code: &str, path: &str, message: &str, problems: JsValue) -> JsValue;
}

/// An argument type and the fields of it that carry a history (bytes or the JSON form).
trait Argument: DeserializeOwned {
    /// The fields that may hold a history given as bytes.
    const HISTORY_FIELDS: &'static [&'static str] = &[];
    /// Put a history decoded from bytes in `field` (one of `HISTORY_FIELDS`).
    fn set_history(&mut self, _field: &str, _history: History) {}
}

impl Argument for EvaluateRequest {
    const HISTORY_FIELDS: &'static [&'static str] = &["history", "sourceHistory"];
    fn set_history(&mut self, field: &str, history: History) {
        match field {
            "history" => self.history = Some(history),
            _ => self.source_history = Some(history),
        }
    }
}

impl Argument for RecoveryRequest {
    const HISTORY_FIELDS: &'static [&'static str] = &["history", "sourceHistory"];
    fn set_history(&mut self, field: &str, history: History) {
        match field {
            "history" => self.history = Some(history),
            _ => self.source_history = Some(history),
        }
    }
}

impl Argument for ChangeRequest {
    const HISTORY_FIELDS: &'static [&'static str] = &["history"];
    fn set_history(&mut self, _field: &str, history: History) {
        self.history = Some(history);
    }
}

impl Argument for VerifyRequest {
    const HISTORY_FIELDS: &'static [&'static str] = &["history"];
    fn set_history(&mut self, _field: &str, history: History) {
        self.history = Some(history);
    }
}

impl Argument for Event {}
impl Argument for KeySetSpec {}
impl Argument for StepUpGrantRequest {}
impl Argument for RecoveryTicketRequest {}

/// What a failed call throws.
type JsResult<T> = Result<T, JsValue>;

/// A policy parsed and validated once, answering any number of calls.
#[wasm_bindgen]
pub struct PolicyEngine {
    policy: Policy,
}

#[wasm_bindgen]
impl PolicyEngine {
    /// An engine for a policy given as an object or as JSON text. Throws `PolicyError`
    /// listing every problem of an invalid policy.
    #[wasm_bindgen(constructor)]
    pub fn new(policy: JsValue) -> JsResult<PolicyEngine> {
        let parsed = match policy.as_string() {
            Some(text) => Policy::from_json(&text),
            None if policy.is_array() || !policy.is_object() => {
                Err(Error::new(ErrorCode::InvalidType, "", "pass the policy as an object or as JSON text"))
            }
            None => to_json(&policy).and_then(|text| Policy::from_json(&text)),
        };
        parsed.map(|policy| PolicyEngine { policy }).map_err(policy_error)
    }

    /// An engine for a built-in preset (see `presets()`).
    #[wasm_bindgen(js_name = fromPreset)]
    pub fn from_preset(name: &str) -> JsResult<PolicyEngine> {
        presets::load(name).map(|policy| PolicyEngine { policy }).map_err(policy_error)
    }

    /// The policy document this engine decides with, as an object.
    pub fn policy(&self) -> JsResult<JsValue> {
        to_js(&self.policy)
    }

    /// Decide one action attempt.
    pub fn evaluate(&self, request: JsValue) -> JsResult<JsValue> {
        // Histories given as bytes were validated while decoding; the core does not check them again.
        let (request, decoded) = from_js_decoded::<EvaluateRequest>(&request, "request", "")?;
        let known = Prevalidated { history: decoded.contains(&"history"), source_history: decoded.contains(&"sourceHistory") };
        crate::risk::evaluate_prevalidated(&self.policy, &request, known).map_err(error).and_then(|decision| to_js(&decision))
    }

    /// Decide one recovery attempt: channels offered, budget, grant, holds, notifications.
    #[wasm_bindgen(js_name = evaluateRecovery)]
    pub fn evaluate_recovery(&self, request: JsValue) -> JsResult<JsValue> {
        self.decide(&request, crate::evaluate_recovery)
    }

    /// Decide one change of a credential or identifier (email, phone, MFA, password, payout destination).
    #[wasm_bindgen(js_name = evaluateChange)]
    pub fn evaluate_change(&self, request: JsValue) -> JsResult<JsValue> {
        self.decide(&request, crate::evaluate_change)
    }

    /// Mint a step-up grant (HS256 JWS) proving `sub` stepped up for `action`.
    #[wasm_bindgen(js_name = mintStepUpGrant)]
    pub fn mint_step_up_grant(&self, keys: &TokenKeys, request: JsValue) -> JsResult<JsValue> {
        self.with_keys(keys, &request, token::mint_step_up_grant)
    }

    /// Mint a recovery ticket carrying the grant of an `evaluateRecovery` decision.
    #[wasm_bindgen(js_name = mintRecoveryTicket)]
    pub fn mint_recovery_ticket(&self, keys: &TokenKeys, request: JsValue) -> JsResult<JsValue> {
        self.with_keys(keys, &request, token::mint_recovery_ticket)
    }

    /// Verify a token: signature, purpose, audience, subject, scope, lifetime, revocation and
    /// supersession by the account's history. Returns the claims.
    #[wasm_bindgen(js_name = verifyToken)]
    pub fn verify_token(&self, keys: &TokenKeys, request: JsValue) -> JsResult<JsValue> {
        self.with_keys(keys, &request, token::verify)
    }

    /// The pure reducer: `history` (bytes, the JSON form, or null for none) with `event`
    /// added, aged and bounded by this policy. Returns the new history as bytes.
    pub fn record(&self, history: JsValue, event: JsValue) -> JsResult<Uint8Array> {
        // history_from_js validates whatever it returns (decoded bytes or the checked JSON form).
        let history = history_from_js(&history, "/history").map_err(error)?;
        let event: Event = from_js(&event, "event", "/event")?;
        let next = state::record_validated(&self.policy, &history, &event).map_err(error)?;
        Ok(Uint8Array::from(state::encode(&next).as_slice()))
    }
}

impl PolicyEngine {
    /// Read the request, let the core decide, return the decision as an object.
    fn decide<Req: Argument, Res: Serialize>(
        &self,
        request: &JsValue,
        core: fn(&Policy, &Req) -> crate::error::Result<Res>,
    ) -> JsResult<JsValue> {
        let request: Req = from_js(request, "request", "")?;
        core(&self.policy, &request).map_err(error).and_then(|decision| to_js(&decision))
    }

    /// The same for calls that also need the host's keys.
    fn with_keys<Req: Argument, Res: Serialize>(
        &self,
        keys: &TokenKeys,
        request: &JsValue,
        core: fn(&Policy, &KeySet, &Req) -> crate::error::Result<Res>,
    ) -> JsResult<JsValue> {
        let request: Req = from_js(request, "request", "")?;
        core(&self.policy, &keys.keys, &request).map_err(error).and_then(|result| to_js(&result))
    }
}

/// The host's HMAC keys for tokens (one signs, all verify), checked once.
#[wasm_bindgen(js_name = KeySet)]
pub struct TokenKeys {
    keys: KeySet,
}

#[wasm_bindgen(js_class = KeySet)]
impl TokenKeys {
    /// Keys from `{ signing, keys: [{ kid, secret }] }`, secrets unpadded base64url of at least 32 bytes.
    #[wasm_bindgen(constructor)]
    pub fn new(spec: JsValue) -> JsResult<TokenKeys> {
        let spec: KeySetSpec = from_js(&spec, "key set", "")?;
        KeySet::from_spec(&spec).map(|keys| TokenKeys { keys }).map_err(error)
    }

    /// The kid of the signing key.
    #[wasm_bindgen(getter, js_name = signingKid)]
    pub fn signing_kid(&self) -> String {
        self.keys.signing_kid().to_string()
    }
}

/// `count` (1–20) fresh recovery codes like `K7QM-3XRD-9PTA-W2HC`, from the platform's
/// `crypto.getRandomValues`. Show them once; store only their hashes.
#[wasm_bindgen(js_name = generateRecoveryCodes)]
pub fn generate_recovery_codes(count: u32) -> JsResult<Vec<String>> {
    codes::generate(usize::try_from(count).unwrap_or(usize::MAX)).map_err(error)
}

/// The storage hash of a recovery code under the host's pepper.
#[wasm_bindgen(js_name = hashRecoveryCode)]
pub fn hash_recovery_code(code: &str, pepper: &[u8]) -> JsResult<String> {
    codes::hash(code, pepper).map_err(error)
}

/// Whether a typed recovery code matches a stored hash (constant time).
#[wasm_bindgen(js_name = verifyRecoveryCode)]
pub fn verify_recovery_code(code: &str, stored_hash: &str, pepper: &[u8]) -> bool {
    codes::verify(code, stored_hash, pepper)
}

/// Names of the built-in presets, customer presets first.
#[wasm_bindgen]
pub fn presets() -> Vec<String> {
    presets::names().into_iter().map(String::from).collect()
}

/// The JSON text of a built-in preset, to start a custom policy from.
#[wasm_bindgen(js_name = presetJson)]
pub fn preset_json(name: &str) -> JsResult<String> {
    presets::json(name).map(String::from).map_err(policy_error)
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::version().to_string()
}

/// The JSON form of a history held as bytes (for logs, debugging and migrations).
#[wasm_bindgen(js_name = decodeHistory)]
pub fn decode_history(bytes: &[u8]) -> JsResult<JsValue> {
    state::decode(bytes).map_err(error).and_then(|history| to_js(&history))
}

/// The byte form of a history given in its JSON form (validated first).
#[wasm_bindgen(js_name = encodeHistory)]
pub fn encode_history(history: JsValue) -> JsResult<Uint8Array> {
    let history = history_from_js(&history, "/history").map_err(error)?;
    Ok(Uint8Array::from(state::encode(&history).as_slice()))
}

/// Read a call's argument: histories given as bytes are decoded first, then the rest is read
/// from its JSON text with the core's serde types (unknown fields rejected, coded errors with
/// paths) and the decoded histories put in place. `base` is the JSON path the argument's own
/// errors are reported under (`""` for a request).
fn from_js<T: Argument>(value: &JsValue, what: &str, base: &str) -> JsResult<T> {
    from_js_decoded(value, what, base).map(|(argument, _)| argument)
}

/// [`from_js`], also naming the fields whose histories were decoded from bytes.
fn from_js_decoded<T: Argument>(value: &JsValue, what: &str, base: &str) -> JsResult<(T, Vec<&'static str>)> {
    let parsed = if value.is_undefined() || value.is_null() {
        Err(Error::new(ErrorCode::MissingField, base, format!("pass the {what} as an object")))
    } else if value.is_array() || !value.is_object() {
        // serde would read a struct from an array positionally; arguments here are objects.
        Err(Error::new(ErrorCode::InvalidType, base, format!("pass the {what} as an object")))
    } else {
        read_argument(value).map_err(|e| e.nested_under(base))
    };
    parsed.map_err(error)
}

/// An object argument: byte histories decoded, the rest parsed from its JSON text, then the
/// histories put in place (so they never go through JSON at all).
fn read_argument<T: Argument>(value: &JsValue) -> Result<(T, Vec<&'static str>), Error> {
    let mut decoded = Vec::new();
    for field in T::HISTORY_FIELDS {
        let Ok(item) = Reflect::get(value, &JsValue::from_str(field)) else { continue };
        if let Some(bytes) = item.dyn_ref::<Uint8Array>() {
            let history = state::decode(&bytes.to_vec()).map_err(|e| rebase(e, "/history", &format!("/{field}")))?;
            decoded.push((*field, history));
        }
    }
    let text = if decoded.is_empty() {
        to_json(value)?
    } else {
        // The caller's object stays untouched: the byte fields are left out of a shallow copy.
        let copy = Object::assign(&Object::new(), &Object::from(value.clone()));
        for (field, _) in &decoded {
            // Deleting an own property of a plain copy cannot fail.
            let _ = Reflect::delete_property(&copy, &JsValue::from_str(field));
        }
        to_json(&copy)?
    };
    let mut argument: T = crate::json::from_str(&text)?;
    let mut fields = Vec::with_capacity(decoded.len());
    for (field, history) in decoded {
        argument.set_history(field, history);
        fields.push(field);
    }
    Ok((argument, fields))
}

/// A history argument: `null`/`undefined` (none yet), bytes, or the JSON form.
fn history_from_js(value: &JsValue, path: &str) -> Result<History, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(History::new());
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return state::decode(&bytes.to_vec()).map_err(|e| rebase(e, "/history", path));
    }
    if value.is_array() || !value.is_object() {
        return Err(Error::new(ErrorCode::InvalidType, path, "pass a history as the Uint8Array record() returned, its JSON form, or null"));
    }
    let history: History = crate::json::from_str(&to_json(value)?).map_err(|e| e.nested_under(path))?;
    history.validate(path)?;
    Ok(history)
}

/// Any JS value as JSON text, through `JSON.stringify` (so `undefined` fields are absent and
/// `toJSON` is honoured). Values JSON cannot hold (BigInt, cycles, functions) are errors.
fn to_json(value: &JsValue) -> Result<String, Error> {
    let text = JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| Error::new(ErrorCode::InvalidType, "", "the value cannot be represented as JSON (BigInt, cycle or function?)"))?;
    if text.len() > crate::json::MAX_JSON_BYTES {
        return Err(Error::new(
            ErrorCode::TooLong,
            "",
            format!("the value is {} bytes as JSON; the limit is {}", text.len(), crate::json::MAX_JSON_BYTES),
        ));
    }
    Ok(text)
}

/// A serializable result as a plain JS object.
///
/// Built directly by serde-wasm-bindgen in its JSON-compatible mode (plain objects, `null` for
/// unit): the same object `JSON.parse` would give for the JSON text, about 2.5× faster than
/// writing the text and parsing it (measured with `npm run bench`; see the README).
fn to_js<T: Serialize>(value: &T) -> JsResult<JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| error(Error::new(ErrorCode::InvalidType, "", e.to_string())))
}

/// Move problems found under `from` (the decoder's path) to `to` (where the caller put the history).
fn rebase(error: Error, from: &str, to: &str) -> Error {
    let moved: Vec<Problem> = error
        .problems()
        .map(|p| {
            let rest = p.path.strip_prefix(from).unwrap_or(&p.path);
            Problem::new(p.code, format!("{to}{rest}"), p.message.clone())
        })
        .collect();
    Error::from_problems(moved).unwrap_or(error)
}

fn error(error: Error) -> JsValue {
    throwable(false, &error)
}

fn policy_error(error: Error) -> JsValue {
    throwable(true, &error)
}

fn throwable(policy: bool, error: &Error) -> JsValue {
    let problems: Vec<&Problem> = error.problems().collect();
    let problems = serde_json::to_string(&problems).ok().and_then(|text| JSON::parse(&text).ok()).unwrap_or(JsValue::NULL);
    make_error(policy, error.code().as_str(), error.path(), &error.to_string(), problems)
}
