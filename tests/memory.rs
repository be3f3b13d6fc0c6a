//! How much memory reading hostile JSON input takes. In wasm the module's memory grows to its
//! peak and never shrinks, so a request's transient peak is what the instance keeps for life.
//! Counted natively with a counting allocator (this binary's only test, so nothing else
//! allocates meanwhile): the layouts differ from wasm32 (pointers are twice as wide), so the
//! bounds are generous, but each is far below what an unbounded read would take.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(live, Ordering::SeqCst);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak of live heap bytes while `f` runs, above what was live before it.
fn peak_during(f: impl FnOnce()) -> usize {
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    f();
    PEAK.load(Ordering::SeqCst) - before
}

const MIB: usize = 1 << 20;

#[test]
fn a_megabyte_of_json_never_takes_more_than_a_few_megabytes_to_refuse() {
    let policy = ciam_policy::presets::load("ciam-retail").unwrap();
    let fill = |item: &str, prefix: &str, suffix: &str| {
        let count = (ciam_policy::json::MAX_JSON_BYTES - prefix.len() - suffix.len()) / (item.len() + 1);
        format!("{prefix}{}{suffix}", vec![item; count].join(","))
    };
    // Each built before counting; the text itself (1 MiB) is the caller's.
    let requests = [
        // A quarter of a million one-letter amr values: refused for their number.
        ("amr", fill(r#""a""#, r#"{"now":1800000000,"action":"login","session":{"aal":1,"authTime":1,"amr":["#, "]}}")),
        // As many factors.
        ("factors", fill(r#""sms""#, r#"{"now":1800000000,"action":"login","account":{"factors":["#, "]}}")),
        // Events in a history given as JSON.
        ("events", fill(r#"{"type":"sign_in_failure","at":1}"#, r#"{"now":1800000000,"action":"login","history":{"events":["#, "]}}")),
    ];
    for (what, text) in &requests {
        assert!(text.len() <= ciam_policy::json::MAX_JSON_BYTES, "{what}: {} bytes", text.len());
        let mut refused = None;
        let peak = peak_during(|| {
            refused = Some(ciam_policy::EvaluateRequest::from_json(text).and_then(|r| ciam_policy::evaluate(&policy, &r)).unwrap_err());
        });
        let error = refused.unwrap();
        assert_eq!(error.code().as_str(), "too_long", "{what}: {error}");
        // Read without the item limit, these peaked at 10.2 MiB (amr), 0.4 MiB (factors) and
        // 7.8 MiB (events); with it, at 37 KB, 2 KB and 221 KB.
        assert!(peak < MIB, "{what}: reading and refusing 1 MiB of JSON peaked at {peak} bytes of heap");
    }
}
