//! Functions: calling Wasm from the host (dynamically and through typed
//! handles), host functions callable from Wasm, and trap reporting.
//!
//! Host → Wasm calls go through a per-signature array trampoline inside
//! `traphandlers::catch_traps`; arguments and results travel in an array of
//! 16-byte slots on the host's stack, so typed calls do not allocate.
//! Wasm → host calls go through a per-signature host trampoline that calls
//! [`host_dispatch`] with the function's [`HostFuncCtx`]; a host error is
//! stored as the pending trap and raised after the host frame has returned.
//!
//! Values cross in their raw slot form, converted only by the store-aware
//! functions of `crate::refs` (dynamic calls, host functions over `Val`s) or
//! the hidden [`WasmTy`] raw methods (typed calls, typed host functions, which
//! therefore never build a `Val`), so `funcref`s become `VMFuncRef`
//! pointers of the right store and `externref`s become handles into the
//! store's arena. Any number of results is supported on this side (typed
//! calls up to 16); the slot array holds `max(params, results)` slots.
//! Typed calls allocate nothing, except that an externref's first entry into
//! Wasm adds it to the store's arena.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::error::{Error, ErrorKind, FrameInfo, Result, Trap};
use crate::refs;
use crate::store::{FuncData, FuncKind, HostFuncCtx, Store, StoreOpaque};
use crate::traphandlers::{self, ArrayTrampoline, TrapReason, TrapRecord};
use crate::values::{ExternRef, FuncType, Val, ValType};
use crate::vm::VMFuncRef;

/// A function (Wasm or host) in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

/// The store seen from inside a host function call, and the instance whose
/// code made the call.
pub struct Caller<'a, T> {
    store: &'a mut Store<T>,
    instance: Option<crate::Instance>,
}

impl<T> Caller<'_, T> {
    /// The export `name` of the calling instance (e.g. its `"memory"`);
    /// `None` when the function was called from the host rather than from
    /// Wasm, or the instance has no such export.
    pub fn get_export(&mut self, name: &str) -> Option<crate::Extern> {
        let instance = self.instance?;
        instance.get_export(self.store, name)
    }
    /// The store's user data.
    pub fn data(&self) -> &T {
        self.store.data()
    }
    /// The store's user data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }
}

impl<T> Deref for Caller<'_, T> {
    type Target = Store<T>;
    fn deref(&self) -> &Store<T> {
        self.store
    }
}

impl<T> DerefMut for Caller<'_, T> {
    fn deref_mut(&mut self) -> &mut Store<T> {
        self.store
    }
}

/// A Wasm value type that Rust code can pass and receive directly: `i32`,
/// `u32`, `i64`, `u64`, `f32`, `f64`, `Option<Func>` (a `funcref`, `None`
/// for null) and `Option<ExternRef>` (an `externref`).
///
/// The raw conversions take the store because references are store-relative
/// (see the `refs` module); they are hidden and the trait is sealed in
/// practice (its hidden methods name a type outside code cannot reach).
pub trait WasmTy: Clone + Send + Sync + 'static {
    /// The Wasm type.
    fn valtype() -> ValType;
    /// To a dynamic value.
    fn to_val(self) -> Val;
    /// From a dynamic value, if it has the right type.
    fn from_val(v: &Val) -> Option<Self>;
    /// To the raw 16-byte slot form; fails for a function of another store.
    #[doc(hidden)]
    fn into_raw(self, store: &mut StoreOpaque) -> Result<u128>;
    /// From the raw slot form.
    #[doc(hidden)]
    fn from_raw(store: &StoreOpaque, raw: u128) -> Self;
}

macro_rules! number_ty {
    ($t:ty, $vt:ident, |$x:ident| $to_val:expr, |$v:ident| $from_val:expr, |$s:ident| $into_raw:expr, |$r:ident| $from_raw:expr) => {
        impl WasmTy for $t {
            fn valtype() -> ValType {
                ValType::$vt
            }
            fn to_val(self) -> Val {
                let $x = self;
                $to_val
            }
            fn from_val(v: &Val) -> Option<Self> {
                match *v {
                    Val::$vt($v) => Some($from_val),
                    _ => None,
                }
            }
            #[inline]
            fn into_raw(self, _store: &mut StoreOpaque) -> Result<u128> {
                let $s = self;
                Ok($into_raw)
            }
            #[inline]
            fn from_raw(_store: &StoreOpaque, $r: u128) -> Self {
                $from_raw
            }
        }
    };
}

number_ty!(
    i32,
    I32,
    |x| Val::I32(x),
    |v| v,
    |x| x as u32 as u128,
    |r| r as u32 as i32
);
number_ty!(
    u32,
    I32,
    |x| Val::I32(x as i32),
    |v| v as u32,
    |x| x as u128,
    |r| r as u32
);
number_ty!(
    i64,
    I64,
    |x| Val::I64(x),
    |v| v,
    |x| x as u64 as u128,
    |r| r as u64 as i64
);
number_ty!(
    u64,
    I64,
    |x| Val::I64(x as i64),
    |v| v as u64,
    |x| x as u128,
    |r| r as u64
);
number_ty!(
    f32,
    F32,
    |x| Val::F32(x.to_bits()),
    |v| f32::from_bits(v),
    |x| x.to_bits() as u128,
    |r| f32::from_bits(r as u32)
);
number_ty!(
    f64,
    F64,
    |x| Val::F64(x.to_bits()),
    |v| f64::from_bits(v),
    |x| x.to_bits() as u128,
    |r| f64::from_bits(r as u64)
);

impl WasmTy for Option<Func> {
    fn valtype() -> ValType {
        ValType::FuncRef
    }
    fn to_val(self) -> Val {
        Val::FuncRef(self)
    }
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::FuncRef(f) => Some(*f),
            _ => None,
        }
    }
    fn into_raw(self, store: &mut StoreOpaque) -> Result<u128> {
        match self {
            None => Ok(0),
            Some(f) => Ok(refs::func_to_raw(store, &f)? as u128),
        }
    }
    fn from_raw(store: &StoreOpaque, raw: u128) -> Self {
        refs::raw_to_func(store, raw as u64)
    }
}

impl WasmTy for Option<ExternRef> {
    fn valtype() -> ValType {
        ValType::ExternRef
    }
    fn to_val(self) -> Val {
        Val::ExternRef(self)
    }
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::ExternRef(r) => Some(r.clone()),
            _ => None,
        }
    }
    fn into_raw(self, store: &mut StoreOpaque) -> Result<u128> {
        Ok(refs::externref_to_raw(store, self.as_ref()) as u128)
    }
    fn from_raw(store: &StoreOpaque, raw: u128) -> Self {
        refs::raw_to_externref(store, raw as u64)
    }
}

/// The most parameters or results of a typed call.
const MAX_TYPED: usize = 16;

/// Parameters of a typed function: a [`WasmTy`], `()` or a tuple of them.
pub trait WasmParams: Send + Sync {
    /// The parameter types.
    fn valtypes() -> Vec<ValType>;
    /// Writes the values to raw slots.
    #[doc(hidden)]
    fn store_raw(self, store: &mut StoreOpaque, slots: &mut [u128]) -> Result<()>;
}

/// Results of a typed function: a [`WasmTy`], `()` or a tuple of them.
pub trait WasmResults: Sized + Send + Sync {
    /// The result types.
    fn valtypes() -> Vec<ValType>;
    /// Reads the values from raw slots.
    #[doc(hidden)]
    fn load_raw(store: &StoreOpaque, slots: &[u128]) -> Self;
}

/// What a host closure returns: results, optionally in a `Result`.
pub trait WasmRet {
    /// The result types.
    fn valtypes() -> Vec<ValType>;
    /// Stores the results, or passes the error on.
    fn into_results(self, out: &mut [Val]) -> Result<()>;
    /// Writes the results to raw slots, or passes the error on (fails for
    /// a function of another store).
    #[doc(hidden)]
    fn into_raw_results(self, store: &mut StoreOpaque, slots: &mut [u128]) -> Result<()>;
}

impl<T: WasmTy> WasmParams for T {
    fn valtypes() -> Vec<ValType> {
        vec![T::valtype()]
    }
    fn store_raw(self, store: &mut StoreOpaque, slots: &mut [u128]) -> Result<()> {
        slots[0] = self.into_raw(store)?;
        Ok(())
    }
}

impl<T: WasmTy> WasmResults for T {
    fn valtypes() -> Vec<ValType> {
        vec![T::valtype()]
    }
    fn load_raw(store: &StoreOpaque, slots: &[u128]) -> Self {
        T::from_raw(store, slots[0])
    }
}

impl<T: WasmTy> WasmRet for T {
    fn valtypes() -> Vec<ValType> {
        vec![T::valtype()]
    }
    fn into_results(self, out: &mut [Val]) -> Result<()> {
        out[0] = self.to_val();
        Ok(())
    }
    #[inline]
    fn into_raw_results(self, store: &mut StoreOpaque, slots: &mut [u128]) -> Result<()> {
        slots[0] = self.into_raw(store)?;
        Ok(())
    }
}

impl<R: WasmRet> WasmRet for Result<R> {
    fn valtypes() -> Vec<ValType> {
        R::valtypes()
    }
    fn into_results(self, out: &mut [Val]) -> Result<()> {
        self?.into_results(out)
    }
    #[inline]
    fn into_raw_results(self, store: &mut StoreOpaque, slots: &mut [u128]) -> Result<()> {
        self?.into_raw_results(store, slots)
    }
}

macro_rules! tuples {
    ($($t:ident $i:tt)*) => {
        impl<$($t: WasmTy),*> WasmParams for ($($t,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            #[allow(unused_variables)]
            fn store_raw(self, store: &mut StoreOpaque, slots: &mut [u128]) -> Result<()> {
                $(slots[$i] = self.$i.into_raw(store)?;)*
                Ok(())
            }
        }
        impl<$($t: WasmTy),*> WasmResults for ($($t,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn load_raw(store: &StoreOpaque, slots: &[u128]) -> Self {
                ($($t::from_raw(store, slots[$i]),)*)
            }
        }
        impl<$($t: WasmTy),*> WasmRet for ($($t,)*) {
            fn valtypes() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            #[allow(unused_variables)]
            fn into_results(self, out: &mut [Val]) -> Result<()> {
                $(out[$i] = self.$i.to_val();)*
                Ok(())
            }
            #[allow(unused_variables)]
            #[inline]
            fn into_raw_results(self, store: &mut StoreOpaque, slots: &mut [u128]) -> Result<()> {
                $(slots[$i] = self.$i.into_raw(store)?;)*
                Ok(())
            }
        }
    };
}

tuples!();
tuples!(A 0);
tuples!(A 0 B 1);
tuples!(A 0 B 1 C 2);
tuples!(A 0 B 1 C 2 D 3);
tuples!(A 0 B 1 C 2 D 3 E 4);
tuples!(A 0 B 1 C 2 D 3 E 4 F 5);
tuples!(A 0 B 1 C 2 D 3 E 4 F 5 G 6);
tuples!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7);

/// A host function in store-independent form (what a `Linker` keeps): it
/// takes its arguments from raw 16-byte slots and writes its results back to
/// them (the slot array holds `max(params, results)` slots; arguments are
/// read before results are written).
pub(crate) type DynHostFn<T> = Arc<dyn Fn(Caller<'_, T>, &mut [u128]) -> Result<()> + Send + Sync>;

/// A Rust closure usable as a host function: `Fn(A1, ..., An) -> R` or
/// `Fn(Caller<'_, T>, A1, ..., An) -> R`, with `Ai: WasmTy` and `R: WasmRet`.
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    /// Its type and a wrapper over raw slots.
    #[doc(hidden)]
    fn into_func(self) -> (FuncType, DynHostFn<T>);
}

// A typed host function converts its arguments from raw slots and its
// results back with the `WasmTy` raw methods: no `Val`, no type check at
// run time (the types are the closure's, and the caller's signature check
// made them the slots' types).
macro_rules! into_func {
    ($($a:ident)*) => {
        impl<T, F, $($a: WasmTy,)* R: WasmRet> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
        {
            #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
            fn into_func(self) -> (FuncType, DynHostFn<T>) {
                let ty = FuncType::new([$($a::valtype()),*], R::valtypes());
                (ty, Arc::new(move |caller: Caller<'_, T>, slots: &mut [u128]| {
                    let Caller { store, .. } = caller;
                    let store = store.opaque_mut();
                    let mut i = 0;
                    $(let $a = $a::from_raw(store, slots[i]); i += 1;)*
                    (self)($($a),*).into_raw_results(store, slots)
                }))
            }
        }
        impl<T, F, $($a: WasmTy,)* R: WasmRet> IntoFunc<T, (Caller<'_, T>, $($a,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($a),*) -> R + Send + Sync + 'static,
        {
            #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments)]
            fn into_func(self) -> (FuncType, DynHostFn<T>) {
                let ty = FuncType::new([$($a::valtype()),*], R::valtypes());
                (ty, Arc::new(move |caller: Caller<'_, T>, slots: &mut [u128]| {
                    let Caller { store, instance } = caller;
                    let mut i = 0;
                    $(let $a = $a::from_raw(store.opaque(), slots[i]); i += 1;)*
                    let r = (self)(Caller { store: &mut *store, instance }, $($a),*);
                    r.into_raw_results(store.opaque_mut(), slots)
                }))
            }
        }
    };
}

/// A host function over dynamic values (`Func::new`, `Linker::func_new`) as
/// a raw-slot one: arguments become `Val`s, and the closure's results are
/// checked against `ty` before they become raw slots.
pub(crate) fn dyn_host_fn<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> DynHostFn<T> {
    Arc::new(move |caller: Caller<'_, T>, slots: &mut [u128]| {
        let Caller { store, instance } = caller;
        // Parameters and results in buffers on the stack (on the heap only
        // past `INLINE` of them).
        let (mut inline_params, mut heap_params) = ([const { Val::I32(0) }; INLINE], Vec::new());
        let params = value_buffer(&mut inline_params, &mut heap_params, ty.params().len());
        for ((p, &t), &raw) in params.iter_mut().zip(ty.params()).zip(slots.iter()) {
            *p = refs::raw_to_val(store.opaque(), raw, t);
        }
        let params: &[Val] = params;
        let (mut inline_results, mut heap_results) = ([const { Val::I32(0) }; INLINE], Vec::new());
        let results = value_buffer(&mut inline_results, &mut heap_results, ty.results().len());
        for (r, &t) in results.iter_mut().zip(ty.results()) {
            *r = Val::default_for(t);
        }
        f(
            Caller {
                store: &mut *store,
                instance,
            },
            params,
            results,
        )?;
        results_to_raw(store.opaque_mut(), &ty, results, slots)
    })
}

into_func!();
into_func!(A1);
into_func!(A1 A2);
into_func!(A1 A2 A3);
into_func!(A1 A2 A3 A4);
into_func!(A1 A2 A3 A4 A5);
into_func!(A1 A2 A3 A4 A5 A6);
into_func!(A1 A2 A3 A4 A5 A6 A7);
into_func!(A1 A2 A3 A4 A5 A6 A7 A8);

/// Type-checks a host function's `results` against `ty` and writes their raw
/// forms to `slots`.
fn results_to_raw(
    store: &mut StoreOpaque,
    ty: &FuncType,
    results: &[Val],
    slots: &mut [u128],
) -> Result<()> {
    for ((slot, r), &t) in slots.iter_mut().zip(results).zip(ty.results()) {
        if r.ty() != t {
            return Err(Error::new(
                ErrorKind::Host,
                format!("host function returned a {} where {t} was expected", r.ty()),
            ));
        }
        *slot = refs::val_to_raw(store, r)?;
    }
    Ok(())
}

/// Called by host trampolines: runs the host function of `ctx` with the
/// arguments in `values` and writes its results there. Returns 0 on success;
/// on failure stores the error as the pending trap and returns 1 (the
/// trampoline then raises it).
///
/// # Safety
/// Called only by generated code, with a live context and a slot array large
/// enough for the signature's parameters and results.
pub(crate) unsafe extern "sysv64" fn host_dispatch(
    ctx: *mut HostFuncCtx,
    values: *mut u128,
    caller_vmctx: *mut u8,
) -> u32 {
    // SAFETY: the trampoline passes the context it was given in r14, which is
    // the `vmctx` field of this host function's funcref, a live box.
    let ctx = unsafe { &*ctx };
    // SAFETY: the caller is a Wasm function of this store; its VMContext's
    // instance slot holds its live instance record.
    let caller = unsafe {
        let record = *(caller_vmctx.add(strata_ir::vmctx::HEADER_SIZE as usize)
            as *const *const crate::vm::InstanceRecord);
        (!record.is_null() && (*record).store == ctx.store).then(|| (*record).instance)
    };
    // SAFETY: the store outlives every call into its functions.
    let prev_caller = unsafe { std::mem::replace(&mut (*ctx.store).current_caller, caller) };
    let r = host_dispatch_inner(ctx, values);
    // SAFETY: as above.
    unsafe { (*ctx.store).current_caller = prev_caller };
    r
}

/// Values a host call keeps on the stack; more go to the heap.
const INLINE: usize = 4;

/// `n` values: the first `n` of `inline`, or `heap` grown to `n` past
/// [`INLINE`].
fn value_buffer<'a>(
    inline: &'a mut [Val; INLINE],
    heap: &'a mut Vec<Val>,
    n: usize,
) -> &'a mut [Val] {
    if n <= INLINE {
        &mut inline[..n]
    } else {
        heap.resize(n, Val::I32(0));
        heap
    }
}

fn host_dispatch_inner(ctx: &HostFuncCtx, values: *mut u128) -> u32 {
    // Borrowed, not cloned: the context is a box the store keeps for its
    // whole life, and a clone of the type's two `Arc`s would cost four
    // atomic read-modify-writes per call.
    let ty = &ctx.ty;
    let n = ty.params().len().max(ty.results().len());
    // SAFETY: the trampoline reserved `max(params, results)` slots.
    let slots = unsafe { std::slice::from_raw_parts_mut(values, n) };
    // SAFETY: the store outlives every call into its functions.
    let store_ptr = unsafe { (*ctx.store).current_store };
    let outcome = catch_unwind(AssertUnwindSafe(|| (ctx.func)(store_ptr, slots)));
    let error = match outcome {
        Ok(Ok(())) => return 0,
        Ok(Err(e)) => e,
        Err(panic) => {
            let what = crate::error::panic_text(panic.as_ref())
                .unwrap_or_else(|| "unknown panic".to_string());
            Error::new(ErrorKind::Host, format!("host function panicked: {what}"))
        }
    };
    traphandlers::set_pending_host_error(Box::new(error));
    1
}

impl Func {
    /// A host function of type `ty` from a closure over dynamic values.
    pub fn new<T: 'static>(
        store: &mut Store<T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<Func> {
        Func::from_dyn(store, ty.clone(), dyn_host_fn(ty, f))
    }

    /// A host function from a typed closure.
    pub fn wrap<T: 'static, P, R>(store: &mut Store<T>, f: impl IntoFunc<T, P, R>) -> Result<Func> {
        let (ty, f) = f.into_func();
        Func::from_dyn(store, ty, f)
    }

    pub(crate) fn from_dyn<T: 'static>(
        store: &mut Store<T>,
        ty: FuncType,
        f: DynHostFn<T>,
    ) -> Result<Func> {
        let engine = store.engine().clone();
        let tramp = engine.host_trampoline(&ty)?;
        let type_ids = engine.register_signatures(std::slice::from_ref(&ty))?;
        let type_id = type_ids[0];
        let opaque: *mut StoreOpaque = store.opaque_mut();
        let func: crate::store::HostFn = Box::new(move |store_ptr, slots| {
            // SAFETY: `store_ptr` is the `&mut Store<T>` of the host call in
            // progress (recorded by `call_raw`), of this function's store.
            let store = unsafe { &mut *(store_ptr as *mut Store<T>) };
            let instance = store.opaque().current_caller.map(|index| crate::Instance {
                store_id: store.opaque().id,
                index,
            });
            f(Caller { store, instance }, slots)
        });
        let mut ctx = Box::new(HostFuncCtx {
            store: opaque,
            func,
            ty: ty.clone(),
        });
        let index = store.opaque().funcs.len() as u32;
        let funcref = Box::new(VMFuncRef {
            code: tramp.as_ptr(),
            type_id,
            store_index: index,
            vmctx: (&mut *ctx) as *mut HostFuncCtx as *mut u8,
        });
        let funcref_ptr: *const VMFuncRef = &*funcref;
        store.opaque_mut().funcs.push(FuncData {
            ty,
            kind: FuncKind::Host(ctx),
            _own_funcref: Some(funcref),
            funcref_ptr,
            array_trampoline: None,
            _host_trampoline: Some(tramp),
            _type_id: Some(type_ids),
        });
        Ok(Func {
            store_id: store.opaque().id,
            index,
        })
    }

    pub(crate) fn data<'a>(&self, store: &'a StoreOpaque) -> &'a FuncData {
        store.check(self.store_id);
        &store.funcs[self.index as usize]
    }

    /// The function's type.
    pub fn ty<T>(&self, store: &Store<T>) -> FuncType {
        self.data(store.opaque()).ty.clone()
    }

    /// The tier whose code a call of this Wasm function runs now
    /// ([`Tier::Baseline`](crate::Tier::Baseline) or
    /// [`Tier::Optimizing`](crate::Tier::Optimizing); with the tiered engine
    /// it changes when optimized code is published), or `None` for a host
    /// function. With lazy compilation, a function not compiled yet reports
    /// `Baseline`: its next call compiles it with the baseline tier (see
    /// [`Module::lazy_compilation_stats`](crate::Module::lazy_compilation_stats)
    /// for what has been compiled).
    pub fn tier<T>(&self, store: &Store<T>) -> Option<crate::Tier> {
        let s = store.opaque();
        let data = self.data(s);
        let FuncKind::Wasm { instance } = data.kind else {
            return None;
        };
        let module = &s.instances[instance as usize].module;
        // SAFETY: a Wasm function's funcref lives in its instance's
        // VMContext, which the store keeps alive; the code pointer may be
        // written concurrently by a publication, hence the atomic load.
        let code = unsafe {
            (*(std::ptr::addr_of!((*data.funcref_ptr).code)
                as *const std::sync::atomic::AtomicUsize))
                .load(std::sync::atomic::Ordering::Acquire)
        };
        Some(match module.engine().config().tier {
            crate::Tier::Optimizing => crate::Tier::Optimizing,
            crate::Tier::Baseline => crate::Tier::Baseline,
            crate::Tier::Tiered if module.inner.is_baseline_code(code) => crate::Tier::Baseline,
            crate::Tier::Tiered => crate::Tier::Optimizing,
        })
    }

    /// Calls the function with `params`, writing `results`.
    pub fn call<T>(&self, store: &mut Store<T>, params: &[Val], results: &mut [Val]) -> Result<()> {
        // The type is borrowed, not cloned (a clone is four atomic
        // read-modify-writes on its two `Arc`s): checked here, and its
        // results' types read again after the call.
        {
            let s = store.opaque();
            let ty = &self.data(s).ty;
            if params.len() != ty.params().len() {
                return Err(Error::other(format!(
                    "expected {} arguments, got {}",
                    ty.params().len(),
                    params.len()
                )));
            }
            for (i, (p, &t)) in params.iter().zip(ty.params()).enumerate() {
                if p.ty() != t {
                    return Err(Error::other(format!(
                        "argument {i} has type {}, expected {t}",
                        p.ty()
                    )));
                }
                if let Val::FuncRef(Some(f)) = p
                    && f.store_id != s.id
                {
                    return Err(Error::other(format!(
                        "argument {i} is a function of another store"
                    )));
                }
            }
            if results.len() != ty.results().len() {
                return Err(Error::other(format!(
                    "expected room for {} results, got {}",
                    ty.results().len(),
                    results.len()
                )));
            }
        }
        // The slots on the stack up to `INLINE_SLOTS` values, else on the heap.
        const INLINE_SLOTS: usize = 8;
        let n = params.len().max(results.len()).max(1);
        let mut inline = [0u128; INLINE_SLOTS];
        let mut heap = Vec::new();
        let slots: &mut [u128] = if n <= INLINE_SLOTS {
            &mut inline[..n]
        } else {
            heap.resize(n, 0);
            &mut heap
        };
        for (slot, p) in slots.iter_mut().zip(params) {
            *slot = refs::val_to_raw(store.opaque_mut(), p)?;
        }
        self.call_raw(store, slots)?;
        let s = store.opaque();
        let ty = &self.data(s).ty;
        for ((r, &raw), &t) in results.iter_mut().zip(slots.iter()).zip(ty.results()) {
            *r = refs::raw_to_val(s, raw, t);
        }
        Ok(())
    }

    /// Calls a host function from the host with raw slots.
    fn call_host<T>(&self, store: &mut Store<T>, slots: &mut [u128]) -> Result<()> {
        let prev = store.opaque().current_store;
        let prev_caller = store.opaque_mut().current_caller.take();
        store.opaque_mut().current_store = store as *mut Store<T> as *mut u8;
        let FuncKind::Host(ctx) = &self.data(store.opaque()).kind else {
            unreachable!("checked by the caller")
        };
        let f: *const crate::store::HostFn = &ctx.func;
        let store_ptr = store as *mut Store<T> as *mut u8;
        // SAFETY: the function box lives as long as the store, which the
        // closure only reaches through `store_ptr`.
        let r = unsafe { (*f)(store_ptr, slots) };
        store.opaque_mut().current_store = prev;
        store.opaque_mut().current_caller = prev_caller;
        r
    }

    /// Calls a Wasm or host function with raw slots (arguments in, results
    /// out). The slots must be at least `max(params, results)` long.
    pub(crate) fn call_raw<T>(&self, store: &mut Store<T>, slots: &mut [u128]) -> Result<()> {
        let data = self.data(store.opaque());
        if let FuncKind::Host(_) = data.kind {
            return self.call_host(store, slots);
        }
        let tramp = match &data.array_trampoline {
            Some(t) => t.as_ptr(),
            None => {
                let ty = data.ty.clone();
                let t = store.engine().array_trampoline(&ty)?;
                let p = t.as_ptr();
                store.opaque_mut().funcs[self.index as usize].array_trampoline = Some(t);
                p
            }
        };
        let funcref = store.opaque().funcs[self.index as usize].funcref_ptr;
        // SAFETY: the funcref lives in a VMContext or box owned by the store.
        let (code, vmctx) = unsafe { ((*funcref).code, (*funcref).vmctx) };
        call_wasm(store, tramp, code, vmctx, slots.as_mut_ptr())
    }

    /// A typed view of this function, checked against its type
    /// (`func.typed::<Params, Results>(&store)`).
    pub fn typed<P: WasmParams, R: WasmResults>(
        &self,
        store: &Store<impl Sized>,
    ) -> Result<TypedFunc<P, R>> {
        let ty = self.ty(store);
        if ty.params() != P::valtypes().as_slice() || ty.results() != R::valtypes().as_slice() {
            return Err(Error::other(format!(
                "type mismatch: the function has type {ty}, the typed call expects {}",
                FuncType::new(P::valtypes(), R::valtypes())
            )));
        }
        if ty.params().len() > MAX_TYPED || ty.results().len() > MAX_TYPED {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("typed calls support at most {MAX_TYPED} parameters and results"),
            ));
        }
        Ok(TypedFunc {
            func: *self,
            _marker: PhantomData,
        })
    }
}

/// Runs Wasm code through an array trampoline and turns a trap into an error.
pub(crate) fn call_wasm<T>(
    store: &mut Store<T>,
    tramp: *const u8,
    code: *const u8,
    vmctx: *mut u8,
    values: *mut u128,
) -> Result<()> {
    let max_stack = store.engine().config().max_wasm_stack;
    let prev = store.opaque().current_store;
    store.opaque_mut().current_store = store as *mut Store<T> as *mut u8;
    let limit: *mut usize = &mut *store.opaque_mut().stack_limit;
    // SAFETY: `tramp` is an array trampoline for the callee's signature;
    // `code` and `vmctx` come from a funcref of this store, whose module's
    // code stays registered while the store holds it; `values` has room for
    // the parameters and results.
    let r = unsafe {
        let tramp: ArrayTrampoline = std::mem::transmute::<*const u8, ArrayTrampoline>(tramp);
        traphandlers::catch_traps(limit, max_stack, tramp, vmctx, code, values as *mut u8)
    };
    store.opaque_mut().current_store = prev;
    r.map_err(|record| trap_to_error(store.opaque(), *record))
}

/// Converts a trap record to an API error with a symbolic backtrace.
pub(crate) fn trap_to_error(store: &StoreOpaque, record: TrapRecord) -> Error {
    let frames: Vec<FrameInfo> = record
        .frames()
        .into_iter()
        .map(|f| {
            let module = store
                .instances
                .iter()
                .map(|i| &i.module)
                .find(|m| m.inner.owns_code(f.code_start));
            FrameInfo {
                func_index: f.func_index,
                func_name: module
                    .and_then(|m| m.inner.env.func_name(f.func_index).map(str::to_string)),
                module_offset: f.wasm_offset.map(|o| o as usize),
            }
        })
        .collect();
    match record.reason {
        TrapReason::Wasm(code) => {
            Error::trap(Trap::new(Some(code), code.message().to_string(), frames))
        }
        TrapReason::Host(e) => match e.downcast::<Error>() {
            Ok(e) => e.with_backtrace(frames),
            Err(e) => Error::new(ErrorKind::Host, e.to_string()).with_backtrace(frames),
        },
    }
}

/// A function with a static Rust type: calls check nothing and allocate
/// nothing.
pub struct TypedFunc<P, R> {
    func: Func,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Calls the function.
    pub fn call<T>(&self, store: &mut Store<T>, params: P) -> Result<R> {
        let mut slots = [0u128; MAX_TYPED];
        params.store_raw(store.opaque_mut(), &mut slots)?;
        self.func.call_raw(store, &mut slots)?;
        Ok(R::load_raw(store.opaque(), &slots))
    }
    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}
