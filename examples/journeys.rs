//! The terminal view of the demo: play customer and attacker journeys (`www/journeys.json`,
//! the file the demo page plays too; its format is described in `www/play.mjs`) under every
//! built-in preset and print what each decides.
//!
//! Run with `cargo run --release --example journeys [preset…]`; `npm start` serves the page.

// PANIC SAFETY: indexing a serde_json::Value by key returns Null when absent; it never panics.
#![allow(clippy::indexing_slicing)]

use ciam_policy::{
    evaluate, evaluate_change, evaluate_recovery, presets, record, ChangeRequest, EvaluateRequest, Event, History, Outcome, Policy,
    RecoveryRequest,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::ExitCode;

const JOURNEYS: &str = include_str!("../www/journeys.json");

fn main() -> ExitCode {
    let chosen: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = presets::names().into_iter().filter(|n| chosen.is_empty() || chosen.iter().any(|c| c == n)).collect();
    if names.is_empty() {
        eprintln!("no such preset; choose from {}", presets::names().join(", "));
        return ExitCode::from(2);
    }
    let journeys: Value = match serde_json::from_str(JOURNEYS) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("www/journeys.json is not valid JSON: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut policies = Vec::new();
    for name in &names {
        match presets::load(name) {
            Ok(p) => policies.push(p),
            Err(e) => {
                eprintln!("preset {name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut summary: BTreeMap<(String, &str), [u32; 5]> = BTreeMap::new();
    for journey in journeys["journeys"].as_array().into_iter().flatten() {
        println!("\n\x1b[1m{}\x1b[0m  ({})", journey["title"].as_str().unwrap_or("?"), journey["actor"].as_str().unwrap_or("?"));
        let mut table: Vec<Vec<String>> = Vec::new();
        for policy in &policies {
            match play(policy, journey) {
                Ok(rows) => {
                    for (i, (label, actor, cell, outcome)) in rows.into_iter().enumerate() {
                        if table.len() <= i {
                            table.push(vec![format!("{label} [{actor}]")]);
                        }
                        if let Some(row) = table.get_mut(i) {
                            row.push(cell);
                        }
                        let counts = summary.entry((policy.name.clone(), actor)).or_default();
                        let slot = outcome.map_or(4, |o| usize::from(o.severity()));
                        if let Some(slot) = counts.get_mut(slot) {
                            *slot += 1;
                        }
                    }
                }
                Err(e) => {
                    eprintln!("journey {} under {}: {e}", journey["id"], policy.name);
                    return ExitCode::FAILURE;
                }
            }
        }
        let mut header = vec!["step".to_string()];
        header.extend(names.iter().map(|n| n.to_string()));
        print_table(&header, &table);
    }
    println!("\n\x1b[1mSummary\x1b[0m (steps: allow / step_up / throttle / deny / not reached)");
    for ((policy, actor), counts) in &summary {
        println!("  {policy:<13} {actor:<9} {:>2} / {:>2} / {:>2} / {:>2} / {:>2}", counts[0], counts[1], counts[2], counts[3], counts[4]);
    }
    ExitCode::SUCCESS
}

/// Step label, actor, the printed cell, and the outcome (none when the step was not reached).
type Row = (String, &'static str, String, Option<Outcome>);

/// Play one journey under one policy, recording what passes so later steps see it — the
/// rules of `www/play.mjs`: a step passes when allowed, or on a step-up the actor can
/// complete; events it records with an `ip` also go into that address's history; the first
/// blocked step ends the journey unless it (or the journey) says `continueAfterBlock`.
fn play(policy: &Policy, journey: &Value) -> Result<Vec<Row>, String> {
    let mut history = replay(policy, &History::new(), &journey["history"])?;
    let mut sources: BTreeMap<String, History> = BTreeMap::new();
    for (ip, events) in journey["sources"].as_object().into_iter().flatten() {
        sources.insert(ip.clone(), replay(policy, &History::new(), events)?);
    }
    let recovery_account = match &journey["recoveryAccount"] {
        Value::Null => serde_json::json!({ "factors": journey["account"]["factors"].clone() }),
        account => account.clone(),
    };
    let mut rows = Vec::new();
    let mut stopped = false;
    for step in journey["steps"].as_array().into_iter().flatten() {
        let kind = step["kind"].as_str().unwrap_or("evaluate");
        let actor = match step["actor"].as_str().or(journey["actor"].as_str()) {
            Some("attacker") => "attacker",
            _ => "customer",
        };
        let label = step["label"].as_str().unwrap_or("?").to_string();
        if stopped {
            rows.push((label, actor, "-- not reached".to_string(), None));
            continue;
        }
        let mut request = step["request"].clone();
        if let Some(object) = request.as_object_mut() {
            if step["noAccount"] != Value::Bool(true) {
                let account = if kind == "evaluate" { journey["account"].clone() } else { recovery_account.clone() };
                object.insert("account".into(), account);
            }
            object.insert("history".into(), serde_json::from_str(&ciam_policy::json::to_string(&history)).map_err(|e| e.to_string())?);
            let ip = step["request"]["network"]["ip"].as_str().unwrap_or("");
            if let (false, Some(source)) = (kind == "change", sources.get(ip)) {
                object.insert(
                    "sourceHistory".into(),
                    serde_json::from_str(&ciam_policy::json::to_string(source)).map_err(|e| e.to_string())?,
                );
            }
        }
        let (outcome, offered, mut cell) = decide(policy, kind, request)?;
        let holds: Vec<&str> = step["attackerHolds"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let passed = outcome == Outcome::Allow
            || (outcome == Outcome::StepUp
                && if actor == "customer" { !offered.is_empty() } else { offered.iter().any(|f| holds.contains(&f.as_str())) });
        if passed {
            history = replay(policy, &history, &step["onPass"])?;
            for event in step["onPass"].as_array().into_iter().flatten() {
                if let Some(ip) = event["ip"].as_str() {
                    let source = sources.get(ip).cloned().unwrap_or_else(History::new);
                    sources.insert(ip.to_string(), replay(policy, &source, &Value::Array(vec![event.clone()]))?);
                }
            }
        } else if journey["continueAfterBlock"] != Value::Bool(true) && step["continueAfterBlock"] != Value::Bool(true) {
            stopped = true;
        }
        if kind != "evaluate" {
            cell = format!("{kind}: {cell}");
        }
        rows.push((label, actor, cell, Some(outcome)));
    }
    Ok(rows)
}

/// Decide one step: its outcome, what a step-up offers, and a one-line cell.
fn decide(policy: &Policy, kind: &str, request: Value) -> Result<(Outcome, Vec<String>, String), String> {
    let reasons = |codes: Vec<&str>| if codes.is_empty() { String::new() } else { format!(" [{}]", codes.join(",")) };
    let wait = |w: Option<u64>| w.map_or(String::new(), |w| format!(" wait {w}s"));
    match kind {
        "recovery" => {
            let request: RecoveryRequest = ciam_policy::json::from_str(&request.to_string()).map_err(|e| e.to_string())?;
            let d = evaluate_recovery(policy, &request).map_err(|e| e.to_string())?;
            let offered: Vec<String> = d.offered.iter().map(|c| c.as_str().to_string()).collect();
            let mut cell = format!(
                "{}{}{}",
                outcome_text(d.outcome),
                wait(d.retry_after),
                reasons(d.reasons.iter().map(|r| r.code.as_str()).collect())
            );
            if let Some(grant) = &d.grant {
                cell.push_str(&format!(" grant {}s, hold {}s", grant.expires_at - request.now, grant.hold_until - request.now));
            }
            Ok((d.outcome, offered, cell))
        }
        "change" => {
            let request: ChangeRequest = ciam_policy::json::from_str(&request.to_string()).map_err(|e| e.to_string())?;
            let d = evaluate_change(policy, &request).map_err(|e| e.to_string())?;
            let offered: Vec<String> = d.offered.iter().map(|c| c.as_str().to_string()).collect();
            let cell = format!(
                "{}{}{}",
                outcome_text(d.outcome),
                wait(d.retry_after),
                reasons(d.reasons.iter().map(|r| r.code.as_str()).collect())
            );
            Ok((d.outcome, offered, cell))
        }
        _ => {
            let request: EvaluateRequest = ciam_policy::json::from_str(&request.to_string()).map_err(|e| e.to_string())?;
            let d = evaluate(policy, &request).map_err(|e| e.to_string())?;
            let offered: Vec<String> = d.step_up.iter().flat_map(|s| s.factors.iter().map(|f| f.as_str().to_string())).collect();
            let mut cell = format!("{} {}", outcome_text(d.outcome), d.risk.score);
            if let Some(step_up) = &d.step_up {
                cell.push_str(&format!(" AAL{}:{}", step_up.aal, step_up.factors.first().map_or("-", |f| f.as_str())));
            }
            cell.push_str(&wait(d.retry_after));
            cell.push_str(&reasons(d.reasons.iter().map(|r| r.code.as_str()).collect()));
            Ok((d.outcome, offered, cell))
        }
    }
}

fn replay(policy: &Policy, start: &History, events: &Value) -> Result<History, String> {
    let mut history = start.clone();
    for raw in events.as_array().into_iter().flatten() {
        let event: Event = ciam_policy::json::from_str(&raw.to_string()).map_err(|e| e.to_string())?;
        history = record(policy, &history, &event).map_err(|e| e.to_string())?;
    }
    Ok(history)
}

fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allow => "\x1b[32mallow\x1b[0m",
        Outcome::StepUp => "\x1b[33mstep_up\x1b[0m",
        Outcome::Throttle => "\x1b[35mthrottle\x1b[0m",
        Outcome::Deny => "\x1b[31mdeny\x1b[0m",
    }
}

fn print_table(header: &[String], rows: &[Vec<String>]) {
    for row in rows {
        let label = row.first().map_or("", String::as_str);
        println!("  {label}");
        for (name, cell) in header.iter().skip(1).zip(row.iter().skip(1)) {
            println!("      {name:<13} {cell}");
        }
    }
}
