//! Multi-value execution tests: functions returning more results than the
//! result registers hold (the rest go through the return area, see
//! `strata_isa_x64::abi`), called through the array trampoline, directly,
//! indirectly, with stack arguments, and through the host trampoline. Every
//! test runs with both allocator modes.
mod common;
use common::*;
use strata_ir::{BinaryOp, CallKind, Function, InstData, LoadOp, Signature, Type, UnaryOp, Value};
use strata_isa_x64::{array_trampoline, host_trampoline};
use strata_regalloc::Mode;

use Type::{F32, F64, I32, I64};

fn both_modes(f: impl Fn()) {
    for mode in [Mode::Fast, Mode::Optimizing] {
        MODE.with(|m| m.set(mode));
        f();
    }
    MODE.with(|m| m.set(Mode::Fast));
}

const SIG3: [Type; 3] = [I32, I64, I32];
const SIG5: [Type; 5] = [F64, I32, F32, F64, I64];
const SIG10: [Type; 10] = [I32, F64, I64, F32, I32, F64, I64, F32, F64, I32];

/// The parameters of the `producer` functions: `(a: i32, b: i64, c: f32, d: f64)`.
const PARAMS: [Type; 4] = [I32, I64, F32, F64];

/// Result k of type `ty` of a producer, from its arguments.
fn expected(ty: Type, k: usize, a: u32, b: u64, c: f32, d: f64) -> u64 {
    match ty {
        I32 => a.wrapping_add(k as u32 + 1) as u64,
        I64 => b.wrapping_mul(k as u64 + 1),
        F32 => (c + k as f32).to_bits() as u64,
        F64 => (d * (k as f64 + 0.5)).to_bits(),
    }
}

/// Emits result k of type `ty` from the producer parameters `p`.
fn produce(b: &mut B, p: &[Value], ty: Type, k: usize) -> Value {
    match ty {
        I32 => {
            let c = b.iconst(I32, k as i64 + 1);
            b.bin(BinaryOp::Iadd, I32, p[0], c)
        }
        I64 => {
            let c = b.iconst(I64, k as i64 + 1);
            b.bin(BinaryOp::Imul, I64, p[1], c)
        }
        F32 => {
            let c = b.fconst(F32, (k as f32).to_bits() as u64);
            b.bin(BinaryOp::Fadd, F32, p[2], c)
        }
        F64 => {
            let c = b.fconst(F64, (k as f64 + 0.5).to_bits());
            b.bin(BinaryOp::Fmul, F64, p[3], c)
        }
    }
}

/// `producer(a, b, c, d)` returns one value per type of `tys` (see [`expected`]).
fn producer(tys: &[Type]) -> Function {
    let (mut b, p) = B::new(&PARAMS, tys);
    let rs: Vec<Value> = tys
        .iter()
        .enumerate()
        .map(|(k, &t)| produce(&mut b, &p, t, k))
        .collect();
    b.ret(&rs);
    b.f
}

const A: u32 = 0xffff_fff0;
const BV: u64 = 0x1234_5678_9abc;
const C: f32 = 1.25;
const D: f64 = -3.5;

fn producer_args() -> Vec<u64> {
    vec![A as u64, BV, C.to_bits() as u64, D.to_bits()]
}

fn all_expected(tys: &[Type]) -> Vec<u64> {
    tys.iter()
        .enumerate()
        .map(|(k, &t)| expected(t, k, A, BV, C, D))
        .collect()
}

#[test]
fn returns_3_5_10_and_17_values_through_the_array_trampoline() {
    both_modes(|| {
        let sig17: Vec<Type> = (0..17).map(|k| [F32, I64, I32, F64][k % 4]).collect();
        for tys in [&SIG3[..], &SIG5[..], &SIG10[..], &sig17[..]] {
            let r = Runnable::new(&producer(tys));
            assert_eq!(r.run(&producer_args()), all_expected(tys), "{tys:?}");
        }
    });
}

#[test]
fn the_same_value_returned_in_registers_and_the_return_area() {
    both_modes(|| {
        let (mut b, p) = B::new(&[I64, F64], &[I64, I64, I64, F64, F64, F64, I64]);
        b.ret(&[p[0], p[0], p[0], p[1], p[1], p[1], p[0]]);
        let r = Runnable::new(&b.f);
        let f = 2.5f64.to_bits();
        assert_eq!(r.run(&[7, f]), vec![7, 7, 7, f, f, f, 7]);
    });
}

/// Converts the IR value `v` of type `ty` to an i64 (ints) or f64 (floats).
fn widen(b: &mut B, ty: Type, v: Value) -> Value {
    match ty {
        I32 => b.un(UnaryOp::UextI32, I64, v),
        F32 => b.un(UnaryOp::Promote, F64, v),
        _ => v,
    }
}

fn widen_expected(ty: Type, bits: u64) -> (u64, f64) {
    match ty {
        I32 | I64 => (bits, 0.0),
        F32 => (0, f32::from_bits(bits as u32) as f64),
        F64 => (0, f64::from_bits(bits)),
    }
}

/// A caller of the 10-result producer: returns the results reversed, then the
/// sum of the integers (as i64) plus a value live across the call, then the
/// sum of the floats (as f64).
fn consumer(kind: CallKind, extra_params: &[Type]) -> Function {
    let mut params = extra_params.to_vec();
    params.extend_from_slice(&PARAMS);
    let mut results: Vec<Type> = SIG10.iter().rev().copied().collect();
    results.extend([I64, F64]);
    let (mut b, p) = B::new(&params, &results);
    let live = b.iconst(I64, 1_000_000);
    let mut args: Vec<Value> = p[..extra_params.len()].to_vec();
    args.extend_from_slice(&p[extra_params.len()..]);
    let rs = b.call(kind, &args, &SIG10);
    let mut isum = live;
    let mut fsum = b.fconst(F64, 0);
    for (k, &t) in SIG10.iter().enumerate() {
        let w = widen(&mut b, t, rs[k]);
        if t.is_int() {
            isum = b.bin(BinaryOp::Iadd, I64, isum, w);
        } else {
            fsum = b.bin(BinaryOp::Fadd, F64, fsum, w);
        }
    }
    let mut out: Vec<Value> = rs.iter().rev().copied().collect();
    out.extend([isum, fsum]);
    b.ret(&out);
    b.f
}

fn consumer_expected() -> Vec<u64> {
    let exp = all_expected(&SIG10);
    let mut out: Vec<u64> = exp.iter().rev().copied().collect();
    let (mut i, mut f) = (1_000_000u64, 0f64);
    for (k, &t) in SIG10.iter().enumerate() {
        let (wi, wf) = widen_expected(t, exp[k]);
        i = i.wrapping_add(wi);
        f += wf;
    }
    out.extend([i, f.to_bits()]);
    out
}

#[test]
fn direct_call_sums_and_permutes_results() {
    both_modes(|| {
        let callee = Runnable::new(&producer(&SIG10));
        let caller = Runnable::new(&consumer(CallKind::Direct { slot: 16 }, &[]));
        let mut vm = Vm::new(64);
        vm.slots[2] = callee.code.addr() as u64;
        assert_eq!(
            caller.run_vm(&mut vm, &producer_args()),
            consumer_expected()
        );
    });
}

#[test]
fn indirect_call_with_many_results() {
    both_modes(|| {
        // The callee reads its own VMContext into result 3 (an f32 in xmm1)
        // and result 6 (an i64 in the return area).
        let (mut b, p) = B::new(&PARAMS, &SIG10);
        let mut rs: Vec<Value> = SIG10
            .iter()
            .enumerate()
            .map(|(k, &t)| produce(&mut b, &p, t, k))
            .collect();
        let ctx = b.val(I64);
        b.ins(InstData::Vmctx { dst: ctx });
        let mine = b.load(LoadOp::I64, strata_ir::AddrSpace::Vm, ctx, 24);
        rs[6] = b.bin(BinaryOp::Iadd, I64, rs[6], mine);
        b.ret(&rs);
        let callee = Runnable::new(&b.f);
        let mut callee_vm = Vm::new(16);
        callee_vm.slots[3] = 5000;

        let caller = Runnable::new(&consumer(CallKind::Indirect, &[I64, I64]));
        let mut vm = Vm::new(16);
        let mut args = vec![
            callee.code.addr() as u64,
            callee_vm.slots.as_mut_ptr() as u64,
        ];
        args.extend(producer_args());
        let mut exp = consumer_expected();
        exp[9 - 6] += 5000;
        exp[10] += 5000;
        assert_eq!(caller.run_vm(&mut vm, &args), exp);
    });
}

/// 20 parameters (i64, f64 interleaved: 6 of them on the stack) and 12
/// results (6 of them in the return area, right above the stack arguments).
fn wide_sig() -> Signature {
    let mut params = Vec::new();
    for _ in 0..10 {
        params.extend([I64, F64]);
    }
    let results = (0..12).map(|k| [I64, F64, I32, F32][k % 4]).collect();
    Signature { params, results }
}

/// Result k of the wide function: parameter `k + 3 (mod 20)` of its class,
/// times (k + 1), narrowed to the result type.
fn wide_callee() -> Function {
    let sig = wide_sig();
    let (mut b, p) = B::new(&sig.params, &sig.results);
    let mut rs = Vec::new();
    for (k, &t) in sig.results.iter().enumerate() {
        let j = (k + 3) % 10;
        let v = if t.is_int() {
            let c = b.iconst(I64, k as i64 + 1);
            let m = b.bin(BinaryOp::Imul, I64, p[2 * j], c);
            if t == I32 {
                b.un(UnaryOp::Wrap, I32, m)
            } else {
                m
            }
        } else {
            let c = b.fconst(F64, (k as f64 + 1.0).to_bits());
            let m = b.bin(BinaryOp::Fmul, F64, p[2 * j + 1], c);
            if t == F32 {
                b.un(UnaryOp::Demote, F32, m)
            } else {
                m
            }
        };
        rs.push(v);
    }
    b.ret(&rs);
    b.f
}

fn wide_args(x: u64) -> Vec<u64> {
    (0..10u64)
        .flat_map(|k| {
            [
                x + k * 0x1_0000_0001,
                (x as f64 + k as f64 + 0.25).to_bits(),
            ]
        })
        .collect()
}

fn wide_expected(args: &[u64]) -> Vec<u64> {
    let sig = wide_sig();
    sig.results
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let j = (k + 3) % 10;
            let i = args[2 * j].wrapping_mul(k as u64 + 1);
            let f = f64::from_bits(args[2 * j + 1]) * (k as f64 + 1.0);
            match t {
                I64 => i,
                I32 => i & 0xffff_ffff,
                F64 => f.to_bits(),
                F32 => (f as f32).to_bits() as u64,
            }
        })
        .collect()
}

#[test]
fn many_arguments_and_many_results() {
    both_modes(|| {
        let callee = Runnable::new(&wide_callee());
        let args = wide_args(11);
        assert_eq!(callee.run(&args), wide_expected(&args));

        // caller(x) = the callee's results on wide_args(x), each int + 1
        // (i32 wrapping), the floats as they are, and x (live across the call).
        let sig = wide_sig();
        let mut results = sig.results.clone();
        results.push(I64);
        let (mut b, p) = B::new(&[I64], &results);
        let xf = b.un(UnaryOp::ConvertU, F64, p[0]);
        let mut args_v = Vec::new();
        for k in 0..10i64 {
            let c = b.iconst(I64, k * 0x1_0000_0001);
            args_v.push(b.bin(BinaryOp::Iadd, I64, p[0], c));
            let fc = b.fconst(F64, (k as f64 + 0.25).to_bits());
            args_v.push(b.bin(BinaryOp::Fadd, F64, xf, fc));
        }
        let rs = b.call(CallKind::Direct { slot: 16 }, &args_v, &sig.results);
        let mut out = Vec::new();
        for (k, &t) in sig.results.iter().enumerate() {
            out.push(if t.is_int() {
                let one = b.iconst(t, 1);
                b.bin(BinaryOp::Iadd, t, rs[k], one)
            } else {
                rs[k]
            });
        }
        out.push(p[0]);
        b.ret(&out);
        let caller = Runnable::new(&b.f);
        let mut vm = Vm::new(64);
        vm.slots[2] = callee.code.addr() as u64;
        let mut exp: Vec<u64> = wide_expected(&wide_args(40))
            .into_iter()
            .zip(&sig.results)
            .map(|(v, &t)| match t {
                I32 => (v as u32).wrapping_add(1) as u64,
                I64 => v.wrapping_add(1),
                _ => v,
            })
            .collect();
        exp.push(40);
        assert_eq!(caller.run_vm(&mut vm, &[40]), exp);
    });
}

/// The host function's signature: 8 i64 and 1 f64 (2 stack arguments), 6
/// results (rax, xmm0, xmm1, rdx, then an f64 and an i64 in the return area).
fn host_sig() -> Signature {
    let mut params = vec![I64; 8];
    params.push(F64);
    Signature {
        params,
        results: vec![I64, F64, F32, I32, F64, I64],
    }
}

/// Result j from the host arguments.
fn host_expected(args: &[u64]) -> Vec<u64> {
    let sum: u64 = args[..8].iter().fold(0u64, |s, &a| s.wrapping_add(a));
    let f = f64::from_bits(args[8]);
    vec![
        sum,
        (f * 2.0).to_bits(),
        ((f + 1.0) as f32).to_bits() as u64,
        (args[7] as u32).wrapping_mul(3) as u64,
        (f - args[6] as f64).to_bits(),
        args[0].wrapping_sub(args[7]),
    ]
}

/// Reads the 9 arguments and writes the 6 results into the 16-byte slots;
/// i32 and f32 results write only their low 4 bytes (the rest of the slot
/// keeps the argument bits that were there).
extern "sysv64" fn host_six(_ctx: *mut u8, values: *mut u8) -> u32 {
    // SAFETY: the host trampoline passes max(9, 6) 16-byte slots.
    unsafe {
        let v = values as *mut u64;
        let args: Vec<u64> = (0..9).map(|i| *v.add(2 * i)).collect();
        let res = host_expected(&args);
        for (j, &r) in res.iter().enumerate() {
            if j == 2 || j == 3 {
                *(v.add(2 * j) as *mut u32) = r as u32;
            } else {
                *v.add(2 * j) = r;
            }
        }
    }
    0
}

extern "sysv64" fn raise() {
    panic!("raise called");
}

fn host_args(x: u64) -> Vec<u64> {
    let mut a: Vec<u64> = (0..8).map(|k| x + 0x1_0000_0000 * k + k).collect();
    a.push((x as f64 + 0.75).to_bits());
    a
}

#[test]
fn host_trampoline_with_six_results() {
    let sig = host_sig();
    let code = host_trampoline(
        &sig,
        host_six as *const () as usize,
        raise as *const () as usize,
    )
    .unwrap();
    let host = ExecMem::new(&code);

    // Host → array trampoline → host trampoline (as Wasm code would call it).
    let at = ExecMem::new(&array_trampoline(&sig).unwrap());
    let args = host_args(3);
    let mut values = [[0u64; 2]; 9];
    for (i, &a) in args.iter().enumerate() {
        values[i][0] = a;
    }
    let mut ctx = Box::new([0u64; 4]);
    type Tramp = unsafe extern "sysv64" fn(*mut u8, *const u8, *mut u8);
    // SAFETY: both trampolines follow their documented conventions.
    unsafe {
        let t: Tramp = std::mem::transmute(at.addr());
        t(
            ctx.as_mut_ptr() as *mut u8,
            host.addr(),
            values.as_mut_ptr() as *mut u8,
        );
    }
    let got: Vec<u64> = (0..6)
        .map(|j| match sig.results[j] {
            I32 | F32 => values[j][0] & 0xffff_ffff,
            _ => values[j][0],
        })
        .collect();
    assert_eq!(got, host_expected(&args));

    // Wasm → host: a compiled caller that uses every result.
    both_modes(|| {
        let (mut b, p) = B::new(&[I64], &[I64, F32, I64, F64, F64, I32, I64]);
        let live = b.iconst(I64, 77);
        let mut a = Vec::new();
        for k in 0..8i64 {
            let c = b.iconst(I64, 0x1_0000_0000 * k + k);
            a.push(b.bin(BinaryOp::Iadd, I64, p[0], c));
        }
        let xf = b.un(UnaryOp::ConvertU, F64, p[0]);
        let h = b.fconst(F64, 0.75f64.to_bits());
        a.push(b.bin(BinaryOp::Fadd, F64, xf, h));
        let rs = b.call(CallKind::Direct { slot: 16 }, &a, &sig.results);
        let x = b.un(UnaryOp::UextI32, I64, rs[3]);
        let s = b.bin(BinaryOp::Iadd, I64, rs[5], x);
        b.ret(&[rs[0], rs[2], s, rs[1], rs[4], rs[3], live]);
        let caller = Runnable::new(&b.f);
        let mut vm = Vm::new(16);
        vm.slots[2] = host.addr() as u64;
        let e = host_expected(&host_args(9));
        let out = caller.run_vm(&mut vm, &[9]);
        assert_eq!(
            out,
            vec![e[0], e[2], e[5].wrapping_add(e[3]), e[1], e[4], e[3], 77]
        );
    });
}
