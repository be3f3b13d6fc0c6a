//! The data-driven cases: every `tests/cases/**/*.json` file is one case, run by the generic
//! runner in `tests/support/case_runner.rs`. A failing case names its file.

mod support;

use support::case_runner::{case_files, run_case};

#[test]
fn every_case_passes() {
    let files = case_files();
    assert!(!files.is_empty(), "no case files found under tests/cases");
    let mut failures = Vec::new();
    for file in &files {
        if let Err(message) = run_case(file) {
            failures.push(format!("{}: {message}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), files.len(), failures.join("\n"));
    println!("{} cases passed", files.len());
}
