//! The JavaScript boundary's side of every call, in plain Rust: requests arrive as a packed
//! buffer ([`packed`]) or as JSON text with histories as bytes, results leave as the buffers
//! of [`output::Output`]. `src/wasm.rs` only moves these buffers in and out of JavaScript;
//! keeping the rest here lets native tests check that the packed and the JSON paths agree.
//!
//! Every call returns a [`Status`] and never panics on any input: each problem becomes an
//! error value with a code and a JSON path.

pub mod output;
pub mod packed;

pub use output::{Output, Status};

use crate::api::{Attempt, ChangeRequest, EvaluateRequest, RecoveryRequest, VerifyRequest};
use crate::error::{Error, ErrorCode, Result};
use crate::recovery::Histories;
use crate::state::{self, EventRef, History, HistoryRef, ViewStorage};
use crate::token::KeySet;
use crate::{Event, Policy};

/// Decide a packed request ([`packed`]). Anything that does not fit the layout, or that the
/// checks reject, is [`Status::Retry`]: the JS side then sends the request as JSON text, so
/// every error comes from one place, with its exact code and path.
pub fn evaluate_packed(policy: &Policy, buffer: &[u8], out: &mut Output) -> Status {
    let mut lists = packed::Lists::default();
    let Some(mut attempt) = packed::read(buffer, &mut lists) else { return Status::Retry };
    if let Some(session) = attempt.session.as_mut() {
        session.amr = lists.amr.get(..lists.amr_len).unwrap_or_default();
    }
    if let Some(account) = attempt.account.as_mut() {
        account.factors = lists.factors.get(..lists.factors_len).unwrap_or_default();
    }
    let (mut history, mut source) = (ViewStorage::default(), ViewStorage::default());
    let decided = attach(&mut attempt, lists.history, &mut history, lists.source_history, &mut source)
        .and_then(|()| attempt.check_fields())
        .and_then(|()| crate::risk::decide(policy, &attempt));
    match decided {
        Ok(decision) => out.decision(&decision),
        Err(_) => Status::Retry,
    }
}

/// Decide a request given as JSON text, with its histories as bytes when the caller had
/// them as bytes (then the text has no such field). The same checks, in the same order, as
/// [`crate::evaluate`]: fields, then histories.
pub fn evaluate_text(policy: &Policy, text: &str, history: Option<&[u8]>, source: Option<&[u8]>, out: &mut Output) -> Status {
    let decided = EvaluateRequest::from_json(text).and_then(|request| {
        request.with_attempt(|attempt| {
            attempt.check_fields()?;
            validate_owned(&request)?;
            let mut attempt = *attempt;
            let (mut history_storage, mut source_storage) = (ViewStorage::default(), ViewStorage::default());
            attach(&mut attempt, history, &mut history_storage, source, &mut source_storage)?;
            crate::risk::decide(policy, &attempt).map(|decision| out.decision(&decision))
        })
    });
    decided.unwrap_or_else(|error| out.error(&error, false))
}

fn validate_owned(request: &EvaluateRequest) -> Result<()> {
    for (path, history) in [("/history", &request.history), ("/sourceHistory", &request.source_history)] {
        if let Some(history) = history {
            history.validate(path)?;
        }
    }
    Ok(())
}

/// View the histories given as bytes in `attempt` (validated; encoding 2 is read in place).
fn attach<'a>(
    attempt: &mut Attempt<'a>,
    history: Option<&'a [u8]>,
    history_storage: &'a mut ViewStorage<'a>,
    source: Option<&'a [u8]>,
    source_storage: &'a mut ViewStorage<'a>,
) -> Result<()> {
    if let Some(bytes) = history {
        attempt.history = Some(state::view(bytes, history_storage)?);
    }
    if let Some(bytes) = source {
        attempt.source_history = Some(state::view(bytes, source_storage).map_err(|e| rebase(e, "/sourceHistory"))?);
    }
    Ok(())
}

/// Decode bytes as a history whose JSON path is `path`.
fn decode_at<'a>(bytes: &'a [u8], path: &str, events: &mut Vec<EventRef<'a>>) -> Result<Option<i64>> {
    state::decode_refs(bytes, events).map_err(|e| rebase(e, path))
}

/// Move problems the decoder reports under `/history` to `path`.
fn rebase(error: Error, path: &str) -> Error {
    if path == "/history" {
        return error;
    }
    let moved = error
        .problems()
        .map(|p| crate::Problem::new(p.code, crate::text!(path, p.path.strip_prefix("/history").unwrap_or(&p.path)), p.message.clone()))
        .collect();
    Error::from_problems(moved).unwrap_or(error)
}

/// Fill `events` from a history given as bytes, or else from one given in JSON form
/// (validated); `Some(lastSuccessAt)` when there is a history at all.
fn load<'a>(
    bytes: Option<&'a [u8]>,
    owned: Option<&'a History>,
    path: &str,
    events: &mut Vec<EventRef<'a>>,
) -> Result<Option<Option<i64>>> {
    if let Some(bytes) = bytes {
        return decode_at(bytes, path, events).map(Some);
    }
    let Some(history) = owned else { return Ok(None) };
    history.validate(path)?;
    events.extend(history.events.iter().map(Event::as_ref));
    Ok(Some(history.last_success_at))
}

/// `evaluateRecovery` from JSON text and byte histories.
pub fn evaluate_recovery(policy: &Policy, text: &str, history: Option<&[u8]>, source: Option<&[u8]>, out: &mut Output) -> Status {
    let result = RecoveryRequest::from_json(text).and_then(|request| {
        request.validate_fields()?;
        let (mut account_events, mut source_events) = (Vec::new(), Vec::new());
        let account = load(history, request.history.as_ref(), "/history", &mut account_events)?;
        let source = load(source, request.source_history.as_ref(), "/sourceHistory", &mut source_events)?;
        let histories = Histories {
            account: account.map(|last_success_at| HistoryRef::new(last_success_at, &account_events)),
            source: source.map(|last_success_at| HistoryRef::new(last_success_at, &source_events)),
        };
        crate::recovery::recover(policy, &request, histories).map(|decision| out.value(&decision))
    });
    result.unwrap_or_else(|error| out.error(&error, false))
}

/// `evaluateChange` from JSON text and a byte history.
pub fn evaluate_change(policy: &Policy, text: &str, history: Option<&[u8]>, out: &mut Output) -> Status {
    let result = ChangeRequest::from_json(text).and_then(|request| {
        request.validate_fields()?;
        let mut events = Vec::new();
        let last_success_at = load(history, request.history.as_ref(), "/history", &mut events)?.flatten();
        crate::recovery::decide_change(policy, &request, HistoryRef::new(last_success_at, &events)).map(|decision| out.value(&decision))
    });
    result.unwrap_or_else(|error| out.error(&error, false))
}

/// A history argument: none, bytes, or the JSON form as text.
#[derive(Debug, Clone, Copy)]
pub enum HistoryArg<'a> {
    /// No history yet.
    None,
    /// The bytes `record` returned.
    Bytes(&'a [u8]),
    /// The JSON form, as text.
    Json(&'a str),
}

impl<'a> HistoryArg<'a> {
    /// The owned history of a JSON-form argument (with `/history` paths on errors).
    fn owned(self) -> Result<Option<History>> {
        match self {
            HistoryArg::Json(text) => crate::json::from_str::<History>(text).map(Some).map_err(|e| e.nested_under("/history")),
            _ => Ok(None),
        }
    }

    fn bytes(self) -> Option<&'a [u8]> {
        match self {
            HistoryArg::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }
}

/// The pure reducer: the history with the event (JSON text) added, as bytes. The history is
/// checked first, then the event.
pub fn record(policy: &Policy, history: HistoryArg<'_>, event: &str, out: &mut Output) -> Status {
    match record_bytes(policy, history, event) {
        Ok(bytes) => out.set_bytes(&bytes),
        Err(error) => out.error(&error, false),
    }
}

fn record_bytes(policy: &Policy, history: HistoryArg<'_>, event: &str) -> Result<Vec<u8>> {
    let owned = history.owned()?;
    let mut events = Vec::new();
    let last_success_at = load(history.bytes(), owned.as_ref(), "/history", &mut events)?.flatten();
    let event: Event = crate::json::from_str(event).map_err(|e| e.nested_under("/event"))?;
    let (last_success_at, next) = state::record_refs(policy, HistoryRef::new(last_success_at, &events), event.as_ref())?;
    Ok(state::encode_refs(last_success_at, &next))
}

/// A history (bytes or JSON text) in its JSON form, or as bytes when `to_bytes`.
pub fn convert_history(history: HistoryArg<'_>, to_bytes: bool, out: &mut Output) -> Status {
    let converted = match history {
        HistoryArg::None => Ok(History::new()),
        HistoryArg::Bytes(bytes) => state::decode(bytes),
        HistoryArg::Json(_) => history.owned().and_then(|h| {
            let h = h.unwrap_or_default();
            h.validate("/history").map(|()| h)
        }),
    };
    match converted {
        Ok(history) if to_bytes => out.set_bytes(&state::encode(&history)),
        Ok(history) => out.value(&history),
        Err(error) => out.error(&error, false),
    }
}

/// Verify a token (JSON text), its history as bytes when given so.
pub fn verify_token(policy: &Policy, keys: &KeySet, text: &str, history: Option<&[u8]>, out: &mut Output) -> Status {
    let result = crate::json::from_str::<VerifyRequest>(text).and_then(|request| {
        // Bytes are read in place, as for a decision (the check only needs each event's kind
        // and time); a history in its JSON form is validated and viewed.
        let mut storage = ViewStorage::default();
        let mut events = Vec::new();
        let history = match history {
            Some(bytes) => Some(state::view(bytes, &mut storage)?),
            None => load(None, request.history.as_ref(), "/history", &mut events)?.map(|last| HistoryRef::new(last, &events)),
        };
        crate::token::verify_with(policy, keys, &request, history.as_ref()).map(|claims| out.value(&claims))
    });
    result.unwrap_or_else(|error| out.error(&error, false))
}

/// Read JSON text as `T`, or write the error.
pub fn read<T: crate::json::FromJson>(text: &str, out: &mut Output) -> core::result::Result<T, Status> {
    crate::json::from_str(text).map_err(|error| out.error(&error, false))
}

/// An error for a call given something it cannot use at all.
pub fn misuse(message: &str, out: &mut Output) -> Status {
    out.error(&Error::new(ErrorCode::InvalidType, "", message), false)
}

/// The names the decision layout sends as indices, each list in declaration order (the
/// order of `ALL`): `{outcomes, levels, reasons, factors}`.
pub struct Names;

impl crate::json::ToJson for Names {
    fn write_json(&self, w: &mut dyn crate::json::JsonWriter) {
        w.begin_object();
        w.key("outcomes");
        crate::Outcome::ALL.as_slice().write_json(w);
        w.key("levels");
        crate::api::RiskLevel::ALL.as_slice().write_json(w);
        w.key("reasons");
        crate::ReasonCode::ALL.as_slice().write_json(w);
        w.key("factors");
        crate::Factor::ALL.as_slice().write_json(w);
        w.end_object();
    }
}
