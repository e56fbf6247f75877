//! Golden tests of the optimizing tier, Wasm in, machine code out: each
//! `tests/golden/NAME.wat` is compiled with `Tier::Optimizing` and its
//! listing (`strata compile --tier optimizing --emit asm`) compared with
//! `tests/golden/NAME.asm`. Run with `STRATA_BLESS=1` to rewrite the `.asm`
//! files after an intended change, and review the diff. The properties
//! each case is about are also asserted on the code itself, so that a
//! blessed regression cannot slip through, and each module is run.

use std::path::{Path, PathBuf};

use strata::{Config, Emit, Engine, Instance, Module, Store, Tier, Val, compile_listing};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The optimizing tier with AVX (the goldens' float arithmetic is in its
/// three-operand form); `None`, and the goldens are skipped, on a host
/// without AVX.
fn engine() -> Option<Engine> {
    let mut config = Config::new();
    config.tier(Tier::Optimizing).avx(true);
    Engine::new(&config).ok()
}

/// The listing of `NAME.wat`, checked against (or with `STRATA_BLESS=1`
/// written to) `NAME.asm`.
fn golden(engine: &Engine, name: &str) -> String {
    let wat = std::fs::read(dir().join(format!("{name}.wat"))).expect("read .wat");
    let got = compile_listing(engine, &wat, Emit::Asm).expect("compile");
    let asm = dir().join(format!("{name}.asm"));
    if std::env::var("STRATA_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&asm, &got).expect("write .asm");
        return got;
    }
    let want = std::fs::read_to_string(&asm)
        .unwrap_or_else(|_| panic!("missing {} (run with STRATA_BLESS=1)", asm.display()));
    if want != got {
        let diff: Vec<String> = want
            .lines()
            .zip(got.lines())
            .filter(|(a, b)| a != b)
            .take(8)
            .map(|(a, b)| format!("  expected: {a}\n       got: {b}"))
            .collect();
        panic!(
            "{name}: output differs (run with STRATA_BLESS=1 to update)\n{}\nfull output:\n{got}",
            diff.join("\n")
        );
    }
    got
}

/// One disassembled instruction: offset and text.
fn lines(listing: &str) -> Vec<(u64, String)> {
    listing
        .lines()
        .filter_map(|l| {
            let (off, text) = l.trim().split_once(": ")?;
            Some((u64::from_str_radix(off, 16).ok()?, text.to_string()))
        })
        .collect()
}

/// The instructions of the function's only loop: from the target of its
/// one backward branch to that branch.
fn the_loop(code: &[(u64, String)]) -> &[(u64, String)] {
    let back: Vec<(usize, u64)> = code
        .iter()
        .enumerate()
        .filter_map(|(k, (off, text))| {
            let target = u64::from_str_radix(text.split_once(" 0x")?.1, 16).ok()?;
            (text.starts_with('j') && target <= *off).then_some((k, target))
        })
        .collect();
    assert_eq!(back.len(), 1, "one backward branch: {back:?}");
    let (end, target) = back[0];
    let start = code
        .iter()
        .position(|(off, _)| *off == target)
        .expect("loop head");
    &code[start..=end]
}

/// The listing of `NAME.wat` (checked against `NAME.asm`, see [`golden`])
/// and the instructions of its function's only loop.
fn golden_loop(engine: &Engine, name: &str) -> (String, Vec<String>) {
    let text = golden(engine, name);
    let body = loop_body(&text);
    (text, body)
}

/// The listing of `NAME.wat` compiled by `engine` (not compared with a
/// golden file) and the instructions of its loop.
fn listing_loop(engine: &Engine, name: &str) -> (String, Vec<String>) {
    let wat = std::fs::read(dir().join(format!("{name}.wat"))).expect("read .wat");
    let text = compile_listing(engine, &wat, Emit::Asm).expect("compile");
    let body = loop_body(&text);
    (text, body)
}

/// The instructions of the loop of a one-loop listing.
fn loop_body(text: &str) -> Vec<String> {
    the_loop(&lines(text))
        .iter()
        .map(|(_, t)| t.clone())
        .collect()
}

/// Whether an instruction touches the stack frame (a spill or reload).
fn on_stack(t: &str) -> bool {
    t.contains("rbp") || t.contains("rsp")
}

/// Calls export `name` of `wat` with one `i32`; `zero` gives the result's
/// type.
fn call(engine: &Engine, wat: &str, name: &str, arg: i32, zero: Val) -> Val {
    let module = Module::new(engine, std::fs::read(dir().join(wat)).unwrap()).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_func(&mut store, name).unwrap();
    let mut out = [zero];
    f.call(&mut store, &[Val::I32(arg)], &mut out).unwrap();
    let [v] = out;
    v
}

fn call_i32(engine: &Engine, wat: &str, name: &str, arg: i32) -> i32 {
    call(engine, wat, name, arg, Val::I32(0)).i32().unwrap()
}

#[test]
fn sum_loop_folds_the_load_and_stays_in_registers() {
    let Some(engine) = engine() else { return };
    let (text, body) = golden_loop(&engine, "sum_loop");
    let mem: Vec<&String> = body.iter().filter(|t| t.contains('[')).collect();
    // One memory access in the loop: the array load, index and offset in
    // the addressing mode, folded into the add.
    assert_eq!(mem.len(), 1, "{text}");
    assert!(
        mem[0].starts_with("add e") && mem[0].contains("[r15+r") && mem[0].ends_with("+0x400]"),
        "{text}"
    );
    // Nothing on the stack: no spill, no reload.
    assert!(!body.iter().any(|t| on_stack(t)), "{text}");
    for (n, want) in [(0, 0), (1, 1), (3, 6), (5, 15)] {
        assert_eq!(call_i32(&engine, "sum_loop.wat", "sum", n), want);
    }
}

#[test]
fn fib_loop_keeps_its_values_in_callee_saved_registers() {
    let Some(engine) = engine() else { return };
    let (text, body) = golden_loop(&engine, "fib_loop");
    // n and the accumulator live across the call in callee-saved
    // registers: no spill, no reload in the loop.
    assert!(!body.iter().any(|t| on_stack(t)), "{text}");
    // The sum is computed into the accumulator's own register (`add ebx,
    // eax`), so only `n - 2` moves: one register move. It runs between the
    // loop's compare and its conditional branch back (`n` is dead on the
    // exit path), as clang places it: no `jcc exit; mov; jmp` at the end.
    let n = body.len();
    assert!(
        body[n - 1].starts_with('j') && !body[n - 1].starts_with("jmp"),
        "{text}"
    );
    assert!(body[n - 2].starts_with("mov r"), "{text}");
    assert!(body[n - 3].starts_with("cmp "), "{text}");
    assert_eq!(
        body.iter().filter(|t| t.starts_with("mov")).count(),
        1,
        "{text}"
    );
    // Shrink-wrapped: the base case (`n < 2`) returns without a frame (no
    // `push rbp`, stack check or `sub rsp`: four instructions) and without
    // saving or restoring those registers; the prologue and the saves come
    // after the branch, on the path into the loop, and the loop's exit
    // restores them.
    let code = lines(&text);
    let first_ret = code.iter().position(|(_, t)| t == "ret").expect("ret");
    assert_eq!(first_ret, 3, "{text}");
    assert!(code[first_ret + 1].1 == "push rbp", "{text}");
    let frame = |t: &str| t.contains("[rbp-0x10]") || t.contains("[rbp-0x18]");
    assert!(!code[..first_ret].iter().any(|(_, t)| frame(t)), "{text}");
    let saves: Vec<usize> = (0..code.len())
        .filter(|&k| code[k].1.starts_with("mov [rbp-"))
        .collect();
    assert_eq!(saves.len(), 2, "{text}");
    assert!(saves[0] > first_ret, "{text}");
    let restores = code
        .iter()
        .filter(|(_, t)| t.starts_with("mov r") && frame(t))
        .count();
    assert_eq!(restores, 2, "{text}");
    for (n, want) in [(0, 0), (1, 1), (2, 1), (10, 55), (20, 6765)] {
        assert_eq!(call_i32(&engine, "fib_loop.wat", "fib", n), want);
    }
}

#[test]
fn masked_table_index_folds_into_the_address() {
    let Some(engine) = engine() else { return };
    let (text, texts) = golden_loop(&engine, "crc_table");
    // The table load: scaled index and table offset in the addressing mode,
    // folded into the xor; no shift or add left to compute the address.
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("xor e") && t.contains("*4+0x400]")),
        "{text}"
    );
    assert!(!texts.iter().any(|t| t.starts_with("shl ")), "{text}");
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("movzx") && !t.contains('[')),
        "{text}"
    );
    // Reference: the same recurrence over the buffer's bytes 0, 1, 2 and
    // the table's entries.
    let table = |k: u32| {
        [0x10, 0x21, 0x32, 0x43]
            .get(k as usize)
            .copied()
            .unwrap_or(0)
    };
    for (n, bytes) in [(0, &[][..]), (2, &[0u8, 1][..]), (3, &[0, 1, 2][..])] {
        let mut c = 0u32;
        for &b in bytes {
            c = table((c ^ u32::from(b)) & 0xff) ^ (c >> 8);
        }
        assert_eq!(call_i32(&engine, "crc_table.wat", "crc", n), c as i32);
    }
}

#[test]
fn negative_field_offsets_fold_into_the_address() {
    let Some(engine) = engine() else { return };
    let text = golden(&engine, "field_loop");
    let code: Vec<String> = lines(&text).into_iter().map(|(_, t)| t).collect();
    // Every field access addresses `[r15 + p - 0x10]` or `[r15 + p - 8]`:
    // the initialising stores, and in the walk the `v` load and store
    // (which share their address), the `x` loads and store.
    let field = |t: &&String| t.contains("[r15+r") && (t.contains("-0x10]") || t.contains("-8]"));
    assert_eq!(code.iter().filter(field).count(), 7, "{text}");
    assert!(
        code.iter()
            .any(|t| t.starts_with("movsd [r15+r") && t.contains("-8],xmm")),
        "{text}"
    );
    // No `lea` computes a field's address.
    assert!(
        !code
            .iter()
            .any(|t| t.starts_with("lea ") && (t.ends_with("-0x10]") || t.ends_with("-8]"))),
        "{text}"
    );
    // x_i = i, v_i = 1; then v += x / 2, x += v / 2: the sum of the new x.
    for (n, want) in [
        (0, 0.0),
        (1, 0.5),
        (3, 5.25),
        (100, 100.0 * 99.0 / 2.0 * 1.25 + 50.0),
    ] {
        let got = call(&engine, "field_loop.wat", "step", n, Val::F64(0))
            .f64()
            .unwrap();
        assert_eq!(got, want, "step({n})");
    }
}

#[test]
fn offsets_after_an_access_through_the_pointer_fold_into_the_address() {
    let Some(engine) = engine() else { return };
    let (text, body) = golden_loop(&engine, "axpy_pairs");
    // c[j + 1] and b[j + 1] at `[r15 + p + 8]`: its load, the multiply's
    // load and the store (sharing the load's address). No `lea`, nothing
    // on the stack.
    let second = |t: &&String| t.contains("[r15+r") && t.contains("+8]");
    assert_eq!(body.iter().filter(second).count(), 3, "{text}");
    assert!(!body.iter().any(|t| t.starts_with("lea ")), "{text}");
    assert!(!body.iter().any(|t| on_stack(t)), "{text}");
    // b[k] = k + 1, c[k] = 10k; c += 0.5 b over n pairs: c[0] + c[2n - 1].
    let module = Module::new(
        &engine,
        std::fs::read(dir().join("axpy_pairs.wat")).unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let mem = instance.get_memory(&mut store, "mem").unwrap();
    let axpy = instance
        .get_typed_func::<(i32, i32, i32, f64), f64>(&mut store, "axpy")
        .unwrap();
    for n in [1u32, 2, 7, 100] {
        for k in 0..2 * n {
            let at = 8 * k as usize;
            mem.write(&mut store, 0x100 + at, &f64::from(k + 1).to_le_bytes())
                .unwrap();
            mem.write(&mut store, 0x2000 + at, &f64::from(10 * k).to_le_bytes())
                .unwrap();
        }
        let got = axpy
            .call(&mut store, (0x100, 0x2000, n as i32, 0.5))
            .unwrap();
        let want = 0.5 + (f64::from(10 * (2 * n - 1)) + 0.5 * f64::from(2 * n));
        assert_eq!(got, want, "axpy(n = {n})");
    }
}

#[test]
fn loop_counter_bounded_by_its_test_folds_into_the_address() {
    let Some(engine) = engine() else { return };
    let (text, texts) = golden_loop(&engine, "strided_store");
    // The store takes the array's address as its displacement; nothing in
    // the loop computes `j + 0x400` into a register.
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("mov byte ptr [r15+") && t.ends_with("+0x400],1")),
        "{text}"
    );
    assert!(!texts.iter().any(|t| t.starts_with("lea ")), "{text}");
    assert_eq!(texts.len(), 4, "store, add, cmp, branch: {text}");
    // mark(i) = mark[3i] + mark[2i + 1] after marking 2i, 3i, .. below 2001.
    for (i, want) in [
        (0, 0),
        (1, 2),
        (2, 1),
        (500, 1),
        (667, 0),
        (1000, 0),
        (1001, 0),
    ] {
        assert_eq!(
            call_i32(&engine, "strided_store.wat", "mark", i),
            want,
            "mark({i})"
        );
    }
}

#[test]
fn scan_loop_increments_its_index_in_place() {
    let Some(engine) = engine() else { return };
    let (text, body) = golden_loop(&engine, "scan_loop");
    // The index is incremented in its own register and the loop ends in
    // its conditional branch: no register move, no `jmp`.
    assert!(
        !body
            .iter()
            .any(|t| t.starts_with("mov r") || t.starts_with("lea ") || t.starts_with("jmp")),
        "{text}"
    );
    assert_eq!(body.len(), 4, "load, add, cmp, branch: {text}");
    // The data: 1 2 3 5 8 13 21 34 55 89; the first index whose element is
    // not below p.
    for (p, want) in [(0, 0), (1, 0), (2, 1), (4, 3), (9, 5), (89, 9), (60, 9)] {
        assert_eq!(call_i32(&engine, "scan_loop.wat", "scan", p), want);
    }
}

/// The float register moves (`movaps`) of a loop body, and whether it uses
/// a scratch register (`xmm14`/`xmm15`, the allocator's fix-up temporaries).
fn float_moves(body: &[String]) -> (Vec<&String>, bool) {
    let moves = body.iter().filter(|t| t.starts_with("movaps")).collect();
    let scratch = body
        .iter()
        .any(|t| t.contains("xmm14") || t.contains("xmm15"));
    (moves, scratch)
}

#[test]
fn dot_loop_accumulates_in_place() {
    let Some(engine) = engine() else { return };
    let (text, body) = golden_loop(&engine, "dot_loop");
    // No float move: `vdivsd` leaves the constant it divides in place.
    // None through a scratch register, none on the back edge.
    let (moves, scratch) = float_moves(&body);
    assert!(!scratch && moves.is_empty(), "{text}");
    assert!(body.iter().any(|t| t.starts_with("vdivsd ")), "{text}");
    // Without AVX, one: the copy of the constant that `divsd` overwrites.
    let mut config = Config::new();
    config.tier(Tier::Optimizing).avx(false);
    let sse = Engine::new(&config).unwrap();
    let (sse_text, sse_body) = listing_loop(&sse, "dot_loop");
    let (moves, scratch) = float_moves(&sse_body);
    assert!(!scratch, "{sse_text}");
    assert_eq!(moves.len(), 1, "{sse_text}");
    let sum = sse_body
        .iter()
        .find_map(|t| t.strip_prefix("addsd "))
        .and_then(|t| t.split_once(','))
        .map(|(d, _)| d.to_string())
        .expect("addsd in the loop");
    assert!(
        !moves[0].starts_with(&format!("movaps {sum},")),
        "{sse_text}"
    );
    // The counter: `j + 1` is read early (the conversion), `j` late (the
    // address). A second `j + 1` after the address goes round the back
    // edge in `j`'s own register (`ir::opt::lateinc`), so the loop ends
    // in its conditional branch: no copy, no `jmp`.
    let last = body.last().expect("loop");
    assert!(last.starts_with('j') && !last.starts_with("jmp"), "{text}");
    assert!(
        body.iter()
            .any(|t| t.starts_with("add e") && t.ends_with(",1")),
        "{text}"
    );
    // The baseline tier: its sum is one register too (non-SSA: the add
    // redefines its second operand), so the same holds.
    let mut config = Config::new();
    config.tier(Tier::Baseline);
    let baseline = Engine::new(&config).unwrap();
    let (listing, body) = listing_loop(&baseline, "dot_loop");
    let (moves, scratch) = float_moves(&body);
    assert!(!scratch && moves.is_empty(), "{listing}");
    // v = 1, 2, 3: the sum of v[j] / (j + 1).
    for engine in [&engine, &sse, &baseline] {
        for (n, want) in [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0)] {
            assert_eq!(
                call(engine, "dot_loop.wat", "dot", n, Val::F64(0)).f64(),
                Some(want)
            );
        }
    }
}

#[test]
fn ack_loop_loads_its_hoisted_constant_again_in_the_loop() {
    let Some(engine) = engine() else { return };
    let (text, body) = golden_loop(&engine, "ack_loop");
    // The `n == 0` arm's constant 1 is an immediate move in the loop ...
    assert!(
        body.iter()
            .any(|t| t.starts_with("mov e") && t.ends_with(",1")),
        "{text}"
    );
    // ... not a value held in a second callee-saved register across the
    // call: the frame saves one register (for `m`) and spills nothing.
    let saves = text.lines().filter(|l| l.contains(": mov [rbp-")).count();
    assert_eq!(saves, 1, "{text}");
    // Its `m == 0` exit returns through the block the loop ends in; the
    // optimizer copies that block for the entry's edge (`opt::retdup`), so
    // the exit runs before the prologue, without a frame: `test; jne; lea;
    // ret`, and the save of `m`'s register comes after it.
    let code = lines(&text);
    let first_ret = code.iter().position(|(_, t)| t == "ret").expect("ret");
    assert_eq!(first_ret, 3, "{text}");
    assert_eq!(code[first_ret + 1].1, "push rbp", "{text}");
    let save = code.iter().position(|(_, t)| t.starts_with("mov [rbp-"));
    assert!(save.is_some_and(|s| s > first_ret), "{text}");
    assert!(!body.iter().any(|t| on_stack(t)), "{text}");
    let module = Module::new(&engine, std::fs::read(dir().join("ack_loop.wat")).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let ack = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "ack")
        .unwrap();
    for ((m, n), want) in [((0, 5), 6), ((1, 2), 4), ((2, 3), 9), ((3, 3), 61)] {
        assert_eq!(ack.call(&mut store, (m, n)).unwrap(), want);
    }
}

#[test]
fn exit_in_loop_leaves_the_exit_path_out_of_the_loop() {
    let Some(engine) = engine() else { return };
    let (text, body) = golden_loop(&engine, "exit_in_loop");
    // The early `return -1` is not inside the loop's code: the test
    // branches forward out of it, and the loop runs straight down to its
    // backward branch (no jump over the exit path, no second jump back).
    assert!(!body.iter().any(|t| t == "ret"), "{text}");
    let jumps: Vec<&String> = body.iter().filter(|t| t.starts_with('j')).collect();
    assert_eq!(jumps.len(), 2, "the exit test and the back edge: {text}");
    assert!(jumps[0].starts_with("je "), "{text}");
    // After the loop: its normal exit, falling through, not a jump.
    let code = lines(&text);
    let end = code
        .iter()
        .position(|(_, t)| t == body.last().unwrap())
        .unwrap();
    assert!(!code[end + 1].1.starts_with("jmp"), "{text}");
    let module = Module::new(
        &engine,
        std::fs::read(dir().join("exit_in_loop.wat")).unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let count = instance
        .get_typed_func::<i32, i32>(&mut store, "count")
        .unwrap();
    let mem = instance.get_memory(&mut store, "mem").unwrap();
    mem.write(&mut store, 0, &[1, 0, 7, 0, 255, 3]).unwrap();
    for (n, want) in [(1, 1), (2, 1), (4, 2), (5, -1), (6, -1)] {
        assert_eq!(count.call(&mut store, n).unwrap(), want, "count({n})");
    }
}

/// Loop alignment padding that the code before a loop header falls into
/// is not run as `nop`s beyond one 9-byte `nop`: a longer padding follows
/// a jump (over it, or elsewhere), a return or a trap. Checked on the
/// listing of every golden module.
#[test]
fn long_alignment_padding_is_jumped_over() {
    let Some(engine) = engine() else { return };
    let mut padded = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wat") {
            continue;
        }
        let wat = std::fs::read(&path).unwrap();
        let text = compile_listing(&engine, &wat, Emit::Asm).unwrap();
        let code = lines(&text);
        let is_pad = |t: &str| t.starts_with("nop") || t == "xchg ax,ax";
        let mut k = 0;
        while k < code.len() {
            if !is_pad(&code[k].1) {
                k += 1;
                continue;
            }
            let start = k;
            while k < code.len() && is_pad(&code[k].1) {
                k += 1;
            }
            let Some((end, _)) = code.get(k) else { break };
            let bytes = end - code[start].0;
            if bytes > 9 {
                padded += 1;
                let before = &code[start - 1].1;
                assert!(
                    before.starts_with("jmp") || before == "ret" || before == "ud2",
                    "{}: {bytes} bytes of padding run after `{before}`\n{text}",
                    path.display()
                );
            }
        }
    }
    assert!(padded >= 5, "only {padded} long paddings in the goldens");
}

/// Every loop header (the target of a backward branch) of a loop without
/// a call sits 16 bytes past a 64-byte boundary of its function
/// (functions start at one), in both tiers: on AMD Zen 5 a loop that
/// stepped its address registers between a store and a load through them
/// ran up to twice as slow when it began at the boundary (isa-x64's
/// `LOOP_HEADER_OFFSET`). A loop that calls is not padded at all. Checked
/// on the listing of every golden module.
#[test]
fn loop_headers_sit_16_bytes_into_a_64_byte_line() {
    let Some(engine) = engine() else { return };
    let mut config = Config::new();
    config.tier(Tier::Baseline);
    let baseline = Engine::new(&config).unwrap();
    let (mut aligned, mut calling) = (0, 0);
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wat") {
            continue;
        }
        let wat = std::fs::read(&path).unwrap();
        for engine in [&engine, &baseline] {
            let text = compile_listing(engine, &wat, Emit::Asm).unwrap();
            let code = lines(&text);
            for (k, (off, insn)) in code.iter().enumerate() {
                let Some(target) = insn
                    .split_once(" 0x")
                    .and_then(|(_, t)| u64::from_str_radix(t, 16).ok())
                else {
                    continue;
                };
                if !insn.starts_with('j') || target > *off {
                    continue;
                }
                let head = code[..k]
                    .iter()
                    .rposition(|(o, _)| *o == target)
                    .expect("loop header");
                let what = format!(
                    "{}: `{insn}` at {off:#x} goes back to {target:#x}\n{text}",
                    path.display()
                );
                // (A loop with several back edges, a `switch` in a loop,
                // spans up to its last one.)
                let end = code
                    .iter()
                    .rposition(|(o, t)| {
                        t.starts_with('j') && *o >= *off && t.ends_with(&format!(" {target:#X}"))
                    })
                    .unwrap_or(k);
                if code[head..end].iter().any(|(_, t)| t.starts_with("call")) {
                    calling += 1;
                    let before = head.checked_sub(1).map(|p| &code[p].1);
                    assert!(
                        before.is_none_or(|t| !t.starts_with("nop") && t != "xchg ax,ax"),
                        "a loop that calls is padded: {what}"
                    );
                } else {
                    aligned += 1;
                    assert_eq!(target % 64, 16, "{what}");
                }
            }
        }
    }
    assert!(
        aligned >= 12,
        "only {aligned} loops without calls in the goldens"
    );
    assert!(
        calling >= 2,
        "only {calling} loops that call in the goldens"
    );
}

/// A global the module defines lives in the VMContext: each access is one
/// instruction at `[r14 + offset]` (no storage pointer, no copy of r14
/// into a register), in either tier.
#[test]
fn global_loop_accesses_its_globals_in_the_vmctx() {
    let Some(engine) = engine() else { return };
    let (opt, body) = golden_loop(&engine, "global_loop");
    let mut config = Config::new();
    config.tier(Tier::Baseline);
    let baseline = Engine::new(&config).unwrap();
    let wat = std::fs::read(dir().join("global_loop.wat")).unwrap();
    let base = compile_listing(&baseline, &wat, Emit::Asm).expect("compile");
    // Seven global accesses, each update of a global one read-modify-write
    // instruction: `sub [sp], 16`, `add [count], 1`, `add [sp], 16`, and a
    // load for the final get. The optimizing tier forwards the stored stack
    // pointer to that get instead (load, add, store).
    for (text, want) in [(&opt, 4), (&base, 4)] {
        let code = lines(text);
        // Nothing touches r14 as a whole register: without indirect calls
        // the prologue does not even save it.
        let whole: Vec<&String> = code
            .iter()
            .map(|(_, t)| t)
            .filter(|t| t.contains("r14") && !t.contains("[r14"))
            .collect();
        assert!(whole.is_empty(), "{text}");
        // Memory is touched only at [r14 + offset], the stack check's
        // limit (through [r14] and [r11]), frame slots and padding aside.
        let mem: Vec<&String> = code
            .iter()
            .map(|(_, t)| t)
            .filter(|t| t.contains('[') && !on_stack(t) && !t.starts_with("nop"))
            .filter(|t| !t.contains("[r14]") && !t.contains("[r11]"))
            .collect();
        assert!(mem.iter().all(|t| t.contains("[r14+0x")), "{text}");
        assert_eq!(mem.len(), want, "{text}");
    }
    // The loop updates the counter in the VMContext, in one instruction.
    let counter: Vec<&String> = body.iter().filter(|t| t.contains("[r14+0x")).collect();
    assert_eq!(counter.len(), 1, "{opt}");
    assert!(counter[0].starts_with("add qword ptr [r14+0x"), "{opt}");
    assert!(counter[0].ends_with("],1"), "{opt}");
    for (text, rmw) in [(&opt, 2), (&base, 3)] {
        let code = lines(text);
        let n = code
            .iter()
            .filter(|(_, t)| t.contains(" ptr [r14+0x"))
            .count();
        assert_eq!(n, rmw, "{text}");
    }
    for tier_engine in [&engine, &baseline] {
        let module = Module::new(tier_engine, &wat).unwrap();
        let mut store = Store::new(tier_engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let bump = instance
            .get_typed_func::<i32, i32>(&mut store, "bump")
            .unwrap();
        assert_eq!(bump.call(&mut store, 5).unwrap(), 1024);
        assert_eq!(bump.call(&mut store, 3).unwrap(), 1024);
        let count = instance.get_global(&mut store, "count").unwrap();
        assert_eq!(count.get(&store).i64(), Some(8));
    }
}

#[test]
fn masked_probe_index_scales_in_the_address() {
    let Some(engine) = engine() else { return };
    let (text, body) = golden_loop(&engine, "probe_loop");
    // The probe's load scales the slot in its addressing mode.
    assert!(
        body.iter()
            .any(|t| t.starts_with("mov e") && t.contains("*4+0x1000]")),
        "{text}"
    );
    assert!(!body.iter().any(|t| t.starts_with("shl")), "{text}");
    // The store after the loop too.
    let code = lines(&text);
    assert!(
        code.iter()
            .any(|(_, t)| t.starts_with("mov [r15+") && t.contains("*4+0x1000],")),
        "{text}"
    );
    // Probing from slot (k * 40503) & 1023: an empty table gives that slot
    // (and each call stores k there, so a second call with k finds it).
    let module = Module::new(
        &engine,
        std::fs::read(dir().join("probe_loop.wat")).unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let probe = instance
        .get_typed_func::<i32, i32>(&mut store, "probe")
        .unwrap();
    let home = |k: i32| k.wrapping_mul(40503) & 1023;
    for k in [1i32, 7, 1000, -5] {
        assert_eq!(probe.call(&mut store, k).unwrap(), home(k), "{k}");
        assert_eq!(probe.call(&mut store, k).unwrap(), home(k), "{k} again");
    }
    // A key whose home slot holds another key takes the next free slot.
    let other = (2..100_000).find(|&k| home(k) == home(1)).unwrap();
    assert_eq!(probe.call(&mut store, other).unwrap(), (home(1) + 1) & 1023);
}

/// A caller that keeps three values in callee-saved registers across
/// calls to a shrink-wrapped callee, whose early exit neither saves nor
/// restores them and whose other path does both: every call, on either
/// path, leaves the caller's registers as they were.
#[test]
fn shrink_wrapped_callee_preserves_the_callers_registers() {
    let wat = r#"
        (module
          (func $leaf (param i32) (result i32) (local i32 i32)
            (if (i32.lt_s (local.get 0) (i32.const 2))
              (then (return (local.get 0))))
            (loop $l
              (local.set 1 (i32.add (local.get 1)
                (call $leaf (i32.sub (local.get 0) (i32.const 1)))))
              (local.set 0 (i32.sub (local.get 0) (i32.const 2)))
              (br_if $l (i32.ge_s (local.get 0) (i32.const 2))))
            (i32.add (local.get 1) (local.get 0)))
          (func (export "run") (param $k i32) (result i32)
            (local $a i32) (local $b i32) (local $c i32) (local $i i32)
            (local.set $a (i32.const 7))
            (local.set $b (i32.const 1000))
            (local.set $c (i32.const -3))
            (loop $l
              (local.set $a (i32.add (local.get $a)
                (call $leaf (i32.and (local.get $i) (i32.const 7)))))
              (local.set $b (i32.xor (local.get $b) (i32.mul (local.get $a) (i32.const 31))))
              (local.set $c (i32.sub (local.get $c) (local.get $b)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $k))))
            (i32.add (local.get $a) (i32.add (local.get $b) (local.get $c)))))
    "#;
    let fib = |n: i32| {
        let (mut x, mut y) = (0i32, 1i32);
        for _ in 0..n {
            (x, y) = (y, x.wrapping_add(y));
        }
        x
    };
    let reference = |k: i32| {
        let (mut a, mut b, mut c, mut i) = (7i32, 1000i32, -3i32, 0i32);
        loop {
            a = a.wrapping_add(fib(i & 7));
            b ^= a.wrapping_mul(31);
            c = c.wrapping_sub(b);
            i += 1;
            if (i as u32) >= (k as u32) {
                break;
            }
        }
        a.wrapping_add(b.wrapping_add(c))
    };
    let mut checked = 0;
    for tier in [Tier::Optimizing, Tier::Baseline, Tier::Tiered] {
        let mut config = Config::new();
        config.tier(tier);
        let Ok(engine) = Engine::new(&config) else {
            continue;
        };
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        for k in [1, 2, 3, 8, 50] {
            assert_eq!(
                run.call(&mut store, k).unwrap(),
                reference(k),
                "{tier:?} k={k}"
            );
        }
        checked += 1;
    }
    if engine().is_some() {
        assert_eq!(checked, 3);
    }
    // The callee is shrink-wrapped: its first return comes before any
    // save.
    let Some(engine) = engine() else { return };
    let text = compile_listing(&engine, wat.as_bytes(), Emit::Asm).unwrap();
    let leaf = text.split("function").nth(1).expect("leaf listing");
    let code = lines(leaf);
    let ret = code.iter().position(|(_, t)| t == "ret").unwrap();
    let save = code.iter().position(|(_, t)| t.starts_with("mov [rbp-"));
    assert!(save.is_some_and(|s| s > ret), "{leaf}");
}

/// A `br_table` whose index is a mask no larger than the default's
/// position loads its target without checking the index; one whose mask
/// can exceed it first jumps to the default past it (`cmp; jae`). Both
/// dispatch every index the way Wasm says.
#[test]
fn masked_br_table_index_is_not_clamped() {
    let Some(engine) = engine() else { return };
    let dispatch = |mask: u32| {
        format!(
            r#"
            (func (export "f{mask}") (param i32) (result i32)
              (block (block (block (block (block
                (br_table 0 1 2 3 4 (i32.and (local.get 0) (i32.const {mask}))))
                (return (i32.const 10)))
                (return (i32.const 11)))
                (return (i32.const 12)))
                (return (i32.const 13)))
              (i32.const 99))"#
        )
    };
    let wat = format!("(module {} {})", dispatch(3), dispatch(7));
    let text = compile_listing(&engine, wat.as_bytes(), Emit::Asm).unwrap();
    let funcs: Vec<&str> = text.split("function").skip(1).collect();
    assert_eq!(funcs.len(), 2, "{text}");
    assert!(funcs[0].contains("jmp r"), "{text}");
    assert!(
        !funcs[0].contains("jae") && !funcs[0].contains("cmov"),
        "{text}"
    );
    assert!(
        funcs[1].contains("cmp e") && funcs[1].contains("jae"),
        "{text}"
    );
    assert!(!funcs[1].contains("cmov"), "{text}");
    let module = Module::new(&engine, &wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    for mask in [3u32, 7] {
        let f = instance
            .get_typed_func::<i32, i32>(&mut store, &format!("f{mask}"))
            .unwrap();
        for x in [
            0u32,
            1,
            2,
            3,
            4,
            5,
            6,
            7,
            8,
            0xFFFF_FFFC,
            0xFFFF_FFFF,
            0x8000_0003,
        ] {
            let want = match x & mask {
                k @ 0..=3 => 10 + k as i32,
                _ => 99,
            };
            assert_eq!(
                f.call(&mut store, x as i32).unwrap(),
                want,
                "mask {mask}, x {x:#x}"
            );
        }
    }
}

/// A `trapif` on a comparison is the comparison and a conditional jump to
/// the trap (no `setcc`/`movzx`/`test` of a flag value): `call_indirect`'s
/// three checks, in both tiers.
#[test]
fn checks_compare_and_jump_to_their_trap() {
    let wat = r#"
        (module
          (type $ii (func (param i32) (result i32)))
          (table 4 funcref)
          (func (export "f") (param i32) (result i32)
            (call_indirect (type $ii) (i32.const 7) (local.get 0))))"#;
    for tier in [Tier::Optimizing, Tier::Baseline] {
        let mut config = Config::new();
        config.tier(tier);
        let Ok(engine) = Engine::new(&config) else {
            return;
        };
        let text = compile_listing(&engine, wat.as_bytes(), Emit::Asm).unwrap();
        let code = lines(&text);
        let call = code
            .iter()
            .position(|(_, t)| t.starts_with("call "))
            .expect("the call");
        let before: Vec<&str> = code[..call].iter().map(|(_, t)| t.as_str()).collect();
        assert!(
            !before
                .iter()
                .any(|t| t.starts_with("set") || t.starts_with("movzx")),
            "{tier:?}: {text}"
        );
        for jcc in ["jae ", "je ", "jne "] {
            assert!(
                before.iter().any(|t| t.starts_with(jcc)),
                "{tier:?} {jcc}: {text}"
            );
        }
    }
}

/// A SHA-256-style compression loop (`rounds_loop.wat`): eight state words
/// live across the loop beside their eight rotating copies, so some of
/// either sit in spill slots. A copy out of a slot loads it straight into
/// its destination (`mov rsi,[rbp-0x40]` before the loop, not `mov
/// r10,[rbp-0x40]; mov rsi,r10`), never through a scratch register, and no
/// register stored into a slot is loaded back from it right after. In
/// both tiers, the results are those of the same rounds in Rust.
#[test]
fn rounds_loop_copies_spilled_state_straight_from_its_slots() {
    let Some(engine) = engine() else { return };
    let text = golden(&engine, "rounds_loop");
    let mut config = Config::new();
    config.tier(Tier::Baseline);
    let baseline = Engine::new(&config).unwrap();
    let wat = std::fs::read(dir().join("rounds_loop.wat")).unwrap();
    let baseline_text = compile_listing(&baseline, &wat, Emit::Asm).unwrap();
    for listing in [&text, &baseline_text] {
        let code = lines(listing);
        assert!(
            code.iter()
                .any(|(_, t)| t.starts_with("mov r") && t.contains(",[rbp-")),
            "no load from a spill slot\n{listing}"
        );
        for w in code.windows(2) {
            let (a, b) = (&w[0].1, &w[1].1);
            for s in ["r10", "r11"] {
                assert!(
                    !(a.starts_with(&format!("mov {s},[rbp-"))
                        && b.starts_with("mov r")
                        && b.ends_with(&format!(",{s}"))),
                    "a slot copied through {s}: `{a}; {b}`\n{listing}"
                );
            }
            if let Some((slot, reg)) = a.strip_prefix("mov [rbp-").and_then(|t| t.split_once("],"))
            {
                assert_ne!(
                    b,
                    &format!("mov {reg},[rbp-{slot}]"),
                    "a register loaded back from the slot it was just stored into\n{listing}"
                );
            }
        }
    }
    // Memory words from a linear congruential generator; the state at 0,
    // w at 64, k at 320.
    let mut mem = [0u32; 144];
    let mut seed = 7u32;
    for m in mem.iter_mut() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *m = seed;
    }
    let h0: [u32; 8] = mem[..8].try_into().unwrap();
    let mut s = h0;
    for i in 0..64 {
        let [a, b, c, d, e, f, g, hh] = s;
        let t1 = hh
            .wrapping_add(e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25))
            .wrapping_add((e & f) ^ (!e & g))
            .wrapping_add(mem[80 + i].wrapping_add(mem[16 + i]));
        let t2 = (a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22))
            .wrapping_add((a & b) ^ (a & c) ^ (b & c));
        s = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
    }
    let want = (h0[0].wrapping_add(s[0]) ^ h0[7].wrapping_add(s[7])) as i32;
    for engine in [&engine, &baseline] {
        let module = Module::new(engine, &wat).unwrap();
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let init = instance
            .get_typed_func::<i32, ()>(&mut store, "init")
            .unwrap();
        let rounds = instance
            .get_typed_func::<i32, i32>(&mut store, "rounds")
            .unwrap();
        init.call(&mut store, 7).unwrap();
        assert_eq!(rounds.call(&mut store, 0).unwrap(), want);
    }
}

/// An interpreter's dispatch loop (a `br_table` in a loop, cases that
/// divide and call): the jump table's address is computed once, before the
/// loop (`lea reg,[rip + table]`), and each dispatch is the bounds check,
/// the entry's load from the table in that register, an add and a jump;
/// no `lea` of the table and no copy of the index in the loop.
#[test]
fn dispatch_loop_keeps_its_jump_table_address_in_a_register() {
    let Some(engine) = engine() else { return };
    let text = golden(&engine, "dispatch_loop");
    let start = text.find("function %run:").unwrap();
    let code = lines(&text[start..]);
    let table_leas: Vec<usize> = code
        .iter()
        .enumerate()
        .filter(|(_, (_, t))| t.starts_with("lea r") && t.contains(",[0x"))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(table_leas.len(), 1, "{text}");
    let jmp = code
        .iter()
        .position(|(_, t)| t.starts_with("jmp r"))
        .expect("the dispatch");
    let reg = code[table_leas[0]].1["lea ".len()..]
        .split(',')
        .next()
        .unwrap()
        .to_string();
    assert!(table_leas[0] < jmp, "{text}");
    assert!(
        code[jmp - 2].1.starts_with("movsxd r11,[")
            && code[jmp - 2].1.contains(&format!("[{reg}+")),
        "{text}"
    );
    assert!(!code[jmp - 3].1.starts_with("mov r11d"), "{text}");
    // The stack pointer, carried around the loop and redefined in two
    // cases (`pop`'s `add sp,-4` and `push`'s `add sp,4`), stays in one
    // register through every case, the dividing one included: no case
    // copies it.
    let sp = code
        .iter()
        .find_map(|(_, t)| t.strip_prefix("add ")?.strip_suffix(",0xFFFFFFFC"))
        .expect("pop's decrement");
    assert!(
        code.iter().any(|(_, t)| *t == format!("add {sp},4")),
        "{text}"
    );
    let wide = match sp.strip_prefix('e') {
        Some(rest) => format!("r{rest}"),
        None => sp.trim_end_matches('d').to_string(),
    };
    for (_, t) in &code[jmp..] {
        if t.starts_with("mov ") && !t.contains('[') {
            assert!(!t.contains(sp) && !t.contains(&wide), "{t}:\n{text}");
        }
    }
    // The program counter, live across the calling case (where it is
    // moved out of its register, the call's argument register), is
    // incremented in place after the fetch: no other case copies it back
    // into the register the loop header expects. The only moves into that
    // register are the call's argument and the counter's return after it.
    let fetch = code
        .iter()
        .position(|(_, t)| t.starts_with("movzx ") && t.contains("byte ptr [r15+"))
        .expect("the fetch");
    let pc = code[fetch]
        .1
        .rsplit('+')
        .next()
        .unwrap()
        .trim_end_matches(']');
    let pc32 = if pc.as_bytes()[1].is_ascii_digit() {
        format!("{pc}d")
    } else {
        format!("e{}", &pc[1..])
    };
    assert_eq!(code[fetch + 1].1, format!("add {pc32},1"), "{text}");
    let into_pc = code[jmp..]
        .iter()
        .filter(|(_, t)| t.starts_with(&format!("mov {pc},")) && !t.contains('['))
        .count();
    assert!(into_pc <= 2, "{text}");
    // The program in its data segment gives the same result in both tiers.
    let mut config = Config::new();
    config.tier(Tier::Baseline);
    let baseline = Engine::new(&config).unwrap();
    for engine in [&engine, &baseline] {
        let module = Module::new(
            engine,
            std::fs::read(dir().join("dispatch_loop.wat")).unwrap(),
        )
        .unwrap();
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let run = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, (0, 1024)).unwrap(), 4097);
    }
}

#[test]
fn rematerialized_constants_are_not_defined_where_nothing_reads_them() {
    let Some(engine) = engine() else { return };
    let text = golden(&engine, "spilled_constant");
    for f in text.split("function ").filter(|f| !f.is_empty()) {
        let code: Vec<String> = lines(f).into_iter().map(|(_, t)| t).collect();
        // -2 is put in a register twice, each time right before the
        // instruction that reads it (the `sub` that starts the sum, the
        // final one): not also where the value is defined.
        let defs: Vec<usize> = (0..code.len())
            .filter(|&k| code[k].ends_with(",0xFFFFFFFE"))
            .collect();
        assert_eq!(defs.len(), 2, "{f}");
        for k in defs {
            let reg = &code[k]["mov ".len()..code[k].find(',').unwrap()];
            let next = &code[k + 1];
            assert!(
                next.split_once(' ')
                    .is_some_and(|(_, ops)| ops.contains(reg)),
                "{reg} not read after {}: {f}",
                code[k]
            );
        }
    }
    // x[i] = i + 1 at 4 * i: (-2 - p) + sum (i + 1) (i + 3) + (-2 - x[0]).
    let sum: i32 = (0..13).map(|i| (i + 1) * (i + 3)).sum();
    for name in ["f", "g"] {
        assert_eq!(call_i32(&engine, "spilled_constant.wat", name, 0), -5 + sum);
    }
}
