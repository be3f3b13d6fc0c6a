//! # ciam-policy
//!
//! Customer-identity decisions, locally and in microseconds: for one action attempt,
//! [`evaluate`] answers allow, step up (which assurance, which factors, as an RFC 9470
//! challenge), throttle (retry after N seconds) or deny — and why, with stable reason codes.
//!
//! The engine is pure: time is an argument, there is no clock and no global state, and the
//! same input gives the same decision natively and in WebAssembly. Per-account history is
//! a value the host stores and passes back, updated by the reducer [`record`].
//!
//! ```
//! use ciam_policy::{evaluate, presets, EvaluateRequest, Outcome};
//! let policy = presets::load("ciam-retail").unwrap();
//! let request = EvaluateRequest::from_json(r#"{"now": 1800000000, "action": "payout",
//!     "session": {"aal": 1, "amr": ["pwd"], "authTime": 1799999000},
//!     "account": {"factors": ["password", "passkey", "sms"]}}"#).unwrap();
//! let decision = evaluate(&policy, &request).unwrap();
//! assert_eq!(decision.outcome, Outcome::StepUp);
//! assert_eq!(decision.step_up.unwrap().factors[0].as_str(), "passkey");
//! ```
#![warn(missing_docs)]

pub mod api;
pub mod boundary;
pub mod collections;
pub mod error;
pub mod json;
pub mod policy;
pub mod recovery;
pub mod risk;
pub mod signals;
pub mod state;
pub mod text;
pub mod token;
mod trig;
pub mod validate;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use api::{
    Attempt, ChangeDecision, ChangeRequest, Decision, EvaluateRequest, Lost, Minted, RecoveryAccount, RecoveryDecision, RecoveryGrant,
    RecoveryRequest, VerifyRequest,
};
pub use error::{Error, ErrorCode, Problem};
pub use json::{FromJson, ToJson};
pub use policy::recovery::{RecoveryChannel, RecoveryScope};
pub use policy::{presets, Factor, Outcome, Policy};
pub use recovery::{evaluate_change, evaluate_recovery, RecoveryReasonCode};
pub use risk::{evaluate, Challenge, Message, ReasonCode};
pub use state::{record, ChangeKind, Event, EventRef, EventType, History, HistoryRef};
pub use token::{mint_recovery_ticket, mint_step_up_grant, verify as verify_token, Claims, KeySet, Purpose};

/// The crate version, as reported by `version()` in JavaScript.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

// The wasm allocator: talc instead of the standard library's dlmalloc, smaller and faster
// (measured in `bench/README.md`); the module is single-threaded.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
