//! The generic runner for `tests/cases/**/*.json`. A case is
//!
//! ```json
//! { "note": "why this case exists",
//!   "preset": "ciam-retail", "patch": { …RFC 7396 merge patch over the preset… }   (or "policy": {…})
//!   "call": "evaluate",                    (default; also "validatePolicy", "record")
//!   "history": [events…], "sourceHistory": [events…],   (recorded with record(), in order)
//!   "request": { … },
//!   "want": { … } }
//! ```
//!
//! `want` is matched against the call's JSON output: objects as subsets, everything else
//! exactly; `reasons` lists the reason codes in order, `reasonsInclude`/`reasonsExclude`
//! name codes that must / must not appear, `factors` is short for `stepUp.factors`, and
//! `error` matches `{code, path}` of a failed call (`problems` matches the full list).
//! With `CIAM_GOLDEN_OUT=<file>` the runner also writes every case's full output there, so
//! other runtimes can be compared against the native result.

use super::{from_value, to_value};
use ciam_policy::error::Error;
use ciam_policy::{
    evaluate, evaluate_change, evaluate_recovery, presets, record, ChangeRequest, EvaluateRequest, Event, History, Policy, RecoveryRequest,
};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// Every case file, sorted, recursively under `tests/cases`.
pub fn case_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    files
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
}

/// Run one case file; `Err` says what differed.
pub fn run_case(file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let case: Value = serde_json::from_str(&text).map_err(|e| format!("case is not JSON: {e}"))?;
    for key in ["note", "want"] {
        if case.get(key).is_none() {
            return Err(format!("case has no `{key}`"));
        }
    }
    let actual = case_output(&case)?;
    if let Ok(out) = std::env::var("CIAM_GOLDEN_OUT") {
        append_golden(&out, file, &actual);
    }
    check_want(&case["want"], &actual)
}

/// The JSON output of the case's call: the result, or `{"error": {code, path, message, problems}}`.
pub fn case_output(case: &Value) -> Result<Value, String> {
    let policy = match case_policy(case)? {
        Ok(policy) => policy,
        Err(error) => return Ok(error_json(&error)),
    };
    let call = case.get("call").and_then(Value::as_str).unwrap_or("evaluate");
    let history = match build_history(&policy, case.get("history")) {
        Ok(h) => h,
        Err(error) => return Ok(error_json(&error)),
    };
    let source_history = match build_history(&policy, case.get("sourceHistory")) {
        Ok(h) => h,
        Err(error) => return Ok(error_json(&error)),
    };
    match call {
        "validatePolicy" => Ok(json!({ "valid": true, "name": policy.name })),
        "record" => Ok(to_value(&history)),
        "evaluate" | "evaluateRecovery" | "evaluateChange" => {
            let mut request = case.get("request").cloned().ok_or("the case has no request")?;
            if let Some(object) = request.as_object_mut() {
                if !object.contains_key("history") && !history.events.is_empty() {
                    object.insert("history".into(), to_value(&history));
                }
                // A change decision reads the account's history only.
                if call != "evaluateChange" && !object.contains_key("sourceHistory") && !source_history.events.is_empty() {
                    object.insert("sourceHistory".into(), to_value(&source_history));
                }
            }
            let result = match call {
                "evaluateRecovery" => {
                    from_value::<RecoveryRequest>(&request).and_then(|r| evaluate_recovery(&policy, &r).map(|d| to_value(&d)))
                }
                "evaluateChange" => from_value::<ChangeRequest>(&request).and_then(|r| evaluate_change(&policy, &r).map(|d| to_value(&d))),
                _ => from_value::<EvaluateRequest>(&request).and_then(|r| evaluate(&policy, &r).map(|d| to_value(&d))),
            };
            Ok(result.unwrap_or_else(|error| error_json(&error)))
        }
        other => Err(format!("unknown call `{other}`")),
    }
}

fn case_policy(case: &Value) -> Result<Result<Policy, Error>, String> {
    if let Some(policy) = case.get("policy") {
        return Ok(Policy::from_json(&policy.to_string()));
    }
    let name = case.get("preset").and_then(Value::as_str).ok_or("case names neither `preset` nor `policy`")?;
    let text = presets::json(name).map_err(|e| e.to_string())?;
    let mut document: Value = serde_json::from_str(text).unwrap();
    if let Some(patch) = case.get("patch") {
        merge_patch(&mut document, patch);
    }
    Ok(Policy::from_json(&document.to_string()))
}

fn build_history(policy: &Policy, events: Option<&Value>) -> Result<History, Error> {
    let mut history = History::new();
    let Some(events) = events else { return Ok(history) };
    for (i, raw) in events.as_array().cloned().unwrap_or_default().into_iter().enumerate() {
        let event: Event = from_value(&raw).map_err(|e| e.nested_under(&format!("/history/{i}")))?;
        history = record(policy, &history, &event)?;
    }
    Ok(history)
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target_map = target.as_object_mut().unwrap();
    for (key, value) in patch_map {
        if value.is_null() {
            target_map.remove(key);
        } else {
            merge_patch(target_map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

pub fn error_json(error: &Error) -> Value {
    let problems: Vec<Value> = error.problems().map(|p| json!({ "code": p.code.as_str(), "path": p.path, "message": p.message })).collect();
    json!({ "error": { "code": error.code().as_str(), "path": error.path(), "message": error.message(), "problems": problems } })
}

fn check_want(want: &Value, actual: &Value) -> Result<(), String> {
    let want = want.as_object().ok_or("`want` must be an object")?;
    let mut diffs = Vec::new();
    if actual.get("error").is_some() && !want.contains_key("error") {
        return Err(format!("call failed: {}", actual["error"]));
    }
    let codes: Vec<&str> = actual
        .get("reasons")
        .and_then(Value::as_array)
        .map(|rs| rs.iter().filter_map(|r| r.get("code").and_then(Value::as_str)).collect())
        .unwrap_or_default();
    for (key, expected) in want {
        match key.as_str() {
            "reasons" => {
                let expected: Vec<&str> = expected.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                if expected != codes {
                    diffs.push(format!("reasons: want {expected:?}, got {codes:?}"));
                }
            }
            "reasonsInclude" | "reasonsExclude" => {
                for code in expected.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    let present = codes.contains(&code);
                    if present != (key == "reasonsInclude") {
                        diffs.push(format!("{key}: `{code}` (got {codes:?})"));
                    }
                }
            }
            "factors" => subset("stepUp.factors", expected, actual.pointer("/stepUp/factors").unwrap_or(&Value::Null), &mut diffs),
            "problems" => {
                let got: Vec<Value> = actual
                    .pointer("/error/problems")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| json!({ "code": p["code"], "path": p["path"] }))
                    .collect();
                subset("problems", expected, &Value::Array(got), &mut diffs);
            }
            _ => subset(key, expected, actual.get(key).unwrap_or(&Value::Null), &mut diffs),
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n    full output: {actual}", diffs.join("; ")))
    }
}

/// Objects match when every expected key matches; anything else must be equal
/// (numbers compared as f64 so `15` matches `15.0`).
fn subset(path: &str, expected: &Value, actual: &Value, diffs: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                subset(&format!("{path}.{key}"), value, a.get(key).unwrap_or(&Value::Null), diffs);
            }
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => {}
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(&format!("{path}[{i}]"), ev, av, diffs);
            }
        }
        _ if expected == actual => {}
        _ => diffs.push(format!("{path}: want {expected}, got {actual}")),
    }
}

fn append_golden(out: &str, file: &Path, actual: &Value) {
    use std::io::Write;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = file.strip_prefix(root).unwrap_or(file).display().to_string();
    let line = json!({ "case": name, "output": actual }).to_string();
    let mut handle = std::fs::OpenOptions::new().create(true).append(true).open(out).expect("open CIAM_GOLDEN_OUT");
    writeln!(handle, "{line}").expect("write CIAM_GOLDEN_OUT");
}
