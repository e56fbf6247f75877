//! Shared by the `opt_*.rs` tests (included with `#[path]`): the golden-file
//! driver and the interpreter-based equivalence check.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use strata_ir::interp::{self, Env, Outcome, same_outcome};
use strata_ir::parser::parse_function;
use strata_ir::testing::{GenConfig, Rng, env_for_tests, random_args, random_function, test_call};
use strata_ir::verifier::verify;
use strata_ir::{CallKind, Function};

/// The `.ir` files of `tests/golden/<pass>/`, sorted.
pub fn cases(pass: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(pass);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ir"))
        .collect();
    files.sort();
    files
}

/// The inputs of every case of the `tests/golden/<pass>/` of `passes`,
/// parsed.
pub fn parsed_cases(passes: &[&str]) -> Vec<Function> {
    passes
        .iter()
        .flat_map(|pass| cases(pass))
        .map(|p| parse_function(&fs::read_to_string(&p).unwrap()).unwrap())
        .collect()
}

/// Runs `transform` on the text of every case of `tests/golden/<name>/`
/// (at least `min_cases` of them) and compares the result with
/// `NAME.expected` (with `STRATA_BLESS` set: writes it). `transform` returns
/// the output text, or an error that fails the case.
pub fn golden_text(
    name: &str,
    min_cases: usize,
    transform: impl Fn(&str) -> Result<String, String>,
) {
    let bless = std::env::var_os("STRATA_BLESS").is_some();
    let files = cases(name);
    assert!(
        files.len() >= min_cases,
        "only {} {name} cases",
        files.len()
    );
    let mut failures = Vec::new();
    for path in files {
        let shown = path.display();
        let input = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{shown}: {e}"));
        let got = match transform(&input) {
            Ok(got) => got,
            Err(e) => {
                failures.push(format!("{shown}: {e}"));
                continue;
            }
        };
        let expected = path.with_extension("expected");
        if bless {
            fs::write(&expected, &got).unwrap_or_else(|e| panic!("{}: {e}", expected.display()));
            continue;
        }
        match fs::read_to_string(&expected) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "{shown}: output differs from {}\n--- expected\n{want}--- got\n{got}",
                expected.display()
            )),
            Err(_) => failures.push(format!(
                "{shown}: no {} (run with STRATA_BLESS=1)",
                expected.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs `pass` on every case of `tests/golden/<name>/` and compares its
/// printed output with `NAME.expected`. The verifier in SSA mode must accept
/// the input and the output.
pub fn golden(name: &str, pass: fn(&mut Function) -> bool) {
    golden_cases(name, 10, pass);
}

/// [`golden`] for a pass with fewer cases (at least `min_cases`).
pub fn golden_cases(name: &str, min_cases: usize, pass: fn(&mut Function) -> bool) {
    golden_text(name, min_cases, |input| {
        let mut f = parse_function(input).map_err(|e| e.to_string())?;
        verify(&f, true).map_err(|e| format!("invalid input: {e}"))?;
        pass(&mut f);
        verify(&f, true).map_err(|e| format!("invalid output: {e}\n{f}"))?;
        Ok(f.to_string())
    });
}

/// Fuel per run: generated loops are short, so running out is rare.
const FUEL: u64 = 100_000;

/// Everything a run can observe: the outcome, the final memories, and the
/// calls made (callee and arguments, in order).
struct Observed {
    outcome: Outcome,
    heap: Vec<u8>,
    vm: Vec<u8>,
    calls: Vec<(CallKind, Vec<u64>)>,
}

fn observe(f: &Function, args: &[u64]) -> Observed {
    let base = env_for_tests();
    let mut calls = Vec::new();
    let mut call = |k: CallKind, a: &[u64]| {
        calls.push((k, a.to_vec()));
        test_call(k, a)
    };
    let mut env = Env {
        heap: base.heap,
        vm: base.vm,
        call: &mut call,
    };
    let outcome = interp::run(f, args, &mut env, FUEL);
    let (heap, vm) = (env.heap, env.vm);
    Observed {
        outcome,
        heap,
        vm,
        calls,
    }
}

/// Statistics of [`check_equivalence`].
pub struct Stats {
    /// Functions the pass changed.
    pub changed: usize,
    /// Runs compared (neither side out of fuel).
    pub compared: usize,
}

/// For `functions` random SSA functions (seeds from `seed`) and a few
/// argument sets each: `pass` leaves a function the verifier accepts, and
/// the interpreter observes the same outcome (traps included; any NaN
/// equals any NaN in returned floats), the same memories and the same
/// calls before and after. A run out of fuel on either side is skipped.
pub fn check_equivalence(seed: u64, functions: u64, pass: &dyn Fn(&mut Function) -> bool) -> Stats {
    let mut stats = Stats {
        changed: 0,
        compared: 0,
    };
    for s in seed..seed + functions {
        let mut rng = Rng::new(s);
        let cfg = GenConfig {
            allow_traps: s % 3 != 0,
            ..GenConfig::default()
        };
        let f = random_function(&mut rng, &cfg);
        verify(&f, true).unwrap_or_else(|e| panic!("seed {s}: generator: {e}\n{f}"));
        let mut g = f.clone();
        let changed = pass(&mut g);
        if let Err(e) = verify(&g, true) {
            panic!("seed {s}: invalid after the pass: {e}\n--- before\n{f}--- after\n{g}");
        }
        if changed {
            stats.changed += 1;
        } else {
            assert_eq!(
                f.to_string(),
                g.to_string(),
                "seed {s}: changed but said not"
            );
        }
        for _ in 0..4 {
            let args = random_args(&mut rng, &f.signature);
            let a = observe(&f, &args);
            if matches!(a.outcome, Outcome::OutOfFuel | Outcome::Error(_)) {
                continue;
            }
            let b = observe(&g, &args);
            if b.outcome == Outcome::OutOfFuel {
                continue;
            }
            stats.compared += 1;
            let same = same_outcome(&a.outcome, &b.outcome, &f.signature.results)
                && a.heap == b.heap
                && a.vm == b.vm
                && a.calls == b.calls;
            assert!(
                same,
                "seed {s}, args {args:x?}: {:?} (calls {:?}) became {:?} (calls {:?}){}\n--- before\n{f}--- after\n{g}",
                a.outcome,
                a.calls,
                b.outcome,
                b.calls,
                if a.heap != b.heap || a.vm != b.vm {
                    ", memory differs"
                } else {
                    ""
                },
            );
        }
    }
    eprintln!(
        "equivalence: {} changed, {} compared",
        stats.changed, stats.compared
    );
    stats
}

/// For `count` generated one-argument functions (`generate` from one
/// `Rng` seeded with `seed`): `pass` leaves a function the verifier
/// accepts, and each of a fixed set of arguments gives the same outcome
/// before and after (any NaN equals any NaN in returned floats). With
/// `skip_out_of_fuel`, a run out of fuel on either side is not compared
/// (for a pass that adds instructions inside loops); otherwise running
/// out of fuel must happen on both sides. Returns the functions the pass
/// changed and the runs compared.
pub fn check_generated(
    seed: u64,
    count: usize,
    generate: impl Fn(&mut Rng) -> String,
    pass: &dyn Fn(&mut Function) -> bool,
    skip_out_of_fuel: bool,
) -> (usize, usize) {
    let mut rng = Rng::new(seed);
    let (mut changed, mut compared) = (0, 0);
    for n in 0..count {
        let text = generate(&mut rng);
        let f = parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        verify(&f, true).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let mut g = f.clone();
        if pass(&mut g) {
            changed += 1;
        }
        verify(&g, true).unwrap_or_else(|e| panic!("after: {e}\n{g}"));
        for arg in [0u64, 1, 3, 5, 200, 0xFFFF_FFFF, u64::MAX] {
            let o1 = interp::run(&f, &[arg], &mut env_for_tests(), 20_000);
            let o2 = interp::run(&g, &[arg], &mut env_for_tests(), 20_000);
            let out_of_fuel = o1 == Outcome::OutOfFuel || o2 == Outcome::OutOfFuel;
            if skip_out_of_fuel && out_of_fuel {
                continue;
            }
            compared += usize::from(o1 != Outcome::OutOfFuel);
            assert!(
                o1 == o2 || same_outcome(&o1, &o2, &f.signature.results),
                "case {n}, arg {arg:#x}: {o1:?} became {o2:?}\n--- before\n{f}--- after\n{g}"
            );
        }
    }
    eprintln!("{changed} changed, {compared} compared");
    (changed, compared)
}

/// [`check_equivalence`] on 3,000 random functions, of which more than
/// 6,000 runs must be compared (the check of every pass that keeps the
/// CFG).
pub fn check_random_functions(pass: &dyn Fn(&mut Function) -> bool) {
    let stats = check_equivalence(0, 3000, pass);
    assert!(
        stats.compared > 6000,
        "only {} runs compared",
        stats.compared
    );
}

/// One of `xs`, uniformly.
pub fn pick<T: Copy>(rng: &mut Rng, xs: &[T]) -> T {
    xs[rng.below(xs.len() as u64) as usize]
}

/// The choices a generated counting loop is made of: the counter's type,
/// its start, its step `c`, the exit test's condition code, and the add
/// `n = p + c` (with `p` as `v1` and `c` as `v3`, either side first).
pub struct CountingLoop {
    pub ty: &'static str,
    pub init: i64,
    pub c: i64,
    pub cc: &'static str,
    pub add: String,
}

impl CountingLoop {
    /// Random choices, with the edge constants of both types.
    pub fn random(rng: &mut Rng) -> CountingLoop {
        let ty = pick(rng, &["i32", "i64"]);
        let init = pick(rng, &[0i64, 1, 7, 250, -1, 0x7FFF_FFFF, -0x8000_0000]);
        let c = pick(rng, &[1i64, -1, 2, 3, -4, 0x7FFF_FFFF, -0x8000_0000, 255]);
        let cc = pick(rng, &["ult", "uge", "eq", "ne", "sgt"]);
        let add = if rng.below(2) == 0 {
            format!("iadd.{ty} v1, v3")
        } else {
            format!("iadd.{ty} v3, v1")
        };
        CountingLoop {
            ty,
            init,
            c,
            cc,
            add,
        }
    }

    /// The loop's byte load `heap[p & 255]` (the mask `v20` defined by the
    /// caller): the load's opcode, and the lines that compute its i32
    /// address `v21` from the counter `p` (wrapped for an i64 counter).
    pub fn masked_load(&self, p: &str) -> (String, String) {
        let ty = self.ty;
        let index = if ty == "i32" {
            format!("    v21 = band.i32 {p}, v20\n")
        } else {
            format!("    v22 = band.i64 {p}, v20\n    v21 = wrap.i32 v22\n")
        };
        (format!("load8_u.{ty}"), index)
    }
}
