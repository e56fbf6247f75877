//! Execution tests: memory, control flow, calls, register pressure, traps.
mod common;
use common::*;
use strata_ir::{
    AddrSpace, BinaryOp, CallKind, InstData, IntCC, LoadOp, Signature, StoreOp, TrapCode, Type,
    UnaryOp,
};
use strata_isa_x64::{array_trampoline, host_trampoline};

/// `i64.extend_i32_u` of an i32 load is the load alone (no `mov r32,r32`:
/// the load zeroed the upper half), with the right value for every i32
/// load width and sign, in both allocator modes.
#[test]
fn zero_extended_i32_load_is_the_load() {
    let mut vm = Vm::new(256);
    vm.heap[100..104].copy_from_slice(&[0xf1, 0xe2, 0xd3, 0xc4]);
    let ops = [
        LoadOp::I32,
        LoadOp::I32Load8S,
        LoadOp::I32Load8U,
        LoadOp::I32Load16S,
        LoadOp::I32Load16U,
    ];
    let (mut b, p) = B::new(&[Type::I32], &[Type::I64; 5]);
    let loaded: Vec<_> = ops
        .iter()
        .map(|&op| b.load(op, AddrSpace::Heap, p[0], 0))
        .collect();
    let wide: Vec<_> = loaded
        .iter()
        .map(|&v| b.un(UnaryOp::UextI32, Type::I64, v))
        .collect();
    b.ret(&wide);
    for mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        MODE.with(|c| c.set(mode));
        let r = Runnable::new(&b.f);
        let d = strata_isa_x64::listing(&r.compiled);
        assert!(
            !d.lines().any(|l| {
                let t = l.trim().split_once(": ").map_or("", |x| x.1);
                t.starts_with("mov e") && !t.contains('[') && {
                    let (a, b) = t[4..].split_once(',').unwrap_or(("", "?"));
                    a == b
                }
            }),
            "{mode:?}\n{d}"
        );
        assert_eq!(
            r.run_vm(&mut vm, &[100]),
            vec![0xc4d3_e2f1, 0xffff_fff1, 0xf1, 0xffff_e2f1, 0xe2f1],
            "{mode:?}"
        );
    }
    MODE.with(|m| m.set(strata_regalloc::Mode::Fast));
}

#[test]
fn loads_every_width() {
    let mut vm = Vm::new(256);
    let pattern: [u8; 16] = [
        0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
        0x08,
    ];
    vm.heap[100..116].copy_from_slice(&pattern);
    let word = u64::from_le_bytes(pattern[..8].try_into().unwrap());
    for op in LoadOp::ALL {
        let exp = match op {
            LoadOp::I32 | LoadOp::F32 | LoadOp::I64Load32U => word & 0xffff_ffff,
            LoadOp::I64 | LoadOp::F64 => word,
            LoadOp::I32Load8S => word as u8 as i8 as i32 as u32 as u64,
            LoadOp::I32Load8U | LoadOp::I64Load8U => word as u8 as u64,
            LoadOp::I32Load16S => word as u16 as i16 as i32 as u32 as u64,
            LoadOp::I32Load16U | LoadOp::I64Load16U => word as u16 as u64,
            LoadOp::I64Load8S => word as u8 as i8 as i64 as u64,
            LoadOp::I64Load16S => word as u16 as i16 as i64 as u64,
            LoadOp::I64Load32S => word as u32 as i32 as i64 as u64,
        };
        // Heap: index 90 + offset 10.
        let (mut b, p) = B::new(&[Type::I32], &[op.result_type()]);
        let v = b.load(op, AddrSpace::Heap, p[0], 10);
        b.ret(&[v]);
        let r = Runnable::new(&b.f);
        assert_eq!(r.run_vm(&mut vm, &[90]), vec![exp], "heap {op:?}");
        // Only the load can trap, in a leaf without a frame.
        assert_eq!(r.compiled.trap_sites.len(), 1);
        assert_eq!(r.compiled.trap_sites[0].1, TrapCode::MemoryOutOfBounds);
        assert_eq!(r.compiled.frameless_traps, [r.compiled.trap_sites[0].0]);
        // Vm: pointer + offset.
        let (mut b, p) = B::new(&[Type::I64], &[op.result_type()]);
        let v = b.load(op, AddrSpace::Vm, p[0], 4);
        b.ret(&[v]);
        let r = Runnable::new(&b.f);
        let ptr = vm.heap.as_ptr() as u64 + 96;
        assert_eq!(r.run_vm(&mut vm, &[ptr]), vec![exp], "vm {op:?}");
        assert!(
            r.compiled
                .trap_sites
                .iter()
                .all(|t| t.1 != TrapCode::MemoryOutOfBounds)
        );
    }
}

#[test]
fn stores_every_width() {
    for op in StoreOp::ALL {
        let ty = op.value_type();
        let val = 0x8877_6655_4433_2211u64;
        let val = if ty.bytes() == 4 {
            val & 0xffff_ffff
        } else {
            val
        };
        let (mut b, p) = B::new(&[Type::I32, ty], &[]);
        b.store(op, AddrSpace::Heap, p[0], p[1], 3);
        b.ret(&[]);
        let r = Runnable::new(&b.f);
        let mut vm = Vm::new(64);
        vm.heap.fill(0xee);
        r.run_vm(&mut vm, &[5, val]);
        let w = op.width() as usize;
        assert_eq!(&vm.heap[8..8 + w], &val.to_le_bytes()[..w], "{op:?}");
        assert_eq!(vm.heap[8 + w], 0xee, "{op:?} wrote too much");
        assert_eq!(vm.heap[7], 0xee);
    }
}

#[test]
fn large_offsets_and_vmctx() {
    // A heap offset above i32::MAX goes through a temporary; point the
    // heap base down so the access lands in our buffer.
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let v = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0x8000_0010);
    b.ret(&[v]);
    let r = Runnable::new(&b.f);
    let mut vm = Vm::new(64);
    vm.heap[20..24].copy_from_slice(&0xcafe_babeu32.to_le_bytes());
    vm.slots[1] = (vm.heap.as_ptr() as u64).wrapping_sub(0x8000_0010);
    assert_eq!(r.run_vm(&mut vm, &[20]), vec![0xcafe_babe]);

    // vmctx + vm loads: read the heap base back.
    let (mut b, _) = B::new(&[], &[Type::I64]);
    let ctx = b.val(Type::I64);
    b.ins(InstData::Vmctx { dst: ctx });
    let v = b.load(LoadOp::I64, AddrSpace::Vm, ctx, 8);
    b.ret(&[v]);
    let r = Runnable::new(&b.f);
    let mut vm = Vm::new(64);
    let base = vm.heap.as_ptr() as u64;
    assert_eq!(r.run_vm(&mut vm, &[]), vec![base]);
}

/// sum = 0; for i in 0..n { sum += i * i }; return sum (non-SSA locals).
#[test]
fn loop_sum() {
    let (mut b, p) = B::new(&[Type::I32], &[Type::I64]);
    let n = p[0];
    let i = b.val(Type::I32);
    let sum = b.val(Type::I64);
    let zero32 = b.iconst(Type::I32, 0);
    b.copy(i, zero32);
    let zero64 = b.iconst(Type::I64, 0);
    b.copy(sum, zero64);
    let head = b.block();
    let body = b.block();
    let exit = b.block();
    b.f.blocks[head.index()].loop_depth = 1;
    b.f.blocks[body.index()].loop_depth = 1;
    b.jump(head);
    b.switch_to(head);
    let c = b.icmp(IntCC::UnsignedLessThan, i, n);
    b.brif(c, body, exit);
    b.switch_to(body);
    let i64v = b.un(UnaryOp::UextI32, Type::I64, i);
    let sq = b.bin(BinaryOp::Imul, Type::I64, i64v, i64v);
    let s2 = b.bin(BinaryOp::Iadd, Type::I64, sum, sq);
    b.copy(sum, s2);
    let one = b.iconst(Type::I32, 1);
    let i2 = b.bin(BinaryOp::Iadd, Type::I32, i, one);
    b.copy(i, i2);
    b.jump(head);
    b.switch_to(exit);
    b.ret(&[sum]);
    let r = Runnable::new(&b.f);
    for n in [0u64, 1, 2, 10, 1000] {
        let exp: u64 = (0..n).map(|i| i * i).sum();
        assert_eq!(r.run(&[n]), vec![exp]);
    }
}

#[test]
fn br_table() {
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let blocks: Vec<_> = (0..5).map(|_| b.block()).collect();
    // Targets: 0→b0, 1→b2, 2→b1, 3→b2, default→b4 (b3 unused but present).
    b.br_table(
        p[0],
        vec![blocks[0], blocks[2], blocks[1], blocks[2], blocks[4]],
    );
    for (k, &blk) in blocks.iter().enumerate() {
        b.switch_to(blk);
        let v = b.iconst(Type::I32, 100 + k as i64);
        b.ret(&[v]);
    }
    let r = Runnable::new(&b.f);
    // An index past the last entry jumps to the default (`cmp; jae`), with
    // no clamp (`cmovb`) before the table load.
    let d = strata_isa_x64::listing(&r.compiled);
    assert!(d.contains("jae") && !d.contains("cmov"), "{d}");
    for (idx, exp) in [
        (0u64, 100u64),
        (1, 102),
        (2, 101),
        (3, 102),
        (4, 104),
        (5, 104),
        (0xffff_ffff, 104),
        (0x8000_0000, 104),
    ] {
        assert_eq!(r.run(&[idx]), vec![exp], "index {idx}");
    }
}

#[test]
fn select_int_and_float() {
    for ty in [Type::I32, Type::I64, Type::F32, Type::F64] {
        let (mut b, p) = B::new(&[Type::I32, ty, ty], &[ty]);
        let v = b.select(ty, p[0], p[1], p[2]);
        b.ret(&[v]);
        let r = Runnable::new(&b.f);
        let (x, y) = if ty.bytes() == 4 {
            (0x1111_1111u64, 0x2222_2222u64)
        } else {
            (0x1111_1111_1111_1111, 0x2222_2222_2222_2222)
        };
        assert_eq!(r.run(&[1, x, y]), vec![x], "{ty}");
        assert_eq!(r.run(&[0x8000_0000, x, y]), vec![x], "{ty}");
        assert_eq!(r.run(&[0, x, y]), vec![y], "{ty}");
        // The selected value's input stays intact when reused later.
        let (mut b, p) = B::new(&[Type::I32, ty, ty], &[ty, ty]);
        let v = b.select(ty, p[0], p[1], p[2]);
        b.ret(&[v, p[2]]);
        let r = Runnable::new(&b.f);
        assert_eq!(r.run(&[1, x, y]), vec![x, y], "{ty} keeps if_false");
    }
}

#[test]
fn copies_and_two_results() {
    let (mut b, p) = B::new(&[Type::I64, Type::I64], &[Type::I64, Type::I64]);
    // Swap through a temporary in non-SSA style.
    let t = b.val(Type::I64);
    b.copy(t, p[0]);
    b.copy(p[0], p[1]);
    b.copy(p[1], t);
    b.ret(&[p[0], p[1]]);
    let r = Runnable::new(&b.f);
    assert_eq!(r.run(&[1, 2]), vec![2, 1]);
    // Same value returned twice.
    let (mut b, p) = B::new(&[Type::F64], &[Type::F64, Type::F64]);
    b.ret(&[p[0], p[0]]);
    let r = Runnable::new(&b.f);
    assert_eq!(r.run(&[7]), vec![7, 7]);
    // Three results of a class: the third goes to the return area.
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32, Type::I32, Type::I32]);
    b.ret(&[p[0], p[0], p[0]]);
    let r = Runnable::new(&b.f);
    assert_eq!(r.run(&[9]), vec![9, 9, 9]);
}

/// 40 values live at once force spills in both classes.
#[test]
fn register_pressure() {
    let (mut b, p) = B::new(&[Type::I64, Type::F64], &[Type::I64, Type::F64]);
    let mut ints = Vec::new();
    let mut floats = Vec::new();
    for k in 0..40 {
        let c = b.iconst(Type::I64, k * 3 + 1);
        ints.push(b.bin(BinaryOp::Imul, Type::I64, p[0], c));
        let fc = b.fconst(Type::F64, (k as f64 + 0.5).to_bits());
        floats.push(b.bin(BinaryOp::Fmul, Type::F64, p[1], fc));
    }
    let mut acc = ints[0];
    for &v in &ints[1..] {
        acc = b.bin(BinaryOp::Isub, Type::I64, v, acc);
    }
    let mut facc = floats[0];
    for &v in &floats[1..] {
        facc = b.bin(BinaryOp::Fsub, Type::F64, v, facc);
    }
    b.ret(&[acc, facc]);
    let r = Runnable::new(&b.f);
    assert!(r.compiled.frame_size > 64, "expected spill slots");
    let (x, y) = (7u64, 1.25f64);
    let iv: Vec<u64> = (0..40).map(|k| x.wrapping_mul(k * 3 + 1)).collect();
    let fv: Vec<f64> = (0..40).map(|k| y * (k as f64 + 0.5)).collect();
    let mut ea = iv[0];
    for &v in &iv[1..] {
        ea = v.wrapping_sub(ea);
    }
    let mut fa = fv[0];
    for &v in &fv[1..] {
        fa = v - fa;
    }
    assert_eq!(r.run(&[x, y.to_bits()]), vec![ea, fa.to_bits()]);
}

fn mixed_sig() -> Signature {
    let mut params = Vec::new();
    for _ in 0..10 {
        params.push(Type::I64);
        params.push(Type::F64);
    }
    Signature {
        params,
        results: vec![Type::I64, Type::F64],
    }
}

/// callee(i0, f0, i1, f1, ...) = (sum of (k+1) * i_k, sum of (k+1) * f_k).
fn mixed_callee() -> strata_ir::Function {
    let sig = mixed_sig();
    let (mut b, p) = B::new(&sig.params, &sig.results);
    let mut acc = b.iconst(Type::I64, 0);
    let mut facc = b.fconst(Type::F64, 0);
    for k in 0..10 {
        let c = b.iconst(Type::I64, k as i64 + 1);
        let m = b.bin(BinaryOp::Imul, Type::I64, p[2 * k], c);
        acc = b.bin(BinaryOp::Iadd, Type::I64, acc, m);
        let fc = b.fconst(Type::F64, (k as f64 + 1.0).to_bits());
        let fm = b.bin(BinaryOp::Fmul, Type::F64, p[2 * k + 1], fc);
        facc = b.bin(BinaryOp::Fadd, Type::F64, facc, fm);
    }
    b.ret(&[acc, facc]);
    b.f
}

fn mixed_expected(x: u64) -> (u64, f64) {
    let mut i = 0u64;
    let mut f = 0f64;
    for k in 0..10u64 {
        i += (x + k) * (k + 1);
        f += (x as f64 + k as f64 + 0.5) * (k as f64 + 1.0);
    }
    (i, f)
}

#[test]
fn direct_call_with_stack_args() {
    let callee = Runnable::new(&mixed_callee());
    // Direct call through the array trampoline works too.
    let args: Vec<u64> = (0..10u64)
        .flat_map(|k| [3 + k, (3.0 + k as f64 + 0.5).to_bits()])
        .collect();
    let (ei, ef) = mixed_expected(3);
    assert_eq!(callee.run(&args), vec![ei, ef.to_bits()]);

    // caller(x) = callee(x, x+0.5, x+1, x+1.5, ...) + a value live across the call.
    let (mut b, p) = B::new(&[Type::I64], &[Type::I64, Type::F64]);
    let xf = b.un(UnaryOp::ConvertS, Type::F64, p[0]);
    let live = b.iconst(Type::I64, 1000);
    let mut args = Vec::new();
    for k in 0..10 {
        let c = b.iconst(Type::I64, k);
        args.push(b.bin(BinaryOp::Iadd, Type::I64, p[0], c));
        let fc = b.fconst(Type::F64, (k as f64 + 0.5).to_bits());
        args.push(b.bin(BinaryOp::Fadd, Type::F64, xf, fc));
    }
    let rs = b.call(
        CallKind::Direct { slot: 16 },
        &args,
        &[Type::I64, Type::F64],
    );
    let s = b.bin(BinaryOp::Iadd, Type::I64, rs[0], live);
    b.ret(&[s, rs[1]]);
    let caller = Runnable::new(&b.f);
    // The return address is in the address map.
    assert!(
        caller
            .compiled
            .addr_map
            .iter()
            .any(|&(_, loc)| loc == b.loc - 2)
    );
    let mut vm = Vm::new(64);
    vm.slots[2] = callee.code.addr() as u64;
    let (ei, ef) = mixed_expected(5);
    assert_eq!(caller.run_vm(&mut vm, &[5]), vec![ei + 1000, ef.to_bits()]);
}

#[test]
fn indirect_call_restores_vmctx() {
    // callee(a, b) = a - b + [vmctx + 24] (reads its own vmctx).
    let (mut cb, cp) = B::new(&[Type::I32, Type::I32], &[Type::I32]);
    let d = cb.bin(BinaryOp::Isub, Type::I32, cp[0], cp[1]);
    let ctx = cb.val(Type::I64);
    cb.ins(InstData::Vmctx { dst: ctx });
    let extra = cb.load(LoadOp::I32, AddrSpace::Vm, ctx, 24);
    let s = cb.bin(BinaryOp::Iadd, Type::I32, d, extra);
    cb.ret(&[s]);
    let callee = Runnable::new(&cb.f);
    let mut callee_vm = Vm::new(16);
    callee_vm.slots[3] = 1000;

    // caller(code, vmctx, a) = callee(a, 1) + [own vmctx + 24]
    let (mut b, p) = B::new(&[Type::I64, Type::I64, Type::I32], &[Type::I32]);
    let one = b.iconst(Type::I32, 1);
    let rs = b.call(CallKind::Indirect, &[p[0], p[1], p[2], one], &[Type::I32]);
    let ctx = b.val(Type::I64);
    b.ins(InstData::Vmctx { dst: ctx });
    let mine = b.load(LoadOp::I32, AddrSpace::Vm, ctx, 24);
    let s = b.bin(BinaryOp::Iadd, Type::I32, rs[0], mine);
    b.ret(&[s]);
    let caller = Runnable::new(&b.f);
    let mut vm = Vm::new(16);
    vm.slots[3] = 20000;
    let out = caller.run_vm(
        &mut vm,
        &[
            callee.code.addr() as u64,
            callee_vm.slots.as_mut_ptr() as u64,
            50,
        ],
    );
    assert_eq!(out, vec![50 - 1 + 1000 + 20000]);
}

extern "sysv64" fn builtin_add(a: u64, b: u64, x: f64) -> u64 {
    a * 10 + b + x as u64
}

#[test]
fn builtin_call() {
    let (mut b, p) = B::new(&[Type::I64], &[Type::I64]);
    let ctx = b.val(Type::I64);
    b.ins(InstData::Vmctx { dst: ctx });
    let keep = b.iconst(Type::I64, 7);
    let f = b.fconst(Type::F64, 100.0f64.to_bits());
    let rs = b.call(
        CallKind::Builtin { slot: 16 },
        &[p[0], ctx, f],
        &[Type::I64],
    );
    let s = b.bin(BinaryOp::Iadd, Type::I64, rs[0], keep);
    b.ret(&[s]);
    let r = Runnable::new(&b.f);
    let mut vm = Vm::new(16);
    vm.slots[2] = builtin_add as *const () as usize as u64;
    let ctx = vm.slots.as_ptr() as u64;
    assert_eq!(r.run_vm(&mut vm, &[3]), vec![30 + ctx + 100 + 7]);
}

extern "sysv64" fn host_fn(ctx: *mut u8, values: *mut u8) -> u32 {
    // SAFETY: the trampoline passes a slot array with room for 20 values.
    unsafe {
        assert_eq!(ctx as usize, 0x1234);
        let v = values as *mut u64;
        let mut i = 0u64;
        let mut f = 0f64;
        for k in 0..10 {
            i += *v.add(4 * k) * (k as u64 + 1);
            f += f64::from_bits(*v.add(4 * k + 2)) * (k as f64 + 1.0);
        }
        *v = i;
        *v.add(2) = f.to_bits();
    }
    0
}

extern "sysv64" fn raise() {
    panic!("raise called");
}

#[test]
fn host_trampoline_roundtrip() {
    // An array trampoline calls the host trampoline like Wasm code would, with
    // r14 = the host context (a buffer: the array trampoline reads
    // [ctx + 8] as the heap base).
    let sig = mixed_sig();
    let code = host_trampoline(
        &sig,
        host_fn2 as *const () as usize,
        raise as *const () as usize,
    )
    .unwrap();
    assert!(strata_isa_x64::disassemble(&code, 0).starts_with("  0: push rbp\n  1: mov rbp,rsp"));
    let tramp = ExecMem::new(&code);
    let at = ExecMem::new(&array_trampoline(&sig).unwrap());
    let mut values = [[0u64; 2]; 20];
    for k in 0..10 {
        values[2 * k][0] = 2 + k as u64;
        values[2 * k + 1][0] = (2.0 + k as f64 + 0.5).to_bits();
    }
    let mut buf = Box::new([0u64; 4]);
    let ctx_ptr = buf.as_mut_ptr() as *mut u8;
    HOST_CTX.with(|c| c.set(ctx_ptr as usize));
    type Tramp = unsafe extern "sysv64" fn(*mut u8, *const u8, *mut u8);
    // SAFETY: both trampolines follow their documented conventions.
    unsafe {
        let t: Tramp = std::mem::transmute(at.addr());
        t(ctx_ptr, tramp.addr(), values.as_mut_ptr() as *mut u8);
    }
    let (ei, ef) = mixed_expected(2);
    assert_eq!(values[0][0], ei);
    assert_eq!(values[1][0], ef.to_bits());
}

thread_local! {
    static HOST_CTX: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

extern "sysv64" fn host_fn2(ctx: *mut u8, values: *mut u8) -> u32 {
    assert_eq!(ctx as usize, HOST_CTX.with(|c| c.get()));
    host_fn(0x1234 as *mut u8, values)
}

#[test]
fn traps_are_recorded() {
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let t = b.block();
    let e = b.block();
    b.ins(InstData::TrapIf {
        cond: p[0],
        code: TrapCode::IndirectCallTypeMismatch,
    });
    let c = b.icmp(IntCC::Equal, p[0], p[0]);
    b.brif(c, t, e);
    b.switch_to(t);
    b.ret(&[p[0]]);
    b.switch_to(e);
    b.trap(TrapCode::Unreachable);
    let r = Runnable::new(&b.f);
    let codes: Vec<TrapCode> = r.compiled.trap_sites.iter().map(|t| t.1).collect();
    assert!(codes.contains(&TrapCode::IndirectCallTypeMismatch));
    assert!(codes.contains(&TrapCode::Unreachable));
    // A leaf without a frame: no stack check, every trap site frameless.
    assert!(!codes.contains(&TrapCode::StackOverflow));
    let sites: Vec<u32> = r.compiled.trap_sites.iter().map(|t| t.0).collect();
    assert_eq!(r.compiled.frameless_traps, sites);
    // Each trap site is a ud2 and has an address-map entry.
    for &(off, _) in &r.compiled.trap_sites {
        assert_eq!(
            &r.compiled.code[off as usize..off as usize + 2],
            &[0x0f, 0x0b]
        );
        assert!(r.compiled.addr_map.iter().any(|&(o, _)| o == off));
    }
    assert!(r.compiled.trap_sites.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(r.run(&[0]), vec![0]);
}

/// The execution tests again with the optimizing allocator.
#[test]
fn optimizing_mode() {
    MODE.with(|m| m.set(strata_regalloc::Mode::Optimizing));
    loads_every_width();
    stores_every_width();
    large_offsets_and_vmctx();
    loop_sum();
    br_table();
    select_int_and_float();
    copies_and_two_results();
    register_pressure();
    direct_call_with_stack_args();
    indirect_call_restores_vmctx();
    builtin_call();
    traps_are_recorded();
}

/// `f` lowered, and its allocation in `Mode::Optimizing` (checked).
fn optimizing_allocation(
    f: &strata_ir::Function,
) -> (strata_isa_x64::VCode, strata_regalloc::Output) {
    let mut c = strata_isa_x64::Compiler::new(opts());
    let vc = c.lower(f).unwrap().clone();
    let out = strata_regalloc::allocate(
        &vc,
        &strata_isa_x64::machine_env(),
        &strata_regalloc::Options {
            mode: strata_regalloc::Mode::Optimizing,
            validate: true,
            ..Default::default()
        },
    )
    .unwrap();
    (vc, out)
}

/// Constants of every encoding (zero, 32-bit, negative 32-bit
/// zero-extended, sign-extended 64-bit, full 64-bit) live across a region
/// that needs every register: the optimizing allocator rematerializes
/// them (no slot) and the results are right.
#[test]
fn constants_rematerialized_under_pressure() {
    let consts: [(Type, i64); 6] = [
        (Type::I64, 0),
        (Type::I32, 0x7fff_fff1),
        (Type::I32, -5),
        (Type::I64, -7),
        (Type::I64, 0x1234_5678_9abc_def1),
        (Type::I64, 0xffff_fffe),
    ];
    let (mut b, p) = B::new(&[Type::I64], &[Type::I64, Type::I32]);
    let cs: Vec<_> = consts.iter().map(|&(t, k)| b.iconst(t, k)).collect();
    let mut ints = Vec::new();
    for k in 0..20 {
        let c = b.iconst(Type::I64, k * 5 + 3);
        ints.push(b.bin(BinaryOp::Imul, Type::I64, p[0], c));
    }
    let mut acc = ints[0];
    for &v in &ints[1..] {
        acc = b.bin(BinaryOp::Isub, Type::I64, v, acc);
    }
    // Constants as the first operand of a subtraction stay in registers.
    let mut acc32 = b.iconst(Type::I32, 1);
    for (k, &(t, _)) in consts.iter().enumerate() {
        if t == Type::I64 {
            acc = b.bin(BinaryOp::Isub, Type::I64, cs[k], acc);
        } else {
            acc32 = b.bin(BinaryOp::Isub, Type::I32, cs[k], acc32);
        }
    }
    b.ret(&[acc, acc32]);
    let x = 11u64;
    let iv: Vec<u64> = (0..20).map(|k| x.wrapping_mul(k * 5 + 3)).collect();
    let mut ea = iv[0];
    for &v in &iv[1..] {
        ea = v.wrapping_sub(ea);
    }
    let mut e32 = 1u32;
    for &(t, k) in &consts {
        if t == Type::I64 {
            ea = (k as u64).wrapping_sub(ea);
        } else {
            e32 = (k as u32).wrapping_sub(e32);
        }
    }
    for mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        MODE.with(|m| m.set(mode));
        let r = Runnable::new(&b.f);
        assert_eq!(r.run(&[x]), vec![ea, e32 as u64], "{mode:?}");
    }
    MODE.with(|m| m.set(strata_regalloc::Mode::Fast));
    // The allocation itself: constants are rematerialized, not spilled.
    let (vc, out) = optimizing_allocation(&b.f);
    let remats = out
        .edits
        .iter()
        .filter(|(_, e)| matches!(e, strata_regalloc::Edit::Remat { .. }))
        .count();
    assert!(remats > 0, "{vc}\n{:?}", out.edits);
}

/// Float constants (zero, negative zero, an f32, f64s whose bits need all
/// 64) live across a region that needs every float register: the
/// optimizing allocator rematerializes them from the constant pool (no
/// slot, no integer temporary), and the results are exact in both modes.
#[test]
fn float_constants_rematerialized_under_pressure() {
    let f64s = [0.0f64, -0.0, std::f64::consts::PI, -1.0e300, 2.5e-310];
    let (mut b, p) = B::new(&[Type::F64, Type::F32], &[Type::F64, Type::F32]);
    let cs: Vec<_> = f64s
        .iter()
        .map(|c| b.fconst(Type::F64, c.to_bits()))
        .collect();
    let c32 = b.fconst(Type::F32, u64::from(1.75f32.to_bits()));
    let mut fs = Vec::new();
    for k in 0..20 {
        let c = b.fconst(Type::F64, (k as f64 * 0.25 + 1.0).to_bits());
        fs.push(b.bin(BinaryOp::Fmul, Type::F64, p[0], c));
    }
    let mut acc = fs[0];
    for &v in &fs[1..] {
        acc = b.bin(BinaryOp::Fsub, Type::F64, v, acc);
    }
    // Constants as the first operand of a subtraction stay in registers.
    for &c in &cs {
        acc = b.bin(BinaryOp::Fsub, Type::F64, c, acc);
    }
    let acc32 = b.bin(BinaryOp::Fsub, Type::F32, c32, p[1]);
    b.ret(&[acc, acc32]);
    let x = 3.0f64;
    let y = 0.5f32;
    let mut ea = x * 1.0;
    for k in 1..20 {
        ea = x * (k as f64 * 0.25 + 1.0) - ea;
    }
    for c in f64s {
        ea = c - ea;
    }
    let want = [ea.to_bits(), u64::from((1.75f32 - y).to_bits())];
    for mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        MODE.with(|m| m.set(mode));
        let r = Runnable::new(&b.f);
        let got = r.run(&[x.to_bits(), u64::from(y.to_bits())]);
        // An f32 result's upper bits are not specified.
        assert_eq!(got[0], want[0], "{mode:?}");
        assert_eq!(got[1] as u32 as u64, want[1], "{mode:?}");
    }
    MODE.with(|m| m.set(strata_regalloc::Mode::Fast));
    let (vc, out) = optimizing_allocation(&b.f);
    let float_remats = out
        .edits
        .iter()
        .filter(|(_, e)| {
            matches!(
                e,
                strata_regalloc::Edit::Remat {
                    class: strata_regalloc::RegClass::Float,
                    ..
                }
            )
        })
        .count();
    assert!(float_remats > 0, "{vc}\n{:?}", out.edits);
    // No float constant goes through an integer register any more.
    let d = strata_isa_x64::listing(&compile(&b.f));
    assert!(!d.contains("movq xmm"), "{d}");
}

/// Values spilled under register pressure are read straight from their
/// spill slots as the second operand of integer ALU operations, scalar
/// float operations and integer compares (`add rax,[rbp-..]`,
/// `cmp rax,[rbp-..]`, `mulsd xmm0,[rbp-..]`) in both allocator modes, with
/// the same results as reloading them.
#[test]
fn spilled_operands_are_read_from_their_slots() {
    let iops = [
        BinaryOp::Iadd,
        BinaryOp::Isub,
        BinaryOp::Xor,
        BinaryOp::Imul,
        BinaryOp::And,
        BinaryOp::Or,
    ];
    let fops = [
        BinaryOp::Fadd,
        BinaryOp::Fsub,
        BinaryOp::Fmul,
        BinaryOp::Fdiv,
    ];
    let (mut b, p) = B::new(&[Type::I64, Type::F64], &[Type::I64, Type::F64, Type::I32]);
    let mut ints = Vec::new();
    let mut floats = Vec::new();
    for k in 0..30 {
        let c = b.iconst(Type::I64, k * 7 + 3);
        ints.push(b.bin(BinaryOp::Imul, Type::I64, p[0], c));
        let fc = b.fconst(Type::F64, (k as f64 * 0.75 + 1.0).to_bits());
        floats.push(b.bin(BinaryOp::Fmul, Type::F64, p[1], fc));
    }
    // acc = acc op v (v second), and count the v below acc.
    let mut acc = p[0];
    let mut below = b.iconst(Type::I32, 0);
    let one = b.iconst(Type::I32, 1);
    for (k, &v) in ints.iter().enumerate() {
        let lt = b.icmp(IntCC::SignedLessThan, acc, v);
        let inc = b.bin(BinaryOp::Iadd, Type::I32, below, one);
        below = b.select(Type::I32, lt, inc, below);
        acc = b.bin(iops[k % iops.len()], Type::I64, acc, v);
    }
    let mut facc = p[1];
    for (k, &v) in floats.iter().enumerate() {
        facc = b.bin(fops[k % fops.len()], Type::F64, facc, v);
    }
    b.ret(&[acc, facc, below]);
    let (x, y) = (0x1234_5678_9abcu64, 1.5f64);
    let iv: Vec<u64> = (0..30).map(|k| x.wrapping_mul(k * 7 + 3)).collect();
    let fv: Vec<f64> = (0..30).map(|k| y * (k as f64 * 0.75 + 1.0)).collect();
    let (mut ea, mut eb) = (x, 0u64);
    for (k, &v) in iv.iter().enumerate() {
        if (ea as i64) < (v as i64) {
            eb += 1;
        }
        ea = match k % iops.len() {
            0 => ea.wrapping_add(v),
            1 => ea.wrapping_sub(v),
            2 => ea ^ v,
            3 => ea.wrapping_mul(v),
            4 => ea & v,
            _ => ea | v,
        };
    }
    let mut fa = y;
    for (k, &v) in fv.iter().enumerate() {
        fa = match k % fops.len() {
            0 => fa + v,
            1 => fa - v,
            2 => fa * v,
            _ => fa / v,
        };
    }
    for mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        MODE.with(|m| m.set(mode));
        let r = Runnable::new(&b.f);
        assert_eq!(
            r.run(&[x, y.to_bits()]),
            vec![ea, fa.to_bits(), eb],
            "{mode:?}"
        );
        let d = strata_isa_x64::listing(&r.compiled);
        let from_slot = |mnemonics: &[&str]| {
            d.lines().any(|l| {
                let t = l.trim().split_once(": ").map_or("", |x| x.1);
                mnemonics.iter().any(|m| t.starts_with(m)) && t.contains(",[rbp-")
            })
        };
        assert!(
            from_slot(&["add r", "sub r", "xor r", "imul r", "and r", "or r"]),
            "{mode:?}: ALU from a slot\n{d}"
        );
        assert!(from_slot(&["cmp r"]), "{mode:?}: cmp from a slot\n{d}");
        assert!(
            from_slot(&["addsd", "subsd", "mulsd", "divsd"]),
            "{mode:?}: float op from a slot\n{d}"
        );
    }
    MODE.with(|m| m.set(strata_regalloc::Mode::Fast));
}

/// An `iadd` (a three-address `lea` until allocation) reads a spilled input
/// from its slot: `add d,[rbp-..]`, after `mov d,x` when the other input
/// lives on in another register or `mov d,[rbp-..]` when it is spilled too,
/// at 32 and 64 bits, in both allocator modes, with the right sums.
#[test]
fn spilled_addend_is_read_from_its_slot() {
    for ty in [Type::I32, Type::I64] {
        let (mut b, p) = B::new(&[Type::I64], &[ty, ty]);
        let x = if ty == Type::I32 {
            b.un(UnaryOp::Wrap, Type::I32, p[0])
        } else {
            p[0]
        };
        let vals: Vec<_> = (0..24)
            .map(|k| {
                let c = b.iconst(ty, k * 9 + 5);
                b.bin(BinaryOp::Imul, ty, x, c)
            })
            .collect();
        // `base` lives to the end: each sum goes to another register.
        let base = b.bin(BinaryOp::Xor, ty, x, x);
        let one = b.iconst(ty, 1);
        let base = b.bin(BinaryOp::Iadd, ty, base, one);
        let mut acc = b.iconst(ty, 0);
        for &v in vals.iter().rev() {
            let s = b.bin(BinaryOp::Iadd, ty, base, v);
            acc = b.bin(BinaryOp::Xor, ty, acc, s);
        }
        // Sums of two spilled values, both still live after (read again
        // below): `mov d,[slot]; add d,[slot]`.
        for k in 0..12 {
            let s = b.bin(BinaryOp::Iadd, ty, vals[k], vals[23 - k]);
            acc = b.bin(BinaryOp::Xor, ty, acc, s);
        }
        for &v in &vals {
            acc = b.bin(BinaryOp::Isub, ty, acc, v);
        }
        b.ret(&[acc, base]);
        let arg = 0x1234_5678_9abc_def1u64;
        let (m, xv) = if ty == Type::I32 {
            (u32::MAX as u64, arg as u32 as u64)
        } else {
            (u64::MAX, arg)
        };
        let v = |k: u64| xv.wrapping_mul(k * 9 + 5);
        let mut want = (0..24u64)
            .rev()
            .fold(0u64, |a, k| a ^ (1u64.wrapping_add(v(k)) & m));
        for k in 0..12u64 {
            want = (want ^ v(k).wrapping_add(v(23 - k))) & m;
        }
        for k in 0..24u64 {
            want = want.wrapping_sub(v(k)) & m;
        }
        for mode in [
            strata_regalloc::Mode::Fast,
            strata_regalloc::Mode::Optimizing,
        ] {
            MODE.with(|c| c.set(mode));
            let r = Runnable::new(&b.f);
            assert_eq!(r.run(&[arg]), vec![want & m, 1], "{ty} {mode:?}");
            let d = strata_isa_x64::listing(&r.compiled);
            let adds = d
                .lines()
                .filter_map(|l| l.trim().split_once(": ").map(|x| x.1))
                .filter(|t| t.starts_with("add ") && t.contains(",[rbp-"))
                .count();
            assert!(adds > 0, "{ty} {mode:?}: no add from a slot\n{d}");
            // (In `Mode::Fast` a value spilled stays spilled: both inputs of
            // some sum are slots.)
            let both = d
                .lines()
                .filter_map(|l| l.trim().split_once(": ").map(|x| x.1))
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| {
                    w[0].starts_with("mov ")
                        && w[0].contains(",[rbp-")
                        && w[1].starts_with("add ")
                        && w[1].contains(",[rbp-")
                });
            assert!(
                both || mode == strata_regalloc::Mode::Optimizing,
                "{ty} {mode:?}: no sum of two slots\n{d}"
            );
        }
    }
    MODE.with(|m| m.set(strata_regalloc::Mode::Fast));
}

/// The input of a two-address operation (`rol`, `shl`, `xor`, `add` with
/// an immediate) that lives on after it is copied into the result's
/// register straight from its spill slot (`mov d,[rbp-..]; rol d,k`), not
/// reloaded into a register of its own first (`mov r,[rbp-..]; mov d,r`),
/// in both allocator modes. (With BMI2 the rotates are `rorx`, which may
/// read the slot itself.)
#[test]
fn spilled_input_of_two_address_op_is_copied_from_its_slot() {
    let (mut b, p) = B::new(&[Type::I64], &[Type::I64]);
    let vals: Vec<_> = (0..24)
        .map(|k| {
            let c = b.iconst(Type::I64, k * 11 + 3);
            b.bin(BinaryOp::Imul, Type::I64, p[0], c)
        })
        .collect();
    let mut acc = b.iconst(Type::I64, 0);
    for (k, &v) in vals.iter().enumerate() {
        let c = b.iconst(Type::I64, (k % 5 + 1) as i64);
        let op = [BinaryOp::Rotl, BinaryOp::Shl, BinaryOp::Xor, BinaryOp::Iadd][k % 4];
        let t = b.bin(op, Type::I64, v, c);
        acc = b.bin(BinaryOp::Isub, Type::I64, acc, t);
    }
    // Every value is read again here: it lives on after its operation.
    for &v in &vals {
        acc = b.bin(BinaryOp::Xor, Type::I64, acc, v);
    }
    b.ret(&[acc]);
    let x = 0x0123_4567_89ab_cdefu64;
    let mut want = 0u64;
    for k in 0..24u64 {
        let v = x.wrapping_mul(k * 11 + 3);
        let c = k % 5 + 1;
        let t = match k % 4 {
            0 => v.rotate_left(c as u32),
            1 => v << c,
            2 => v ^ c,
            _ => v.wrapping_add(c),
        };
        want = want.wrapping_sub(t);
    }
    for k in 0..24u64 {
        want ^= x.wrapping_mul(k * 11 + 3);
    }
    for mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        MODE.with(|c| c.set(mode));
        let r = Runnable::new(&b.f);
        assert_eq!(r.run(&[x]), vec![want], "{mode:?}");
        let d = strata_isa_x64::listing(&r.compiled);
        let code: Vec<&str> = d
            .lines()
            .filter_map(|l| l.trim().split_once(": ").map(|x| x.1))
            .collect();
        let reg_of = |t: &str, prefix: &str| {
            t.strip_prefix(prefix)
                .and_then(|r| r.split_once(','))
                .map(|(r, rest)| (r.to_string(), rest.to_string()))
        };
        for w in code.windows(2) {
            if let (Some((r, src)), Some((_, from))) = (reg_of(w[0], "mov "), reg_of(w[1], "mov "))
                && src.starts_with("[rbp-")
            {
                assert_ne!(from, r, "{mode:?}: reload, then copy\n{d}");
            }
        }
        let direct = code.windows(2).any(|w| {
            w[0].starts_with("mov ")
                && w[0].contains(",[rbp-")
                && ["rol ", "shl ", "xor ", "add "]
                    .iter()
                    .any(|m| w[1].starts_with(m) && !w[1].contains('['))
        });
        assert!(
            direct,
            "{mode:?}: no operation on a value loaded from its slot\n{d}"
        );
        // With BMI2 the rotates are `rorx`, which read a spilled input in
        // place.
        if strata_isa_x64::host_has_bmi2() {
            assert!(d.contains("rorx ") && !d.contains("rol "), "{mode:?}\n{d}");
            if mode == strata_regalloc::Mode::Fast {
                assert!(
                    code.iter()
                        .any(|t| t.starts_with("rorx ") && t.contains("[rbp-")),
                    "{mode:?}: no rorx from a slot\n{d}"
                );
            }
        }
    }
    MODE.with(|m| m.set(strata_regalloc::Mode::Fast));
}

/// rbx, r12 and r13 are callee-saved in the Wasm convention: a callee under
/// enough register pressure to use them saves and restores them, and a
/// caller keeps values live across the call in them.
#[test]
fn callee_saved_registers_survive_a_call() {
    // callee(x) = sum over k < 12 of (x + k) * (x ^ k), with the twelve
    // products all live at once: more than the caller-saved registers hold.
    let (mut b, p) = B::new(&[Type::I64], &[Type::I64]);
    let mut prods = Vec::new();
    for k in 0..12 {
        let c = b.iconst(Type::I64, k);
        let s = b.bin(BinaryOp::Iadd, Type::I64, p[0], c);
        let x = b.bin(BinaryOp::Xor, Type::I64, p[0], c);
        prods.push(b.bin(BinaryOp::Imul, Type::I64, s, x));
    }
    let mut acc = prods[0];
    for &v in &prods[1..] {
        acc = b.bin(BinaryOp::Iadd, Type::I64, acc, v);
    }
    b.ret(&[acc]);
    let callee = Runnable::new(&b.f);
    let d = strata_isa_x64::listing(&callee.compiled);
    for r in ["rbx", "r12", "r13"] {
        assert!(d.contains(&format!("],{r}\n")), "callee saves {r}:\n{d}");
        assert!(
            d.contains(&format!("mov {r},[rbp-")),
            "callee restores {r}:\n{d}"
        );
    }
    let expect_callee =
        |x: u64| (0..12u64).fold(0u64, |a, k| a.wrapping_add((x + k).wrapping_mul(x ^ k)));
    assert_eq!(callee.run(&[7]), vec![expect_callee(7)]);

    // caller(x) = x*3 + x*5 + callee(x) + callee(x + 1): three values live
    // across each call (x, x*3, x*5, then callee(x), x*3, x*5).
    let (mut b, p) = B::new(&[Type::I64], &[Type::I64]);
    let mut live = Vec::new();
    for m in [3, 5] {
        let c = b.iconst(Type::I64, m);
        live.push(b.bin(BinaryOp::Imul, Type::I64, p[0], c));
    }
    let r1 = b.call(CallKind::Direct { slot: 16 }, &[p[0]], &[Type::I64])[0];
    let one = b.iconst(Type::I64, 1);
    let x1 = b.bin(BinaryOp::Iadd, Type::I64, p[0], one);
    let r2 = b.call(CallKind::Direct { slot: 16 }, &[x1], &[Type::I64])[0];
    let mut acc = b.bin(BinaryOp::Iadd, Type::I64, r1, r2);
    for &v in &live {
        acc = b.bin(BinaryOp::Iadd, Type::I64, acc, v);
    }
    b.ret(&[acc]);
    let caller = Runnable::new(&b.f);
    let d = strata_isa_x64::listing(&caller.compiled);
    // x lives across the first call in a callee-saved register (it is the
    // first in order of preference).
    let call = d.find("call ").expect("a call");
    assert!(d[..call].contains("mov [rbp-0x10],rbx"), "{d}");
    assert!(d[call..].contains("lea rdi,[rbx+1]"), "{d}");
    let mut vm = Vm::new(64);
    vm.slots[2] = callee.code.addr() as u64;
    for x in [0u64, 5, 1 << 40] {
        let want = (x * 8)
            .wrapping_add(expect_callee(x))
            .wrapping_add(expect_callee(x + 1));
        assert_eq!(caller.run_vm(&mut vm, &[x]), vec![want], "x={x}");
    }
}

/// Values passed to calls and live after them, with the splitting
/// allocator: a value moved into a callee-saved register and then back
/// into its argument register (`mov r12,rsi; mov rsi,r12`) needs only the
/// first move; a slot just stored from a register is read back as a
/// register move (`mov rdx,r10`, not `mov rdx,[rbp-0xA0]`). The results
/// are the same arithmetic's in Rust.
#[test]
fn moves_around_calls_are_not_undone() {
    // callee(a, b) = a * 3 + b
    let (mut cb, cp) = B::new(&[Type::I64, Type::I64], &[Type::I64]);
    let three = cb.iconst(Type::I64, 3);
    let t = cb.bin(BinaryOp::Imul, Type::I64, cp[0], three);
    let r = cb.bin(BinaryOp::Iadd, Type::I64, t, cp[1]);
    cb.ret(&[r]);
    let callee = Runnable::new(&cb.f);
    let callee_ref = |a: u64, b: u64| a.wrapping_mul(3).wrapping_add(b);
    // caller(x, y): callee(x ^ y, y) + callee(x + y, y) + x + y: y arrives
    // in the register it is passed in and lives across both calls.
    let (mut b, p) = B::new(&[Type::I64, Type::I64], &[Type::I64]);
    let u = b.bin(BinaryOp::Xor, Type::I64, p[0], p[1]);
    let r1 = b.call(CallKind::Direct { slot: 16 }, &[u, p[1]], &[Type::I64])[0];
    let v = b.bin(BinaryOp::Iadd, Type::I64, p[0], p[1]);
    let r2 = b.call(CallKind::Direct { slot: 16 }, &[v, p[1]], &[Type::I64])[0];
    let mut acc = b.bin(BinaryOp::Iadd, Type::I64, r1, r2);
    for x in [p[0], p[1]] {
        acc = b.bin(BinaryOp::Iadd, Type::I64, acc, x);
    }
    b.ret(&[acc]);
    let options = strata_isa_x64::CompileOptions {
        regalloc_mode: strata_regalloc::Mode::Optimizing,
        ..opts()
    };
    let caller = Runnable::with_options(&b.f, options);
    let d = strata_isa_x64::listing(&caller.compiled);
    let code = instructions(&d);
    for w in code.windows(2) {
        if let Some((x, y)) = w[0].strip_prefix("mov ").and_then(|t| t.split_once(','))
            && !x.contains('[')
            && !y.contains('[')
        {
            assert_ne!(w[1], format!("mov {y},{x}"), "a move undone\n{d}");
        }
        if let Some((slot, _)) = w[0]
            .strip_prefix("mov [rbp-")
            .and_then(|t| t.split_once("],"))
        {
            assert!(
                !w[1].ends_with(&format!(",[rbp-{slot}]")),
                "a slot read back right after its store\n{d}"
            );
        }
    }
    let mut vm = Vm::new(64);
    vm.slots[2] = callee.code.addr() as u64;
    for (x, y) in [(0u64, 0u64), (5, 9), (1 << 40, 77), (u64::MAX, 3)] {
        let want = callee_ref(x ^ y, y)
            .wrapping_add(callee_ref(x.wrapping_add(y), y))
            .wrapping_add(x)
            .wrapping_add(y);
        assert_eq!(caller.run_vm(&mut vm, &[x, y]), vec![want], "({x}, {y})");
    }
}

/// The emitter's fallback for 2-byte forward jumps that fall out of reach:
/// with every forward jump tried in the 2-byte form first (as if each
/// estimate said it reached), a function whose branches cross both short
/// and long stretches of code, and whose conversion and division jump
/// within themselves and to trap stubs, is emitted again with the jumps
/// that did not reach in the long form, and computes what it computed
/// before, in both allocator modes.
#[test]
fn forward_jumps_out_of_reach_are_emitted_again_long() {
    let (mut b, p) = B::new(&[Type::I32, Type::F64], &[Type::I64]);
    let (x, y) = (p[0], p[1]);
    let r = b.val(Type::I64);
    let small = b.block();
    let big = b.block();
    let join = b.block();
    let hundred = b.iconst(Type::I32, 100);
    let c = b.icmp(IntCC::SignedLessThan, x, hundred);
    b.brif(c, small, big);
    b.switch_to(small);
    let wide = b.un(UnaryOp::UextI32, Type::I64, x);
    let one = b.iconst(Type::I64, 1);
    let s = b.bin(BinaryOp::Iadd, Type::I64, wide, one);
    b.copy(r, s);
    b.jump(join);
    // More than 127 bytes of code: 30 multiply-adds with 32-bit constants.
    b.switch_to(big);
    let mut acc = b.un(UnaryOp::UextI32, Type::I64, x);
    for k in 1..=30i64 {
        let m = b.iconst(Type::I64, k * 7919);
        let prod = b.bin(BinaryOp::Imul, Type::I64, acc, m);
        let add = b.iconst(Type::I64, k << 20);
        acc = b.bin(BinaryOp::Iadd, Type::I64, prod, add);
    }
    let conv = b.un(UnaryOp::TruncSatS, Type::I64, y);
    let sum = b.bin(BinaryOp::Iadd, Type::I64, acc, conv);
    b.copy(r, sum);
    b.jump(join);
    b.switch_to(join);
    let wide = b.un(UnaryOp::UextI32, Type::I64, x);
    let one = b.iconst(Type::I64, 1);
    let divisor = b.bin(BinaryOp::Or, Type::I64, wide, one);
    let q = b.bin(BinaryOp::DivS, Type::I64, r, divisor);
    b.ret(&[q]);

    let expected = |x: u32, y: f64| -> u64 {
        let wide = u64::from(x);
        let r = if (x as i32) < 100 {
            wide + 1
        } else {
            let mut acc = wide;
            for k in 1..=30u64 {
                acc = acc.wrapping_mul(k * 7919).wrapping_add(k << 20);
            }
            acc.wrapping_add(y as i64 as u64)
        };
        (r as i64).wrapping_div((wide | 1) as i64) as u64
    };
    for mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        MODE.with(|c| c.set(mode));
        let usual = Runnable::new(&b.f);
        let (tried, reemits) = Runnable::optimistic(&b.f);
        assert!(reemits >= 1, "{mode:?}: no jump fell out of reach");
        for (x, y) in [
            (0u32, 0.0f64),
            (99, 1.5),
            (100, -2.5),
            (12345, 1e300),
            (u32::MAX, f64::NAN),
            (7, -1e300),
        ] {
            let want = expected(x, y);
            let args = [u64::from(x), y.to_bits()];
            assert_eq!(usual.run(&args), vec![want], "{mode:?} ({x}, {y})");
            assert_eq!(
                tried.run(&args),
                vec![want],
                "{mode:?} ({x}, {y}), emitted again"
            );
        }
    }
}
