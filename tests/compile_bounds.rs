//! Compile-time bounds: pathological but valid functions (50,000 locals,
//! the most wasmparser accepts,
//! 10,000 nested blocks, 600 and 20,000 nested loops carrying their
//! counters, 20,000 values live across 20,000 `if`s, a
//! 100,000-entry `br_table`, a loop dispatching to 20,000 cases) must
//! compile, in every
//! tier `Engine::new` accepts (and lazily, on the first call, on the thread
//! that runs the Wasm code), within a generous time. This is a hang and
//! blow-up detector, not a benchmark: each case runs in its own thread and
//! fails past [`LIMIT`] (debug build, shared 2-core machine). Each compiled
//! function is also called once and its result checked.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use strata::{Config, Engine, Instance, Module, Store, Tier, Val};
use wasm_encoder::{
    BlockType, CodeSection, ExportKind, ExportSection, Function, FunctionSection, MemArg,
    MemArgTarget, MemorySection, MemoryType, TypeSection, ValType,
};

const LIMIT: Duration = Duration::from_secs(60);

/// A module with one exported function `f: (i32) -> i32` with `locals`
/// and `body`.
fn module(locals: Vec<(u32, ValType)>, body: impl FnOnce(&mut Function)) -> Vec<u8> {
    module_with_memory(false, locals, body)
}

/// [`module`], with a one-page memory if `memory`.
fn module_with_memory(
    memory: bool,
    locals: Vec<(u32, ValType)>,
    body: impl FnOnce(&mut Function),
) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], [ValType::I32]);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    let mut exports = ExportSection::new();
    exports.export("f", ExportKind::Func, 0);
    let mut f = Function::new(locals);
    body(&mut f);
    f.instructions().end();
    let mut code = CodeSection::new();
    code.function(&f);
    let mut m = wasm_encoder::Module::new();
    m.section(&types).section(&funcs);
    if memory {
        let mut mems = MemorySection::new();
        mems.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&mems);
    }
    m.section(&exports).section(&code);
    m.finish()
}

/// 50,000 locals counting the parameter (wasmparser's limit), all
/// zero-initialised: returns `2 * param + 1` through the first and the last
/// local, adding a zero local on the way.
fn many_locals() -> Vec<u8> {
    module(vec![(25_000, ValType::I64), (24_999, ValType::I32)], |f| {
        let last = 49_999; // index of the last local (param is 0)
        f.instructions()
            .local_get(0)
            .i64_extend_i32_u()
            .local_set(1)
            .local_get(0)
            .local_set(last)
            .local_get(last)
            .local_get(last - 1) // zero
            .i32_add()
            .local_get(1)
            .i32_wrap_i64()
            .i32_add()
            .i32_const(1)
            .i32_add();
    })
}

/// 49,999 i32 locals that are all live at once: local `i` = param + i, then
/// the sum of all of them (stresses liveness and allocation, not just
/// zeroing).
fn many_live_locals() -> Vec<u8> {
    module(vec![(LIVE_LOCALS, ValType::I32)], |f| {
        let mut ins = f.instructions();
        for i in 1..=LIVE_LOCALS {
            ins.local_get(0).i32_const(i as i32).i32_add().local_set(i);
        }
        ins.local_get(1);
        for i in 2..=LIVE_LOCALS {
            ins.local_get(i).i32_add();
        }
    })
}

const LIVE_LOCALS: u32 = 49_999;

/// What [`many_live_locals`] returns for `x`.
fn live_locals_sum(x: i32) -> i32 {
    let n = LIVE_LOCALS as i64;
    (n * i64::from(x) + n * (n + 1) / 2) as i32
}

/// 10,000 nested blocks; the innermost branches out of all but the
/// outermost when the param is non-zero. Returns 1 for a non-zero param
/// and 2 for zero.
fn nested_blocks() -> Vec<u8> {
    const DEPTH: u32 = 10_000;
    module(vec![], |f| {
        let mut ins = f.instructions();
        ins.block(BlockType::Result(ValType::I32));
        for _ in 1..DEPTH {
            ins.block(BlockType::Empty);
        }
        // Depth DEPTH-1 targets the outermost (value-carrying) block.
        ins.i32_const(1).local_get(0).br_if(DEPTH - 1).drop();
        for _ in 1..DEPTH {
            ins.end();
        }
        ins.i32_const(2).end();
    })
}

/// `depth` nested loops, each running once and adding the byte at
/// `i_k + 16` (zero) plus one to a sum, where `i_k` is loop `k`'s own
/// counter, never reset: every loop header carries the counters of all
/// loops inside it, so the function's SSA form is quadratic in its size
/// (600 loops: 180,000 block parameters) and the optimizing tier's
/// allocation on it cubic (over a minute here). The optimizing tier gives
/// up on SSA for it early (`strata_frontend::ssa::ssa_budget`) and compiles
/// it as the baseline does. Every outer counter is live in every inner
/// loop, so exact liveness sets would be quadratic too (20,000 loops: 40,000
/// blocks × 20,000 values); the allocator takes conservative intervals
/// instead. Returns `param + depth`.
fn nested_loops_carrying_counters(depth: u32) -> Vec<u8> {
    let acc = 1;
    module_with_memory(true, vec![(depth + 1, ValType::I32)], |f| {
        let mut ins = f.instructions();
        let mem = MemArg {
            offset: 16,
            align: 0,
            target: MemArgTarget::Memory(0),
            ordering: None,
        };
        for k in 0..depth {
            ins.loop_(BlockType::Empty)
                .local_get(2 + k)
                .i32_load8_u(mem)
                .i32_const(1)
                .i32_add()
                .local_get(acc)
                .i32_add()
                .local_set(acc);
        }
        for k in (0..depth).rev() {
            let i = 2 + k;
            ins.local_get(i)
                .i32_const(1)
                .i32_add()
                .local_tee(i)
                .i32_const(1)
                .i32_ne()
                .br_if(0)
                .end();
        }
        ins.local_get(acc).local_get(0).i32_add();
    })
}

/// `n` locals set to `param * (k + 3)`, then `n` `if`s that each may add
/// one to the param, then the sum of the param and all locals: `n` values
/// live across `2n` blocks (exact liveness sets: quadratic), and each read
/// at the end walks SSA construction back through every `if` (quadratic
/// work, stopped by its budget).
fn values_live_across_ifs(n: u32) -> Vec<u8> {
    module(vec![(n, ValType::I32)], |f| {
        let mut ins = f.instructions();
        for k in 0..n {
            ins.local_get(0)
                .i32_const(k as i32 + 3)
                .i32_mul()
                .local_set(k + 1);
        }
        for k in 0..n {
            ins.local_get(0)
                .i32_const(k as i32)
                .i32_and()
                .if_(BlockType::Empty)
                .local_get(0)
                .i32_const(1)
                .i32_add()
                .local_set(0)
                .end();
        }
        ins.local_get(0);
        for k in 0..n {
            ins.local_get(k + 1).i32_add();
        }
    })
}

/// What [`values_live_across_ifs`] returns for `x`.
fn values_live_across_ifs_result(n: u32, x: i32) -> i32 {
    let mut p = x;
    let locals: Vec<i32> = (0..n).map(|k| x.wrapping_mul(k as i32 + 3)).collect();
    for k in 0..n {
        if p & k as i32 != 0 {
            p = p.wrapping_add(1);
        }
    }
    locals.iter().fold(p, |a, &l| a.wrapping_add(l))
}

/// A 100,000-entry `br_table` over 4 blocks; block `k` returns `k`.
fn big_br_table() -> Vec<u8> {
    const ENTRIES: u32 = 100_000;
    module(vec![], |f| {
        let mut ins = f.instructions();
        ins.block(BlockType::Empty); // 3
        ins.block(BlockType::Empty); // 2
        ins.block(BlockType::Empty); // 1
        ins.block(BlockType::Empty); // 0
        ins.local_get(0).br_table((0..ENTRIES).map(|i| i % 4), 0);
        ins.end().i32_const(0).return_();
        ins.end().i32_const(1).return_();
        ins.end().i32_const(2).return_();
        ins.end().i32_const(3);
    })
}

/// An interpreter's loop with `cases` cases: each iteration counts the
/// argument down and dispatches on the count through a `br_table`; case
/// `k` adds `k + 1` to a local carried around the loop and branches back,
/// so the local is redefined on every path into the loop header (one piece
/// of its interval per case for the optimizing tier's allocator). Returns
/// the local once the count reaches zero: `sum of (i % cases) + 1` for `i`
/// below the argument.
fn dispatch_loop(cases: u32) -> Vec<u8> {
    module(vec![(2, ValType::I32)], |f| {
        let (x, i) = (1, 2);
        let mut ins = f.instructions();
        ins.local_get(0).local_set(i);
        ins.loop_(BlockType::Empty);
        ins.local_get(i).i32_eqz().if_(BlockType::Empty);
        ins.local_get(x).return_();
        ins.end();
        ins.local_get(i).i32_const(1).i32_sub().local_set(i);
        for _ in 0..cases {
            ins.block(BlockType::Empty);
        }
        ins.local_get(i)
            .i32_const(cases as i32)
            .i32_rem_u()
            .br_table(0..cases, 0);
        for k in 0..cases {
            ins.end();
            ins.local_get(x)
                .i32_const(k as i32 + 1)
                .i32_add()
                .local_set(x)
                .br(cases - 1 - k);
        }
        ins.end().unreachable();
    })
}

/// The configurations every case runs in: each tier ahead of time, and the
/// baseline tier lazily (compiled inside the first call).
const MODES: [(Tier, bool); 3] = [
    (Tier::Baseline, false),
    (Tier::Optimizing, false),
    (Tier::Baseline, true),
];

/// Compiles `wasm` with `tier` (lazily if `lazy`) and calls `f(arg)` in a
/// thread; fails past [`LIMIT`].
fn check(name: &str, wasm: Vec<u8>, mode: (Tier, bool), cases: &[(i32, i32)]) {
    check_with(name, wasm, mode, cases, true, LIMIT)
}

/// The bound of the cases that used to be quadratic ([`check_big`]): 30 to
/// 45 s each before their passes were made linear, under 4 s after (debug
/// build).
const BIG_LIMIT: Duration = Duration::from_secs(20);

/// [`check`] for functions with tens of thousands of blocks and values,
/// within [`BIG_LIMIT`], and without the allocation checker of debug
/// builds: it keeps every block's view of every location, so on such
/// functions it is itself quadratic (minutes, gigabytes), which is not what
/// these tests measure.
fn check_big(name: &str, wasm: Vec<u8>, mode: (Tier, bool), cases: &[(i32, i32)]) {
    check_with(name, wasm, mode, cases, false, BIG_LIMIT)
}

/// [`check`] with the allocation checker on or off and a time limit.
fn check_with(
    name: &str,
    wasm: Vec<u8>,
    (tier, lazy): (Tier, bool),
    cases: &[(i32, i32)],
    validate: bool,
    limit: Duration,
) {
    let mut config = Config::new();
    config
        .tier(tier)
        .lazy_compilation(lazy)
        .validate_regalloc(validate && cfg!(debug_assertions));
    let Ok(engine) = Engine::new(&config) else {
        assert_eq!(tier, Tier::Optimizing, "the baseline tier must exist");
        eprintln!("{name}: {tier:?} tier unavailable, skipped");
        return;
    };
    let args: Vec<i32> = cases.iter().map(|(arg, _)| *arg).collect();
    let (tx, rx) = mpsc::channel();
    let label = format!("{name} ({tier:?}{})", if lazy { ", lazy" } else { "" });
    std::thread::Builder::new()
        .name(label.clone())
        .spawn(move || {
            let start = Instant::now();
            let module = Module::new(&engine, &wasm);
            let compiled = start.elapsed();
            let result = module.map_err(|e| e.to_string()).and_then(|module| {
                let mut store = Store::new(&engine, ());
                let instance =
                    Instance::new(&mut store, &module, &[]).map_err(|e| e.to_string())?;
                let f = instance.get_func(&mut store, "f").ok_or("no export f")?;
                let mut got = Vec::new();
                for arg in &args {
                    let mut out = [Val::I32(0)];
                    f.call(&mut store, &[Val::I32(*arg)], &mut out)
                        .map_err(|e| e.to_string())?;
                    got.push(out[0].i32().unwrap());
                }
                Ok(got)
            });
            let _ = tx.send((compiled, result));
        })
        .unwrap();
    let (compiled, result) = rx
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{label}: compiling and calling took more than {limit:?}"));
    eprintln!("{label}: compiled in {compiled:?}");
    let got = result.unwrap_or_else(|e| panic!("{label}: {e}"));
    let want: Vec<i32> = cases.iter().map(|(_, w)| *w).collect();
    assert_eq!(got, want, "{label}: results for args {cases:?}");
}

#[test]
fn fifty_thousand_locals() {
    for mode in MODES {
        check(
            "50,000 locals",
            many_locals(),
            mode,
            &[(0, 1), (7, 15), (-1, -1)],
        );
        check(
            "50,000 live locals",
            many_live_locals(),
            mode,
            &[(0, live_locals_sum(0)), (-3, live_locals_sum(-3))],
        );
    }
}

#[test]
fn ten_thousand_nested_blocks() {
    for mode in MODES {
        check(
            "10,000 nested blocks",
            nested_blocks(),
            mode,
            &[(0, 2), (5, 1)],
        );
    }
}

#[test]
fn six_hundred_nested_loops_carrying_counters() {
    for mode in MODES {
        check(
            "600 nested loops carrying counters",
            nested_loops_carrying_counters(600),
            mode,
            &[(0, 600), (7, 607)],
        );
    }
}

#[test]
fn twenty_thousand_nested_loops_carrying_counters() {
    for mode in MODES {
        check_big(
            "20,000 nested loops carrying counters",
            nested_loops_carrying_counters(20_000),
            mode,
            &[(0, 20_000), (7, 20_007)],
        );
    }
}

#[test]
fn twenty_thousand_values_live_across_twenty_thousand_ifs() {
    const N: u32 = 20_000;
    for mode in MODES {
        check_big(
            "20,000 values live across 20,000 ifs",
            values_live_across_ifs(N),
            mode,
            &[
                (0, values_live_across_ifs_result(N, 0)),
                (5, values_live_across_ifs_result(N, 5)),
                (-1, values_live_across_ifs_result(N, -1)),
            ],
        );
    }
}

#[test]
fn hundred_thousand_entry_br_table() {
    for mode in MODES {
        check(
            "100,000-entry br_table",
            big_br_table(),
            mode,
            &[(0, 0), (1, 1), (6, 2), (99_999, 3), (100_000, 0), (-1, 0)],
        );
    }
}

#[test]
fn twenty_thousand_case_dispatch_loop() {
    // (Both tiers' allocators were quadratic here: checking the CFG
    // searched the loop header's 20,000 predecessors once per case, and
    // the optimizing tier's register lanes moved the counter's 20,000
    // ranges once per case: 0.3 and 0.8 s in a release build, 3.2 and 8.9 s
    // with 80,000 cases; now 0.06 and 0.2 s, and 0.16 and 0.5 s.)
    for mode in MODES {
        check_big(
            "20,000-case dispatch loop",
            dispatch_loop(20_000),
            mode,
            &[(0, 0), (5, 15), (100, 5050)],
        );
    }
}
