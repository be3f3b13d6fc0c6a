//! Shared test support: the generic data-driven case runner.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod case_runner;
