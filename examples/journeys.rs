//! The main job until the demo page lands: play customer and attacker journeys
//! (`examples/journeys.json`) under every built-in preset and print what each decides.
//!
//! Run with `npm start` (or `cargo run --release --example journeys [preset…]`).

// PANIC SAFETY: indexing a serde_json::Value by key returns Null when absent; it never panics.
#![allow(clippy::indexing_slicing)]

use ciam_policy::{evaluate, presets, record, EvaluateRequest, Event, History, Outcome, Policy};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::ExitCode;

const JOURNEYS: &str = include_str!("journeys.json");

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
            eprintln!("examples/journeys.json is not valid JSON: {e}");
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
    let mut summary: BTreeMap<(String, &str), [u32; 4]> = BTreeMap::new();
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
                        if let Some(slot) = counts.get_mut(usize::from(outcome.severity())) {
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
    println!("\n\x1b[1mSummary\x1b[0m (steps: allow / step_up / throttle / deny)");
    for ((policy, actor), counts) in &summary {
        println!("  {policy:<13} {actor:<9} {:>2} / {:>2} / {:>2} / {:>2}", counts[0], counts[1], counts[2], counts[3]);
    }
    ExitCode::SUCCESS
}

type Row = (String, &'static str, String, Outcome);

/// Play one journey under one policy, recording what passes so later steps see it.
fn play(policy: &Policy, journey: &Value) -> Result<Vec<Row>, String> {
    let mut history = replay(policy, &History::new(), &journey["history"])?;
    let mut sources: BTreeMap<String, History> = BTreeMap::new();
    for (ip, events) in journey["sources"].as_object().into_iter().flatten() {
        sources.insert(ip.clone(), replay(policy, &History::new(), events)?);
    }
    let mut rows = Vec::new();
    for step in journey["steps"].as_array().into_iter().flatten() {
        let mut request = step["request"].clone();
        if let Some(object) = request.as_object_mut() {
            if step["noAccount"] != Value::Bool(true) {
                object.insert("account".into(), journey["account"].clone());
            }
            object.insert("history".into(), serde_json::to_value(&history).map_err(|e| e.to_string())?);
            let ip = step["request"]["network"]["ip"].as_str().unwrap_or("");
            if let Some(source) = sources.get(ip) {
                object.insert("sourceHistory".into(), serde_json::to_value(source).map_err(|e| e.to_string())?);
            }
        }
        let request: EvaluateRequest = ciam_policy::json::from_value(request).map_err(|e| e.to_string())?;
        let decision = evaluate(policy, &request).map_err(|e| e.to_string())?;
        let actor = match step["actor"].as_str().or(journey["actor"].as_str()) {
            Some("attacker") => "attacker",
            _ => "customer",
        };
        let passed = decision.outcome == Outcome::Allow || (decision.outcome == Outcome::StepUp && actor == "customer");
        if passed {
            history = replay(policy, &history, &step["onPass"])?;
        }
        let codes: Vec<&str> = decision.reasons.iter().map(|r| r.code.as_str()).collect();
        let mut cell = format!("{} {}", outcome_text(decision.outcome), decision.risk.score);
        if let Some(step_up) = &decision.step_up {
            cell.push_str(&format!(" AAL{}:{}", step_up.aal, step_up.factors.first().map_or("-", |f| f.as_str())));
        }
        if let Some(wait) = decision.retry_after {
            cell.push_str(&format!(" wait {wait}s"));
        }
        if !codes.is_empty() {
            cell.push_str(&format!(" [{}]", codes.join(",")));
        }
        rows.push((step["label"].as_str().unwrap_or("?").to_string(), actor, cell, decision.outcome));
    }
    Ok(rows)
}

fn replay(policy: &Policy, start: &History, events: &Value) -> Result<History, String> {
    let mut history = start.clone();
    for raw in events.as_array().into_iter().flatten() {
        let event: Event = ciam_policy::json::from_value(raw.clone()).map_err(|e| e.to_string())?;
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
