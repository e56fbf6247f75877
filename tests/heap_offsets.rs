//! Heap addresses `p + c` with `c` a constant: negative ones, which both
//! tiers fold into the addressing mode (`[r15 + p - 8]`) under the default
//! memory limit (`CompileOptions::bounded_heap`), and positive
//! ones that may wrap at 32 bits, which they do not. Results and traps at
//! every edge where the 32-bit sum wraps or leaves the memory. (A test
//! binary of its own: `traps.rs` measures its process's memory.)

use strata::{Engine, Error, Instance, Module, Store, TrapCode, TypedFunc};

/// Every tier.
const TIERS: [strata::Tier; 3] = [
    strata::Tier::Baseline,
    strata::Tier::Optimizing,
    strata::Tier::Tiered,
];

/// An instance of `wasm` in an engine of `tier` (and the memory limit
/// `limit`, when given).
fn instantiate(
    tier: strata::Tier,
    limit: Option<u32>,
    wasm: &[u8],
) -> (Engine, Store<()>, Instance) {
    let mut config = strata::Config::new();
    config.tier(tier);
    if let Some(pages) = limit {
        config.memory_limit_pages(pages);
    }
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (engine, store, instance)
}

/// Calls `load(p)` and `store(p, v)`, accesses of `n` bytes at Wasm
/// address `addr` (computed by the caller from `p`), and checks them
/// against a memory of `pattern`: the bytes at `addr` (little-endian), or
/// an out-of-bounds trap where `addr + n` passes the memory's end. The
/// store writes the pattern's own bytes where it is allowed (changing
/// nothing) and -1 where it must trap; the caller checks afterwards that
/// memory still holds the pattern.
#[allow(clippy::too_many_arguments)]
fn check_access(
    store: &mut Store<()>,
    load: &TypedFunc<i32, i64>,
    st: &TypedFunc<(i32, i64), ()>,
    p: u64,
    addr: u64,
    n: u32,
    pattern: &[u8],
    ctx: &str,
) {
    let inside = addr + u64::from(n) <= pattern.len() as u64;
    let mut want = 0u64;
    if inside {
        for b in 0..u64::from(n) {
            want |= u64::from(pattern[(addr + b) as usize]) << (8 * b);
        }
    }
    let trap = |e: Error| {
        let t = e.as_trap().unwrap_or_else(|| panic!("{ctx}: {e}"));
        assert_eq!(t.code(), Some(TrapCode::MemoryOutOfBounds), "{ctx}");
    };
    match load.call(&mut *store, p as u32 as i32) {
        Ok(v) => {
            assert!(inside, "{ctx}: loaded {v:#x}, want a trap");
            assert_eq!(v as u64, want, "{ctx}");
        }
        Err(e) => {
            assert!(!inside, "{ctx}: {e}");
            trap(e);
        }
    }
    if inside {
        st.call(&mut *store, (p as u32 as i32, want as i64))
            .unwrap();
    } else {
        trap(st.call(&mut *store, (p as u32 as i32, -1)).unwrap_err());
    }
}

/// Heap addresses `p + c` with `c` a negative constant, which the code
/// generator folds into the addressing mode (`[r15 + p - 8]`) under the
/// default memory limit: where the 32-bit sum wraps (`p < -c`), Wasm's
/// address is near 4 GiB and out of bounds, and the folded one lies in the
/// guard below the memory; both trap, and a trapping store writes nothing,
/// also when it straddles the base. With the limit at the full 4 GiB (no
/// folding) every result is the same. Every tier.
#[test]
fn negative_constant_offsets_trap_where_the_sum_wraps() {
    let wat = r#"
      (module
        (memory (export "mem") 1)
        (func (export "load") (param $p i32) (result i64)
          (i64.load (i32.add (local.get $p) (i32.const -8))))
        (func (export "load_far") (param $p i32) (result i32)
          (i32.load8_u (i32.add (local.get $p) (i32.const -65536))))
        (func (export "load_farther") (param $p i32) (result i32)
          (i32.load8_u (i32.add (i32.const -65537) (local.get $p))))
        (func (export "store") (param $p i32) (param $v i64)
          (i64.store (i32.add (local.get $p) (i32.const -16)) (local.get $v)))
        (func (export "bump") (param $p i32)
          (f64.store (i32.add (local.get $p) (i32.const -24))
            (f64.add (f64.load (i32.add (local.get $p) (i32.const -24))) (f64.const 1)))))
    "#;
    let bytes = wat::parse_str(wat).unwrap();
    for limit in [None, Some(65536)] {
        for tier in TIERS {
            let (engine, mut store, i) = instantiate(tier, limit, &bytes);
            // Folded (`[r15+rdi-8]`, `[r15+rdi-0x10000]`) only under the
            // default limit; -65537 never is.
            let asm = strata::compile_listing(&engine, &bytes, strata::Emit::Asm).unwrap();
            let folded = |disp: &str| {
                asm.lines()
                    .any(|l| l.contains("[r15+r") && l.contains(&format!("{disp}]")))
            };
            for disp in ["-8", "-0x10000", "-0x10", "-0x18"] {
                assert_eq!(
                    folded(disp),
                    limit.is_none(),
                    "{tier:?} {limit:?} {disp}: {asm}"
                );
            }
            assert!(!folded("-0x10001"), "{asm}");
            let mem = i.get_memory(&mut store, "mem").unwrap();
            let pattern: Vec<u8> = (0..65536u32).map(|k| (k * 7 + k / 256) as u8).collect();
            mem.write(&mut store, 0, &pattern).unwrap();
            let word = |at: usize| i64::from_le_bytes(pattern[at..at + 8].try_into().unwrap());
            let ctx = format!("{tier:?}, limit {limit:?}");
            let oob = |e: Error, what: &str| {
                let t = e
                    .as_trap()
                    .unwrap_or_else(|| panic!("{ctx} {what}: not a trap: {e}"));
                assert_eq!(t.code(), Some(TrapCode::MemoryOutOfBounds), "{ctx} {what}");
            };
            let load = i.get_typed_func::<i32, i64>(&mut store, "load").unwrap();
            assert_eq!(load.call(&mut store, 8).unwrap(), word(0), "{ctx}");
            assert_eq!(load.call(&mut store, 65536).unwrap(), word(65528), "{ctx}");
            for p in [0, 3, 7, 65537, -1, i32::MIN] {
                oob(load.call(&mut store, p).unwrap_err(), &format!("load({p})"));
            }
            let far = i
                .get_typed_func::<i32, i32>(&mut store, "load_far")
                .unwrap();
            assert_eq!(
                far.call(&mut store, 65536).unwrap(),
                i32::from(pattern[0]),
                "{ctx}"
            );
            assert_eq!(
                far.call(&mut store, 131071).unwrap(),
                i32::from(pattern[65535]),
                "{ctx}"
            );
            for p in [0, 1, 65535, 131072] {
                oob(
                    far.call(&mut store, p).unwrap_err(),
                    &format!("load_far({p})"),
                );
            }
            let farther = i
                .get_typed_func::<i32, i32>(&mut store, "load_farther")
                .unwrap();
            assert_eq!(
                farther.call(&mut store, 65537).unwrap(),
                i32::from(pattern[0]),
                "{ctx}"
            );
            for p in [0, 65536] {
                oob(
                    farther.call(&mut store, p).unwrap_err(),
                    &format!("load_farther({p})"),
                );
            }
            // Stores: out of bounds (also straddling the base: p = 15 would
            // write bytes -1..7) they leave memory as it was.
            let st = i
                .get_typed_func::<(i32, i64), ()>(&mut store, "store")
                .unwrap();
            for p in [0, 8, 15] {
                oob(
                    st.call(&mut store, (p, -1)).unwrap_err(),
                    &format!("store({p})"),
                );
            }
            let mut buf = vec![0u8; 65536];
            mem.read(&store, 0, &mut buf).unwrap();
            assert!(buf == pattern, "{ctx}: a trapping store wrote");
            st.call(&mut store, (16, 0x1122_3344_5566_7788)).unwrap();
            mem.read(&store, 0, &mut buf[..8]).unwrap();
            assert_eq!(buf[..8], 0x1122_3344_5566_7788i64.to_le_bytes(), "{ctx}");
            // A load and a store sharing their address.
            let bump = i.get_typed_func::<i32, ()>(&mut store, "bump").unwrap();
            mem.write(&mut store, 8, &2.5f64.to_le_bytes()).unwrap();
            bump.call(&mut store, 32).unwrap();
            mem.read(&store, 8, &mut buf[..8]).unwrap();
            assert_eq!(
                f64::from_le_bytes(buf[..8].try_into().unwrap()),
                3.5,
                "{ctx}"
            );
            for p in [0, 23, -8] {
                oob(bump.call(&mut store, p).unwrap_err(), &format!("bump({p})"));
            }
            mem.read(&store, 0, &mut buf).unwrap();
            assert_eq!(
                f64::from_le_bytes(buf[8..16].try_into().unwrap()),
                3.5,
                "{ctx}"
            );
            assert!(buf[16..] == pattern[16..], "{ctx}: a trapping bump wrote");
        }
    }
}

/// Every load and store width at `p + c` for negative constants `c` around
/// the folding limit (-1 to -65537), with `p` at each edge where the 32-bit
/// sum wraps or the access leaves the memory, agree with Wasm's semantics
/// computed here (result, or an out-of-bounds trap that writes nothing), in
/// every tier, in a memory of 1 and of 2 pages.
#[test]
fn negative_constant_offsets_agree_with_wasm_at_every_edge() {
    let constants: [i64; 10] = [-1, -2, -7, -8, -9, -4095, -4096, -65535, -65536, -65537];
    // (load, store, bytes, value type)
    let widths = [
        ("i32.load8_u", "i32.store8", 1u32, "i32"),
        ("i32.load16_u", "i32.store16", 2, "i32"),
        ("i32.load", "i32.store", 4, "i32"),
        ("i64.load", "i64.store", 8, "i64"),
    ];
    for pages in [1u32, 2] {
        let mut wat = format!("(module (memory (export \"mem\") {pages})\n");
        for (w, (load, store, _, ty)) in widths.iter().enumerate() {
            for (k, c) in constants.iter().enumerate() {
                wat += &format!(
                    "(func (export \"l{w}_{k}\") (param i32) (result i64)
                       ({load} (i32.add (local.get 0) (i32.const {c})))
                       {ext})
                     (func (export \"s{w}_{k}\") (param i32) (param i64)
                       ({store} (i32.add (i32.const {c}) (local.get 0)) {value}))\n",
                    ext = if *ty == "i32" { "i64.extend_i32_u" } else { "" },
                    value = if *ty == "i32" {
                        "(i32.wrap_i64 (local.get 1))"
                    } else {
                        "(local.get 1)"
                    },
                );
            }
        }
        wat += ")";
        let bytes = wat::parse_str(&wat).unwrap();
        let size = u64::from(pages) * 65536;
        for tier in TIERS {
            let (_engine, mut store, i) = instantiate(tier, None, &bytes);
            let mem = i.get_memory(&mut store, "mem").unwrap();
            let pattern: Vec<u8> = (0..size).map(|k| (k * 13 + k / 253) as u8).collect();
            mem.write(&mut store, 0, &pattern).unwrap();
            for (w, &(_, _, n, _)) in widths.iter().enumerate() {
                for (k, &c) in constants.iter().enumerate() {
                    let d = (-c) as u64;
                    // Where the sum wraps (around d), where the access
                    // leaves the memory (around size + d), and near 2^32.
                    let mut ps: Vec<u64> = Vec::new();
                    for centre in [d, size + d - u64::from(n), 1 << 32] {
                        for delta in 0..=18u64 {
                            ps.push((centre + delta).wrapping_sub(9) & 0xffff_ffff);
                        }
                    }
                    ps.extend([0, 1 << 31, (1 << 31) + d]);
                    let load = i
                        .get_typed_func::<i32, i64>(&mut store, &format!("l{w}_{k}"))
                        .unwrap();
                    let st = i
                        .get_typed_func::<(i32, i64), ()>(&mut store, &format!("s{w}_{k}"))
                        .unwrap();
                    for &p in &ps {
                        let addr = p.wrapping_add(c as u64) & 0xffff_ffff;
                        let ctx = format!("{tier:?} {pages}p width {n} c {c} p {p:#x}");
                        check_access(&mut store, &load, &st, p, addr, n, &pattern, &ctx);
                    }
                }
            }
            let mut now = vec![0u8; size as usize];
            mem.read(&store, 0, &mut now).unwrap();
            assert!(now == pattern, "{tier:?} {pages} pages: memory changed");
        }
    }
}

/// A read-modify-write of a field at `p - 16` (`add qword ptr
/// [r15+rdi-0x10],1`): the load and the store share the `iadd`, whose every
/// use folds, so no `lea` computes it (in the optimizing tier, which merges
/// the two sums); results, and an out-of-bounds trap where `p - 16` wraps,
/// in every tier.
#[test]
fn negative_offset_read_modify_write_computes_no_address() {
    let wat = r#"
      (module
        (memory (export "mem") 1)
        (func (export "walk") (param $p i32) (param $n i32)
          (loop $l
            (i64.store (i32.add (local.get $p) (i32.const -16))
              (i64.add (i64.load (i32.add (local.get $p) (i32.const -16))) (i64.const 1)))
            (local.set $p (i32.add (local.get $p) (i32.const 24)))
            (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    "#;
    let bytes = wat::parse_str(wat).unwrap();
    for tier in TIERS {
        let (engine, mut store, i) = instantiate(tier, None, &bytes);
        if tier == strata::Tier::Optimizing {
            let asm = strata::compile_listing(&engine, &bytes, strata::Emit::Asm).unwrap();
            assert!(asm.contains("add qword ptr [r15+rdi-0x10],1"), "{asm}");
            assert!(!asm.contains("lea "), "{asm}");
        }
        let mem = i.get_memory(&mut store, "mem").unwrap();
        let walk = i
            .get_typed_func::<(i32, i32), ()>(&mut store, "walk")
            .unwrap();
        // Records of 24 bytes from 0x100, the counter 16 bytes below p.
        walk.call(&mut store, (0x110, 3)).unwrap();
        walk.call(&mut store, (0x110 + 24, 2)).unwrap();
        for (k, want) in [(0, 1i64), (1, 2), (2, 2), (3, 0)] {
            let mut b = [0u8; 8];
            mem.read(&store, 0x100 + 24 * k, &mut b).unwrap();
            assert_eq!(i64::from_le_bytes(b), want, "{tier:?} record {k}");
        }
        let e = walk.call(&mut store, (8, 1)).unwrap_err();
        let t = e.as_trap().unwrap_or_else(|| panic!("{tier:?}: {e}"));
        assert_eq!(t.code(), Some(TrapCode::MemoryOutOfBounds), "{tier:?}");
    }
}

/// Loads and stores of every width at `p + c` (and a constant offset `o`)
/// for positive constants `c`, where nothing bounds `p`, so that `p + c`
/// may wrap at 32 bits: both tiers compute the sum with an `lea` (a 32-bit
/// `add`) rather than fold `c` into the addressing mode. (Folding it, and
/// redoing an access that faults because the sum wrapped at the wrapped
/// address from the signal handler, was tried: clang's loops over arrays
/// count a negative index up to zero and address `i + (array + n)`, which
/// wraps on every iteration: the suite's CRC-32 ran in 69 s instead of
/// 0.09 s, a signal per byte.)
/// Results agree with Wasm's semantics computed here (the value at
/// `(p + c) mod 2^32 + o`, or an out-of-bounds trap that writes nothing) at
/// each edge where the sum wraps or the access leaves the memory, in every
/// tier, in a memory of 1 and of 2 pages.
#[test]
fn positive_constant_offsets_agree_with_wasm_where_the_sum_wraps() {
    let constants: [u32; 7] = [1, 8, 16, 4095, 65536, 1 << 20, (1 << 31) - 9];
    let offsets: [u32; 3] = [0, 4, 65536];
    let widths = [
        ("i32.load8_u", "i32.store8", 1u32, "i32"),
        ("i32.load16_u", "i32.store16", 2, "i32"),
        ("i32.load", "i32.store", 4, "i32"),
        ("i64.load", "i64.store", 8, "i64"),
    ];
    let name = |w: usize, k: usize, j: usize| format!("{w}_{k}_{j}");
    let mut funcs = String::new();
    for (w, (load, store, _, ty)) in widths.iter().enumerate() {
        for (k, c) in constants.iter().enumerate() {
            for (j, o) in offsets.iter().enumerate() {
                funcs += &format!(
                    "(func (export \"l{n}\") (param i32) (result i64)
                       ({load} offset={o} (i32.add (local.get 0) (i32.const {c})))
                       {ext})
                     (func (export \"s{n}\") (param i32) (param i64)
                       ({store} offset={o} (i32.add (i32.const {c}) (local.get 0)) {value}))\n",
                    n = name(w, k, j),
                    ext = if *ty == "i32" { "i64.extend_i32_u" } else { "" },
                    value = if *ty == "i32" {
                        "(i32.wrap_i64 (local.get 1))"
                    } else {
                        "(local.get 1)"
                    },
                );
            }
        }
    }
    for pages in [1u32, 2] {
        let wat = format!("(module (memory (export \"mem\") {pages})\n{funcs})");
        let bytes = wat::parse_str(&wat).unwrap();
        let size = u64::from(pages) * 65536;
        for tier in TIERS {
            let (engine, mut store, i) = instantiate(tier, None, &bytes);
            if tier != strata::Tier::Tiered {
                let asm = strata::compile_listing(&engine, &bytes, strata::Emit::Asm).unwrap();
                assert!(asm.contains("lea eax,[rdi+0x10]"), "{tier:?}: {asm}");
                assert!(!asm.contains("[r15+rdi+0x10"), "{tier:?}: {asm}");
            }
            let mem = i.get_memory(&mut store, "mem").unwrap();
            let pattern: Vec<u8> = (0..size).map(|k| (k * 11 + k / 251) as u8).collect();
            mem.write(&mut store, 0, &pattern).unwrap();
            for (w, &(_, _, n, _)) in widths.iter().enumerate() {
                for (k, &c) in constants.iter().enumerate() {
                    for (j, &o) in offsets.iter().enumerate() {
                        let (c, o) = (u64::from(c), u64::from(o));
                        // Where the sum wraps, where the access leaves the
                        // memory without and with wrapping, and elsewhere.
                        let mut ps: Vec<u64> = Vec::new();
                        let end = size.wrapping_sub(c + o + u64::from(n));
                        for centre in [1 << 32, end, (1u64 << 32).wrapping_add(end)] {
                            for delta in 0..=18u64 {
                                ps.push(centre.wrapping_sub(c).wrapping_add(delta) & 0xffff_ffff);
                            }
                        }
                        ps.extend([0, 1 << 31, (1 << 32) - 1]);
                        let load = i
                            .get_typed_func::<i32, i64>(&mut store, &format!("l{}", name(w, k, j)))
                            .unwrap();
                        let st = i
                            .get_typed_func::<(i32, i64), ()>(
                                &mut store,
                                &format!("s{}", name(w, k, j)),
                            )
                            .unwrap();
                        for &p in &ps {
                            let addr = (p.wrapping_add(c) & 0xffff_ffff) + o;
                            let ctx = format!("{tier:?} {pages}p width {n} c {c} o {o} p {p:#x}");
                            check_access(&mut store, &load, &st, p, addr, n, &pattern, &ctx);
                        }
                    }
                }
            }
            let mut now = vec![0u8; size as usize];
            mem.read(&store, 0, &mut now).unwrap();
            assert!(now == pattern, "{tier:?} {pages} pages: memory changed");
        }
    }
}

/// The other heap instructions whose address is a `p + c` that may wrap
/// (see above): an operation with a folded load (integer and float), a
/// read-modify-write, a store of a constant, and a load and a store sharing
/// one address. Each runs at a `p` for which `p + c` wraps to a small
/// address and at one for which it does not. Every tier.
#[test]
fn positive_constant_offsets_wrap_in_every_kind_of_access() {
    let wat = r#"
      (module
        (memory (export "mem") 1)
        (func (export "add") (param $p i32) (param $x i64) (result i64)
          (i64.add (local.get $x) (i64.load offset=8 (i32.add (local.get $p) (i32.const 1024)))))
        (func (export "fmul") (param $p i32) (param $x f64) (result f64)
          (f64.mul (local.get $x) (f64.load (i32.add (local.get $p) (i32.const 1032)))))
        (func (export "rmw") (param $p i32)
          (i32.store offset=4 (i32.add (local.get $p) (i32.const 1040))
            (i32.add (i32.load offset=4 (i32.add (local.get $p) (i32.const 1040))) (i32.const 5))))
        (func (export "imm") (param $p i32)
          (i64.store (i32.add (local.get $p) (i32.const 1048)) (i64.const -2)))
        (func (export "bump") (param $p i32)
          (local $a i32)
          (local.set $a (i32.add (local.get $p) (i32.const 1056)))
          (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
          (i32.store offset=8 (local.get $a)
            (i32.add (i32.load offset=8 (local.get $a)) (local.get $p)))))
    "#;
    let bytes = wat::parse_str(wat).unwrap();
    // The `p` for which `p + c` is `a` modulo 2^32 (it wraps for a < c).
    let at = |a: u32, c: u32| a.wrapping_sub(c) as i32;
    for tier in TIERS {
        let (_engine, mut store, i) = instantiate(tier, None, &bytes);
        let ctx = format!("{tier:?}");
        let mem = i.get_memory(&mut store, "mem").unwrap();
        let bytes_at = |store: &Store<()>, a: usize| {
            let mut b = [0u8; 8];
            mem.read(store, a, &mut b).unwrap();
            b
        };
        let oob = |e: Error, what: &str| {
            let t = e
                .as_trap()
                .unwrap_or_else(|| panic!("{ctx} {what}: not a trap: {e}"));
            assert_eq!(t.code(), Some(TrapCode::MemoryOutOfBounds), "{ctx} {what}");
        };
        for base in [0, 3000] {
            let w = |a: usize, v: &[u8]| (base + a, v.to_vec());
            for (a, v) in [
                w(108, &7i64.to_le_bytes()),
                w(200, &1.5f64.to_le_bytes()),
                w(304, &9i32.to_le_bytes()),
                w(500, &2.0f64.to_le_bytes()),
                w(508, &1i32.to_le_bytes()),
            ] {
                mem.write(&mut store, a, &v).unwrap();
            }
        }
        for base in [0u32, 3000] {
            let ctx = format!("{ctx}, at {base} + ..");
            let add = i
                .get_typed_func::<(i32, i64), i64>(&mut store, "add")
                .unwrap();
            let p = at(base + 100, 1024);
            assert_eq!(add.call(&mut store, (p, 3)).unwrap(), 10, "{ctx} add({p})");
            let fmul = i
                .get_typed_func::<(i32, f64), f64>(&mut store, "fmul")
                .unwrap();
            let p = at(base + 200, 1032);
            assert_eq!(
                fmul.call(&mut store, (p, 4.0)).unwrap(),
                6.0,
                "{ctx} fmul({p})"
            );
            let rmw = i.get_typed_func::<i32, ()>(&mut store, "rmw").unwrap();
            rmw.call(&mut store, at(base + 300, 1040)).unwrap();
            let b = base as usize;
            assert_eq!(
                bytes_at(&store, b + 304)[..4],
                14i32.to_le_bytes(),
                "{ctx} rmw"
            );
            let imm = i.get_typed_func::<i32, ()>(&mut store, "imm").unwrap();
            imm.call(&mut store, at(base + 400, 1048)).unwrap();
            assert_eq!(
                bytes_at(&store, b + 400),
                (-2i64).to_le_bytes(),
                "{ctx} imm"
            );
            let bump = i.get_typed_func::<i32, ()>(&mut store, "bump").unwrap();
            let p = at(base + 500, 1056);
            bump.call(&mut store, p).unwrap();
            assert_eq!(
                bytes_at(&store, b + 500),
                3.0f64.to_le_bytes(),
                "{ctx} bump"
            );
            assert_eq!(
                bytes_at(&store, b + 508)[..4],
                1i32.wrapping_add(p).to_le_bytes(),
                "{ctx} bump"
            );
        }
        let add = i
            .get_typed_func::<(i32, i64), i64>(&mut store, "add")
            .unwrap();
        oob(
            add.call(&mut store, (at(65530, 1024), 3)).unwrap_err(),
            "add",
        );
        let rmw = i.get_typed_func::<i32, ()>(&mut store, "rmw").unwrap();
        oob(rmw.call(&mut store, at(65532, 1040)).unwrap_err(), "rmw");
        let imm = i.get_typed_func::<i32, ()>(&mut store, "imm").unwrap();
        oob(imm.call(&mut store, at(65529, 1048)).unwrap_err(), "imm");
        assert_eq!(
            bytes_at(&store, 65528),
            [0; 8],
            "{ctx}: a trapping access wrote"
        );
    }
}

/// After an access through `p` has run, `p + c` cannot wrap for `c` up to
/// 64 KiB plus the access's offset and width (memories end 64 KiB short
/// of 4 GiB), and both tiers fold it (`[r15 + p + c]`). At the edge, in a
/// memory of 65535 pages and `p` at its last 8 bytes: `c` = 65543 still
/// folds (`p + c` is 2^32 - 1, out of bounds: a trap), 65544 does not (the
/// sum wraps to 0 and loads the memory's first byte); a store proves as
/// much as a load, and its offset counts.
#[test]
fn offsets_after_an_access_through_the_pointer_agree_with_wasm_at_the_edge() {
    let wat = r#"
      (module
        (memory (export "mem") 65535)
        (func (export "below") (param $p i32) (result i32)
          (drop (i64.load (local.get $p)))
          (i32.load8_u (i32.add (local.get $p) (i32.const 65543))))
        (func (export "wraps") (param $p i32) (result i32)
          (drop (i64.load (local.get $p)))
          (i32.load8_u (i32.add (local.get $p) (i32.const 65544))))
        (func (export "after_store") (param $p i32) (result i32)
          (i32.store offset=4 (local.get $p) (i32.const 7))
          (i32.load8_u (i32.add (local.get $p) (i32.const 65543)))))
    "#;
    let bytes = wat::parse_str(wat).unwrap();
    let last = (65535u32 * 65536 - 8) as i32;
    for tier in TIERS {
        let (engine, mut store, i) = instantiate(tier, None, &bytes);
        let ctx = format!("{tier:?}");
        if tier != strata::Tier::Tiered {
            let asm = strata::compile_listing(&engine, &bytes, strata::Emit::Asm).unwrap();
            assert!(
                asm.contains("movzx eax,byte ptr [r15+rdi+0x10007]"),
                "{ctx}: {asm}"
            );
            assert!(!asm.contains("[r15+rdi+0x10008]"), "{ctx}: {asm}");
        }
        let mem = i.get_memory(&mut store, "mem").unwrap();
        mem.write(&mut store, 0, &[0x5a]).unwrap();
        let f = |store: &mut Store<()>, name: &str, p: i32| {
            i.get_typed_func::<i32, i32>(&mut *store, name)
                .unwrap()
                .call(store, p)
        };
        let oob = |r: Result<i32, Error>, what: &str| {
            let e = r.expect_err(what);
            let t = e.as_trap().unwrap_or_else(|| panic!("{ctx} {what}: {e}"));
            assert_eq!(t.code(), Some(TrapCode::MemoryOutOfBounds), "{ctx} {what}");
        };
        oob(f(&mut store, "below", last), "below(last)");
        assert_eq!(f(&mut store, "wraps", last).unwrap(), 0x5a, "{ctx}");
        oob(f(&mut store, "after_store", last), "after_store(last)");
        oob(
            f(&mut store, "after_store", last + 1),
            "after_store(last + 1)",
        );
        // In bounds: the byte c above p.
        mem.write(&mut store, 0x10000 + 65543, &[0x33]).unwrap();
        assert_eq!(f(&mut store, "below", 0x10000).unwrap(), 0x33, "{ctx}");
        assert_eq!(
            f(&mut store, "after_store", 0x10000).unwrap(),
            0x33,
            "{ctx}"
        );
    }
    // With the limit at the full 4 GiB nothing is proven: in a memory of
    // 65536 pages, `p + 8` after an access at `p = 2^32 - 8` wraps to 0.
    let full = wat::parse_str(
        r#"(module
             (memory (export "mem") 65536)
             (func (export "next") (param $p i32) (result i32)
               (drop (i64.load (local.get $p)))
               (i32.load8_u (i32.add (local.get $p) (i32.const 8)))))"#,
    )
    .unwrap();
    for tier in TIERS {
        let (engine, mut store, i) = instantiate(tier, Some(65536), &full);
        let asm = strata::compile_listing(&engine, &full, strata::Emit::Asm).unwrap();
        assert!(!asm.contains("[r15+rdi+8]"), "{tier:?}: {asm}");
        let mem = i.get_memory(&mut store, "mem").unwrap();
        mem.write(&mut store, 0, &[0x5a]).unwrap();
        let next = i.get_typed_func::<i32, i32>(&mut store, "next").unwrap();
        assert_eq!(next.call(&mut store, -8).unwrap(), 0x5a, "{tier:?}");
    }
}
