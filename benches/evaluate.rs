//! Native benchmark of the decision core (`cargo bench --bench evaluate`), on the same inputs
//! as the JavaScript suite (`bench/fixtures.json`, `npm run bench`). Four layers per request,
//! so the JS figures can be read against them: the core alone (`evaluate` on a parsed
//! request), parsing JSON text in, the whole text-in/text-out path the JSON boundary does, and
//! `packed`: exactly what the package's wasm call does for a plain request object (the packed
//! request read, a history's bytes read in place, the decision layout written).
// PANIC SAFETY: a benchmark with fixed, checked-in inputs; a failure to load them should stop it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use ciam_policy::boundary::{evaluate_packed, packed, Output, Status};
    use ciam_policy::state::{decode, encode};
    use ciam_policy::{evaluate, evaluate_recovery, presets, record, EvaluateRequest, Event, History, Policy, RecoveryRequest};
    use criterion::{criterion_group, Criterion};
    use serde_json::Value;
    use std::hint::black_box;

    const FIXTURES: &str = include_str!("../bench/fixtures.json");

    struct Inputs {
        policy: Policy,
        full: History,
        fixtures: Value,
    }

    fn inputs() -> Inputs {
        let fixtures: Value = serde_json::from_str(FIXTURES).expect("bench/fixtures.json is JSON");
        let policy = presets::load(fixtures["preset"].as_str().expect("preset")).expect("preset loads");
        let mut full = History::new();
        for event in fixtures["historyEvents"].as_array().expect("historyEvents") {
            let event: Event = ciam_policy::json::from_str(&event.to_string()).expect("event");
            full = record(&policy, &full, &event).expect("record");
        }
        Inputs { policy, full, fixtures }
    }

    /// The request `name` as JSON, with the full history attached when `with_history`.
    fn request_json(inputs: &Inputs, name: &str, with_history: bool) -> Value {
        let mut request = inputs.fixtures["requests"][name].clone();
        if with_history {
            request["history"] = serde_json::from_str(&ciam_policy::json::to_string(&inputs.full)).expect("history");
        }
        request
    }

    fn bench_evaluate(c: &mut Criterion) {
        let inputs = inputs();
        let cases = [
            ("login, empty history", "login", false),
            ("checkout allowed, known device", "allow", false),
            ("payout, full history", "payout", true),
            ("step-up", "stepUp", false),
        ];
        for (label, name, with_history) in cases {
            let json = request_json(&inputs, name, with_history);
            let text = serde_json::to_string(&json).expect("text");
            let request = EvaluateRequest::from_json(&text).expect("request");
            let mut group = c.benchmark_group(format!("evaluate/{label}"));
            group.bench_function("core", |b| b.iter(|| evaluate(&inputs.policy, black_box(&request)).expect("decides")));
            group.bench_function("parse", |b| b.iter(|| EvaluateRequest::from_json(black_box(&text)).expect("parses")));
            group.bench_function("json in, json out", |b| {
                b.iter(|| {
                    let request = EvaluateRequest::from_json(black_box(&text)).expect("parses");
                    ciam_policy::json::to_string(&evaluate(&inputs.policy, &request).expect("decides"))
                })
            });
            // The JS side packs the request without its history and appends the history's bytes.
            let plain = EvaluateRequest::from_json(&request_json(&inputs, name, false).to_string()).expect("request");
            let history = with_history.then(|| encode(&inputs.full));
            let buffer = packed::pack(&plain, history.as_deref(), None).expect("the request packs");
            let mut out = Output::default();
            assert_eq!(evaluate_packed(&inputs.policy, &buffer, &mut out), Status::Decision, "{label}: a decision, as packed");
            group.bench_function("packed", |b| b.iter(|| evaluate_packed(&inputs.policy, black_box(&buffer), &mut out)));
            group.finish();
        }
    }

    fn bench_state(c: &mut Criterion) {
        let inputs = inputs();
        let event: Event = ciam_policy::json::from_str(&inputs.fixtures["recordEvent"].to_string()).expect("event");
        let bytes = encode(&inputs.full);
        let mut group = c.benchmark_group("history (full)");
        group.bench_function("record", |b| b.iter(|| record(&inputs.policy, black_box(&inputs.full), black_box(&event)).expect("records")));
        group.bench_function("encode", |b| b.iter(|| encode(black_box(&inputs.full))));
        group.bench_function("decode", |b| b.iter(|| decode(black_box(&bytes)).expect("decodes")));
        group.finish();

        let recovery = RecoveryRequest::from_json(&inputs.fixtures["requests"]["recovery"].to_string()).expect("recovery request");
        c.bench_function("evaluate_recovery/core", |b| {
            b.iter(|| evaluate_recovery(&inputs.policy, black_box(&recovery)).expect("decides"))
        });
    }

    criterion_group!(benches, bench_evaluate, bench_state);
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
