//! The bindings in a real browser: wasm-bindgen-test in headless Chromium (run by
//! scripts/test.sh with `wasm-bindgen-test-runner` and Debian's chromedriver). These call
//! `src/wasm.rs` exactly as JavaScript does — JS objects in, JS objects or thrown errors out.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::wasm::{decode_history, presets, version, PolicyEngine};
use js_sys::{Array, Error as JsError, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const NOW: i64 = 1_800_000_000;

fn js(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn text(value: &JsValue, key: &str) -> String {
    get(value, key).as_string().unwrap_or_default()
}

fn payout() -> JsValue {
    js(r#"{"now": 1800000000, "action": "payout", "device": {"id": "phone-1"},
        "session": {"aal": 1, "amr": ["pwd"], "authTime": 1799999000},
        "account": {"factors": ["sms", "password", "passkey"]},
        "transaction": {"amount": 120, "currency": "EUR"}}"#)
}

#[wasm_bindgen_test]
fn presets_and_version() {
    assert_eq!(presets(), vec!["ciam-retail", "ciam-fintech", "ciam-health", "workforce"]);
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn evaluate_matches_the_native_engine() {
    let engine = PolicyEngine::from_preset("ciam-retail").unwrap();
    let decision = engine.evaluate(payout()).unwrap();
    assert_eq!(text(&decision, "outcome"), "step_up");
    let factors: Array = get(&get(&decision, "stepUp"), "factors").dyn_into().unwrap();
    assert_eq!(factors.get(0).as_string().unwrap(), "passkey");

    let request: ciam_policy::EvaluateRequest = serde_json::from_str(&JSON::stringify(&payout()).unwrap().as_string().unwrap()).unwrap();
    let native = ciam_policy::evaluate(&ciam_policy::presets::load("ciam-retail").unwrap(), &request).unwrap();
    let from_js: serde_json::Value = serde_json::from_str(&JSON::stringify(&decision).unwrap().as_string().unwrap()).unwrap();
    assert_eq!(from_js, serde_json::to_value(&native).unwrap());
}

#[wasm_bindgen_test]
fn errors_are_coded_js_errors_and_the_engine_keeps_working() {
    let engine = PolicyEngine::from_preset("ciam-retail").unwrap();
    let before = JSON::stringify(&engine.evaluate(payout()).unwrap()).unwrap();
    for (request, code, path) in [
        (r#"{"now": 1800000000, "action": "teleport"}"#, "unknown_action", "/action"),
        (r#"{"now": "soon", "action": "login"}"#, "invalid_type", "/now"),
        (r#"{"now": 1800000000, "action": "login", "network": {"ipRisk": 900}}"#, "out_of_range", "/network/ipRisk"),
        (r#"[1, 2]"#, "invalid_type", ""),
    ] {
        let err = engine.evaluate(js(request)).unwrap_err();
        assert!(err.is_instance_of::<JsError>(), "{request}: not an Error");
        assert_eq!(text(&err, "name"), "CiamError");
        assert_eq!(text(&err, "code"), code, "{request}");
        assert_eq!(text(&err, "path"), path, "{request}");
        assert_eq!(JSON::stringify(&engine.evaluate(payout()).unwrap()).unwrap(), before);
    }
}

#[wasm_bindgen_test]
fn an_invalid_policy_lists_every_problem() {
    let preset = ciam_policy::presets::json("ciam-retail").unwrap();
    let mut policy: serde_json::Value = serde_json::from_str(preset).unwrap();
    policy["currency"] = "euro".into();
    policy["acrValues"]["aal2"] = "".into();
    let err = PolicyEngine::new(js(&policy.to_string())).err().unwrap();
    assert_eq!(text(&err, "name"), "PolicyError");
    let problems: Array = get(&err, "problems").dyn_into().unwrap();
    assert!(problems.length() >= 2, "{} problems", problems.length());
    let err = PolicyEngine::new(JsValue::from_str("{ nope")).err().unwrap();
    assert_eq!(text(&err, "code"), "invalid_json");
}

#[wasm_bindgen_test]
fn history_crosses_as_bytes() {
    let engine = PolicyEngine::from_preset("ciam-retail").unwrap();
    let event = js(r#"{"type": "sign_in_success", "at": 1799900000, "deviceId": "phone-1", "country": "DE"}"#);
    let bytes: Uint8Array = engine.record(JsValue::NULL, event).unwrap();
    assert_eq!(&bytes.to_vec()[..2], b"CH");
    let history = decode_history(&bytes.to_vec()).unwrap();
    assert_eq!(get(&history, "lastSuccessAt").as_f64(), Some(1_799_900_000.0));

    let request = payout();
    Reflect::set(&request, &JsValue::from_str("history"), &bytes).unwrap();
    let decision = engine.evaluate(request).unwrap();
    assert_eq!(text(&decision, "outcome"), "step_up");

    let err = engine.record(Uint8Array::from(&[1u8, 2, 3][..]).into(), js(r#"{"type": "unlock", "at": 1}"#)).unwrap_err();
    assert_eq!(text(&err, "code"), "invalid_history");
    let _ = NOW;
}
