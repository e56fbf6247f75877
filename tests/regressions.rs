//! Regression tests distilled from divergences the differential test
//! (`tests/differential.rs`) found. Each case is a small module in
//! `tests/regressions/` with its expected results written here (not
//! computed by another engine at test time, so the test stays cheap). Every
//! case runs on the baseline tier and, once `Engine::new` accepts it, on the
//! optimizing tier.

use std::path::Path;

use strata::{Config, Engine, ErrorKind, Instance, Module, Store, Tier, TrapCode, Val};

/// What a call must do.
#[derive(Debug)]
enum Expect {
    Returns(Vec<Val>),
    Traps(TrapCode),
}

/// One call: export name, arguments, expectation.
type Case = (&'static str, Vec<Val>, Expect);

fn engine(tier: Tier) -> Option<Engine> {
    let mut config = Config::new();
    config.tier(tier);
    Engine::new(&config).ok()
}

fn load(file: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions")
        .join(file);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wat::parse_bytes(&text)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .into_owned()
}

fn same(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::I32(x), Val::I32(y)) => x == y,
        (Val::I64(x), Val::I64(y)) => x == y,
        (Val::F32(x), Val::F32(y)) => {
            x == y || (f32::from_bits(*x).is_nan() && f32::from_bits(*y).is_nan())
        }
        (Val::F64(x), Val::F64(y)) => {
            x == y || (f64::from_bits(*x).is_nan() && f64::from_bits(*y).is_nan())
        }
        _ => false,
    }
}

/// Compiles `file` with `tier`; `None` (with a note) when the optimizing
/// tier refuses it as unsupported, which an unfinished tier may do.
fn compile(file: &str, tier: Tier) -> Option<(Engine, Module)> {
    let engine = engine(tier)?;
    match Module::new(&engine, load(file)) {
        Ok(m) => Some((engine, m)),
        Err(e) if tier == Tier::Optimizing && e.kind() == ErrorKind::Unsupported => {
            eprintln!(
                "note: {file}: the optimizing tier refuses it: {}",
                e.message()
            );
            None
        }
        Err(e) => panic!("{file} ({tier:?}): {e:?}"),
    }
}

/// Runs `cases` against `file` on every available tier.
fn check(file: &str, cases: &[Case]) {
    for tier in [Tier::Baseline, Tier::Optimizing] {
        let Some((engine, module)) = compile(file, tier) else {
            assert_eq!(tier, Tier::Optimizing, "the baseline tier must compile it");
            continue;
        };
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])
            .unwrap_or_else(|e| panic!("{file} ({tier:?}): {e:?}"));
        for (name, args, expect) in cases {
            let f = instance
                .get_func(&mut store, name)
                .unwrap_or_else(|| panic!("{file}: no export {name}"));
            let ty = f.ty(&store);
            let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
            let got = f.call(&mut store, args, &mut results);
            let what = format!("{file} ({tier:?}): {name}{args:?}");
            match (expect, got) {
                (Expect::Returns(want), Ok(())) => {
                    assert!(
                        want.len() == results.len()
                            && want.iter().zip(&results).all(|(a, b)| same(a, b)),
                        "{what}: returned {results:?}, expected {want:?}"
                    );
                }
                (Expect::Traps(code), Err(e)) => {
                    let trap = e.as_trap().unwrap_or_else(|| panic!("{what}: {e:?}"));
                    assert_eq!(trap.code(), Some(*code), "{what}: {}", trap.message());
                }
                (Expect::Returns(want), Err(e)) => {
                    panic!("{what}: failed with {e:?}, expected {want:?}")
                }
                (Expect::Traps(code), Ok(())) => {
                    panic!("{what}: returned {results:?}, expected a {code:?} trap")
                }
            }
        }
    }
}

#[test]
fn select_with_eqz_of_its_own_operand() {
    use Expect::{Returns, Traps};
    check(
        "select_eqz_same_operand.wat",
        &[
            (
                "select_eqz",
                vec![Val::I32(15)],
                Returns(vec![Val::I32(15)]),
            ),
            ("select_eqz", vec![Val::I32(0)], Returns(vec![Val::I32(1)])),
            (
                "select_eqz",
                vec![Val::I32(-1)],
                Returns(vec![Val::I32(-1)]),
            ),
            (
                "select_eqz64",
                vec![Val::I64(15)],
                Returns(vec![Val::I64(15)]),
            ),
            (
                "select_eqz64",
                vec![Val::I64(0)],
                Returns(vec![Val::I64(1)]),
            ),
            (
                "select_eqz64",
                vec![Val::I64(i64::MIN)],
                Returns(vec![Val::I64(i64::MIN)]),
            ),
            (
                "rem_by_guarded",
                vec![Val::I32(1023), Val::I32(15)],
                Returns(vec![Val::I32(3)]),
            ),
            (
                "rem_by_guarded",
                vec![Val::I32(1023), Val::I32(0)],
                Returns(vec![Val::I32(0)]),
            ),
            (
                "rem_by_guarded",
                vec![Val::I32(-1), Val::I32(10)],
                Returns(vec![Val::I32(5)]),
            ),
            ("rem_by_guarded_call", vec![], Returns(vec![Val::I32(3)])),
            (
                "rem_unguarded",
                vec![Val::I32(1023), Val::I32(0)],
                Traps(TrapCode::IntegerDivideByZero),
            ),
        ],
    );
}

#[test]
fn optimizing_tier_critical_edge_with_duplicate_successor() {
    // Compile-only (function 0 recurses forever): both tiers must compile it
    // or, for the unfinished optimizing tier, refuse it as unsupported.
    for tier in [Tier::Baseline, Tier::Optimizing] {
        let _ = compile("optimizing_critical_edge.wat", tier);
    }
}

#[test]
fn branch_on_a_load_to_one_place_still_loads() {
    use Expect::{Returns, Traps};
    check(
        "branch_on_load_to_one_place.wat",
        &[
            ("load16", vec![Val::I32(0)], Returns(vec![Val::I32(7)])),
            ("load16", vec![Val::I32(65534)], Returns(vec![Val::I32(7)])),
            (
                "load16",
                vec![Val::I32(65535)],
                Traps(TrapCode::MemoryOutOfBounds),
            ),
            (
                "load16",
                vec![Val::I32(-1)],
                Traps(TrapCode::MemoryOutOfBounds),
            ),
            (
                "less",
                vec![Val::I32(65524), Val::I32(1)],
                Returns(vec![Val::I32(9)]),
            ),
            (
                "less",
                vec![Val::I32(65525), Val::I32(1)],
                Traps(TrapCode::MemoryOutOfBounds),
            ),
        ],
    );
}

#[test]
fn a_value_kept_below_an_if_with_a_loop_in_its_then_arm() {
    use Expect::Returns;
    // (tests/tiering.rs runs it through OSR, where it went wrong.)
    check(
        "osr_stack_below_if.wat",
        &[
            ("run", vec![Val::I32(0)], Returns(vec![Val::I32(0)])),
            ("run", vec![Val::I32(3)], Returns(vec![Val::I32(0)])),
            ("run", vec![Val::I32(40)], Returns(vec![Val::I32(0)])),
        ],
    );
}
