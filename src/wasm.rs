//! The WebAssembly bindings: the only module that knows about JavaScript. It moves bytes in
//! and out and forwards to [`crate::boundary`]; `pkg-templates/api.js` turns the results into
//! the package's public API (`PolicyEngine`, `KeySet`, the functions, the error classes).
//!
//! Why so bare: every argument crosses as numbers (offsets into one input buffer the JS side
//! fills) and every result as the buffers of [`Output`], read by JS through the memory. That
//! keeps the glue tiny and a decision to one call with no string conversion on either side.

use crate::api::PolicyRef;
use crate::boundary::{self, HistoryArg, Output, Status};
use crate::token::{codes, KeySet};
use crate::{presets, Policy};
use std::borrow::Cow;
use wasm_bindgen::prelude::*;

/// The call buffers: the input the JS side writes before a call, and the last call's
/// output with its header. One per loaded module, shared by every engine.
#[wasm_bindgen]
#[derive(Default)]
pub struct Io {
    input: Vec<u8>,
    out: Output,
    /// status, then address and length of: words, nums, text, bytes.
    header: [u32; 9],
}

#[wasm_bindgen]
impl Io {
    /// Empty buffers.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Io {
        Io::default()
    }

    /// Make the input at least `len` bytes long; returns its address (which moves when it grows).
    pub fn input(&mut self, len: u32) -> u32 {
        let len = usize::try_from(len).unwrap_or(0);
        if self.input.len() < len {
            self.input.resize(len, 0);
        }
        address(self.input.as_ptr())
    }

    /// The address of the result header: the status, then address and length of the words,
    /// the numbers, the text and the bytes of the last call's output.
    pub fn header(&self) -> u32 {
        address(self.header.as_ptr().cast())
    }
}

impl Io {
    fn slice(&self, offset: u32, len: u32) -> &[u8] {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(len).unwrap_or(0));
        self.input.get(start..end).unwrap_or_default()
    }

    fn text(&self, offset: u32, len: u32) -> Cow<'_, str> {
        utf8(self.slice(offset, len))
    }

    fn bytes(&self, offset: u32, len: u32) -> Option<&[u8]> {
        (len > 0 || offset > 0).then(|| self.slice(offset, len))
    }

    /// Run `call` with the input and the output, then fill the header.
    fn run(&mut self, call: impl FnOnce(&[u8], &mut Output) -> Status) -> u32 {
        let status = call(&self.input, &mut self.out);
        let o = &self.out;
        self.header = [
            status as u32,
            address(o.words.as_ptr().cast()),
            length(o.words.len()),
            address(o.nums.as_ptr().cast()),
            length(o.nums.len()),
            address(o.text.as_ptr()),
            length(o.text.len()),
            address(o.bytes.as_ptr()),
            length(o.bytes.len()),
        ];
        status as u32
    }
}

fn address(pointer: *const u8) -> u32 {
    // wasm32 addresses are 32 bits.
    u32::try_from(pointer as usize).unwrap_or(0)
}

fn length(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Slice of the input between two offsets given by the caller.
fn part(input: &[u8], offset: u32, len: u32) -> &[u8] {
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    input.get(start..start.saturating_add(usize::try_from(len).unwrap_or(0))).unwrap_or_default()
}

fn part_text(input: &[u8], offset: u32, len: u32) -> Cow<'_, str> {
    utf8(part(input, offset, len))
}

/// Text from the JS side. It writes with `TextEncoder`, which replaces a lone surrogate by
/// U+FFFD; bytes that are not UTF-8 are read the same way rather than dropped, so they reach
/// the readers (and their errors) as what they are closest to.
fn utf8(bytes: &[u8]) -> Cow<'_, str> {
    // `from_utf8` first: valid text (always, from `TextEncoder`) is checked several times
    // faster than by the lossy reader's chunk iterator, which is left for the rare rest.
    match core::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A history argument: kind 0 none, 1 bytes, 2 JSON text, passed on to `call`.
fn with_history<R>(input: &[u8], kind: u32, offset: u32, len: u32, call: impl FnOnce(HistoryArg<'_>) -> R) -> R {
    match kind {
        1 => call(HistoryArg::Bytes(part(input, offset, len))),
        2 => call(HistoryArg::Json(&part_text(input, offset, len))),
        _ => call(HistoryArg::None),
    }
}

/// Optional bytes: absent unless `present` (an empty `Uint8Array` is present and empty, and
/// fails to decode as a history, as it should).
fn optional_part(input: &[u8], present: bool, offset: u32, len: u32) -> Option<&[u8]> {
    present.then(|| part(input, offset, len))
}

/// A policy, parsed and validated once, answering any number of calls.
#[wasm_bindgen]
pub struct Engine {
    policy: Policy,
}

#[wasm_bindgen]
impl Engine {
    /// An engine for the policy in the input (`len` bytes of JSON text), with its name and
    /// version in the output (the JS side keeps them for its decisions), or nothing with a
    /// policy error in the output.
    pub fn create(io: &mut Io, len: u32) -> Option<Engine> {
        let mut engine = None;
        io.run(|input, out| match Policy::from_json(&part_text(input, 0, len)) {
            Ok(policy) => {
                let status = out.value(&PolicyRef { name: &policy.name, version: &policy.revision });
                engine = Some(Engine { policy });
                status
            }
            Err(error) => out.error(&error, true),
        });
        engine
    }

    /// An engine for the built-in preset named by the input, with its name and version in the
    /// output, or nothing with a policy error in the output.
    pub fn preset(io: &mut Io, len: u32) -> Option<Engine> {
        let mut engine = None;
        io.run(|input, out| match presets::load(&part_text(input, 0, len)) {
            Ok(policy) => {
                let status = out.value(&PolicyRef { name: &policy.name, version: &policy.revision });
                engine = Some(Engine { policy });
                status
            }
            Err(error) => out.error(&error, true),
        });
        engine
    }

    /// Decide the packed request at `at` in the input (see [`boundary::packed`]; the JS side
    /// aligns it to 8 bytes).
    pub fn evaluate(&self, io: &mut Io, at: u32, len: u32) -> u32 {
        io.run(|input, out| boundary::evaluate_packed(&self.policy, part(input, at, len), out))
    }

    /// Decide a request given as JSON text, histories given as bytes beside it.
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate_text(&self, io: &mut Io, len: u32, history: bool, h_at: u32, h_len: u32, source: bool, s_at: u32, s_len: u32) -> u32 {
        io.run(|input, out| {
            let (h, s) = (optional_part(input, history, h_at, h_len), optional_part(input, source, s_at, s_len));
            boundary::evaluate_text(&self.policy, &part_text(input, 0, len), h, s, out)
        })
    }

    /// `evaluateRecovery`.
    #[allow(clippy::too_many_arguments)]
    pub fn recovery(&self, io: &mut Io, len: u32, history: bool, h_at: u32, h_len: u32, source: bool, s_at: u32, s_len: u32) -> u32 {
        io.run(|input, out| {
            let (h, s) = (optional_part(input, history, h_at, h_len), optional_part(input, source, s_at, s_len));
            boundary::evaluate_recovery(&self.policy, &part_text(input, 0, len), h, s, out)
        })
    }

    /// `evaluateChange`.
    pub fn change(&self, io: &mut Io, len: u32, history: bool, h_at: u32, h_len: u32) -> u32 {
        io.run(|input, out| {
            boundary::evaluate_change(&self.policy, &part_text(input, 0, len), optional_part(input, history, h_at, h_len), out)
        })
    }

    /// `record`: the history (kind 0 none, 1 bytes, 2 JSON text) with the event (JSON text) added.
    pub fn record(&self, io: &mut Io, kind: u32, h_at: u32, h_len: u32, e_at: u32, e_len: u32) -> u32 {
        io.run(|input, out| {
            with_history(input, kind, h_at, h_len, |history| boundary::record(&self.policy, history, &part_text(input, e_at, e_len), out))
        })
    }

    /// The policy document, as a value.
    pub fn policy(&self, io: &mut Io) -> u32 {
        io.run(|_, out| out.value(&self.policy))
    }

    /// Mint a step-up grant (request as JSON text).
    pub fn mint_step_up_grant(&self, io: &mut Io, keys: &Keys, len: u32) -> u32 {
        io.run(|input, out| match boundary::read(&part_text(input, 0, len), out) {
            Ok(request) => match crate::token::mint_step_up_grant(&self.policy, &keys.keys, &request) {
                Ok(minted) => out.value(&minted),
                Err(error) => out.error(&error, false),
            },
            Err(status) => status,
        })
    }

    /// Mint a recovery ticket (request as JSON text).
    pub fn mint_recovery_ticket(&self, io: &mut Io, keys: &Keys, len: u32) -> u32 {
        io.run(|input, out| match boundary::read(&part_text(input, 0, len), out) {
            Ok(request) => match crate::token::mint_recovery_ticket(&self.policy, &keys.keys, &request) {
                Ok(minted) => out.value(&minted),
                Err(error) => out.error(&error, false),
            },
            Err(status) => status,
        })
    }

    /// Verify a token (request as JSON text, the history as bytes beside it).
    pub fn verify_token(&self, io: &mut Io, keys: &Keys, len: u32, history: bool, h_at: u32, h_len: u32) -> u32 {
        io.run(|input, out| {
            boundary::verify_token(&self.policy, &keys.keys, &part_text(input, 0, len), optional_part(input, history, h_at, h_len), out)
        })
    }
}

/// The host's token keys, checked once.
#[wasm_bindgen]
pub struct Keys {
    keys: KeySet,
}

#[wasm_bindgen]
impl Keys {
    /// Keys from the key-set spec in the input (JSON text), or nothing with an error in the output.
    pub fn create(io: &mut Io, len: u32) -> Option<Keys> {
        let mut keys = None;
        io.run(|input, out| match boundary::read::<crate::api::KeySetSpec>(&part_text(input, 0, len), out) {
            Ok(spec) => match KeySet::from_spec(&spec) {
                Ok(set) => {
                    keys = Some(Keys { keys: set });
                    out.value(&true)
                }
                Err(error) => out.error(&error, false),
            },
            Err(status) => status,
        });
        keys
    }

    /// The signing key's id, as a value.
    pub fn signing_kid(&self, io: &mut Io) -> u32 {
        io.run(|_, out| out.value(&self.keys.signing_kid()))
    }
}

/// The names the decision layout sends as indices, as a value:
/// `{outcomes, levels, reasons, factors}`, each in declaration order.
#[wasm_bindgen]
pub fn names(io: &mut Io) -> u32 {
    io.run(|_, out| out.value(&crate::boundary::Names))
}

/// The built-in presets' names, customer presets first.
#[wasm_bindgen]
pub fn presets(io: &mut Io) -> u32 {
    io.run(|_, out| out.value(&presets::names()))
}

/// The JSON text of the preset named by the input.
#[wasm_bindgen]
pub fn preset_json(io: &mut Io, len: u32) -> u32 {
    io.run(|input, out| match presets::json(&part_text(input, 0, len)) {
        Ok(text) => out.value(&text),
        Err(error) => out.error(&error, true),
    })
}

/// The crate version.
#[wasm_bindgen]
pub fn version(io: &mut Io) -> u32 {
    io.run(|_, out| out.value(&crate::version()))
}

/// A history (kind 1 bytes, 2 JSON text) in its JSON form, or as bytes when `to_bytes`.
#[wasm_bindgen]
pub fn convert_history(io: &mut Io, kind: u32, len: u32, to_bytes: bool) -> u32 {
    io.run(|input, out| with_history(input, kind, 0, len, |history| boundary::convert_history(history, to_bytes, out)))
}

/// `count` fresh recovery codes, as a value.
#[wasm_bindgen]
pub fn generate_recovery_codes(io: &mut Io, count: u32) -> u32 {
    io.run(|_, out| match codes::generate(usize::try_from(count).unwrap_or(usize::MAX)) {
        Ok(codes) => out.value(&codes),
        Err(error) => out.error(&error, false),
    })
}

/// The storage hash of the code (input `0..code_len`) under the pepper that follows it.
#[wasm_bindgen]
pub fn hash_recovery_code(io: &mut Io, code_len: u32, pepper_len: u32) -> u32 {
    io.run(|input, out| match codes::hash(&part_text(input, 0, code_len), part(input, code_len, pepper_len)) {
        Ok(hash) => out.value(&hash),
        Err(error) => out.error(&error, false),
    })
}

/// Whether the code matches the stored hash under the pepper (input: code, hash, pepper).
#[wasm_bindgen]
pub fn verify_recovery_code(io: &Io, code_len: u32, hash_len: u32, pepper_len: u32) -> bool {
    let code = io.text(0, code_len);
    let hash = io.text(code_len, hash_len);
    let pepper = io.bytes(code_len.saturating_add(hash_len), pepper_len).unwrap_or_default();
    codes::verify(&code, &hash, pepper)
}

/// A number literal the exact reader cannot convert, read by JavaScript's correctly rounded
/// `parseFloat` (see [`crate::json::number`]).
pub(crate) fn host_parse_number(literal: &str) -> f64 {
    parse_float(literal)
}

/// JavaScript's shortest text of a number (see [`crate::json::number`]).
pub(crate) fn host_number_text(value: f64) -> String {
    number_text(value)
}

// The three things the module asks of its host, imported directly rather than through js-sys:
// js-sys (with what it keeps alive in the module) was 4 KiB of the gzipped wasm.
#[wasm_bindgen]
extern "C" {
    /// `parseFloat(text)`.
    #[wasm_bindgen(js_name = parseFloat)]
    fn parse_float(text: &str) -> f64;
    /// `String(value)`: for a finite number, its shortest round-tripping decimal.
    #[wasm_bindgen(js_name = String)]
    fn number_text(value: f64) -> String;
    /// The Web Crypto API's secure random source (`globalThis.crypto`, in every supported
    /// runtime: browsers, workerd, Deno, the edge runtime, Node ≥ 20), filling the bytes in place.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(bytes: &mut [u8]) -> Result<(), JsValue>;
}

/// `getrandom`'s source in this build (see `src/token/random.rs`).
fn fill_random(bytes: &mut [u8]) -> Result<(), getrandom::Error> {
    // getRandomValues fills at most 65,536 bytes per call.
    for chunk in bytes.chunks_mut(65_536) {
        get_random_values(chunk).map_err(|_| getrandom::Error::UNSUPPORTED)?;
    }
    Ok(())
}
getrandom::register_custom_getrandom!(fill_random);
