//! Keeps the data-driven suite honest: the decision-core cases at the top level of
//! `tests/cases/` must cover every preset, every outcome and, together with the cases in
//! subdirectories, every reason code `evaluate` can give. A new reason code or preset
//! without a case fails here, naming what is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::{presets, ReasonCode};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn cases(dir: &Path, recursive: bool, out: &mut Vec<(PathBuf, Value)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if recursive {
                cases(&path, true, out);
            }
        } else if path.extension().is_some_and(|e| e == "json") {
            let case = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            out.push((path, case));
        }
    }
}

fn reason_codes(case: &Value) -> impl Iterator<Item = String> + '_ {
    ["reasons", "reasonsInclude"]
        .into_iter()
        .filter_map(|key| case["want"].get(key).and_then(Value::as_array))
        .flatten()
        .filter_map(|code| code.as_str().map(str::to_string))
}

#[test]
fn decision_core_cases_cover_presets_outcomes_and_reasons() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut top = Vec::new();
    cases(&root, false, &mut top);
    assert!(top.len() >= 80, "only {} decision-core cases at the top of tests/cases", top.len());

    let used: BTreeSet<&str> = top.iter().filter_map(|(_, c)| c["preset"].as_str()).collect();
    let missing: Vec<&str> = presets::names().into_iter().filter(|p| !used.contains(p)).collect();
    assert!(missing.is_empty(), "presets without a case: {missing:?}");

    let outcomes: BTreeSet<&str> = top.iter().filter_map(|(_, c)| c["want"]["outcome"].as_str()).collect();
    for outcome in ["allow", "step_up", "throttle", "deny"] {
        assert!(outcomes.contains(outcome), "no case expects `{outcome}`");
    }
    assert!(top.iter().any(|(_, c)| c["want"].get("error").is_some()), "no error case");

    // Reason codes: every code must be asserted somewhere (recovery-only codes may live in
    // the recovery cases), and top-level cases should mostly pin the exact reason list.
    let mut all = Vec::new();
    cases(&root, true, &mut all);
    let seen: BTreeSet<String> = all.iter().flat_map(|(_, c)| reason_codes(c)).collect();
    let missing: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.as_str()).filter(|c| !seen.contains(*c)).collect();
    assert!(missing.is_empty(), "reason codes no case asserts: {missing:?}");

    let decisions: Vec<&Value> = top.iter().map(|(_, c)| c).filter(|c| c["want"].get("outcome").is_some()).collect();
    let exact = decisions.iter().filter(|c| c["want"].get("reasons").is_some()).count();
    assert!(exact * 10 >= decisions.len() * 9, "only {exact} of {} decision cases pin the exact reasons", decisions.len());
}
