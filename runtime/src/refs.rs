//! Reference values (`funcref`, `externref`) crossing between the host and
//! Wasm, and the store's externref arena.
//!
//! Raw forms (what compiled code, tables, globals and the 16-byte trampoline
//! slots hold):
//! - a `funcref` is a `*const VMFuncRef` (0 = null); the funcref's
//!   `store_index` names the [`Func`] handle;
//! - an `externref` is an opaque non-zero `u64` handle into the store's
//!   [`ExternRefArena`] (0 = null).
//!
//! The arena has no garbage collector: every [`ExternRef`] that enters Wasm
//! (as an argument, a host function's result, a global's or a table's value)
//! is kept alive by its store until the store is dropped, so a handle held
//! anywhere in Wasm state can never dangle. The same `ExternRef` (same `Arc`)
//! always gets the same handle, so passing one value repeatedly does not grow
//! the arena; each distinct value costs one slot for the store's lifetime.
//!
//! [`val_to_raw`] and [`raw_to_val`] are the only conversions between
//! [`Val`]s and raw values; every path that moves values in or out of Wasm
//! (dynamic and typed calls, host functions, globals, tables) uses them.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::func::Func;
use crate::store::StoreOpaque;
use crate::values::{ExternRef, Val, ValType};
use crate::vm::VMFuncRef;

/// Externrefs that have entered Wasm, indexed by `handle - 1`.
#[derive(Default)]
pub(crate) struct ExternRefArena {
    refs: Vec<ExternRef>,
    /// The handle of each value in `refs`, by the address of its `Arc` data
    /// (unique while the arena keeps the `Arc` alive).
    handles: HashMap<usize, u64>,
}

impl ExternRefArena {
    /// The handle of `r`, adding it to the arena on first sight.
    pub(crate) fn intern(&mut self, r: &ExternRef) -> u64 {
        let key = r.addr();
        if let Some(&h) = self.handles.get(&key) {
            return h;
        }
        self.refs.push(r.clone());
        let h = self.refs.len() as u64;
        self.handles.insert(key, h);
        h
    }

    /// The value of a non-zero handle, or `None` for a handle this arena
    /// never gave out.
    pub(crate) fn get(&self, handle: u64) -> Option<&ExternRef> {
        let i = usize::try_from(handle.checked_sub(1)?).ok()?;
        self.refs.get(i)
    }

    /// How many distinct externrefs the store keeps alive.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.refs.len()
    }
}

/// The raw funcref of `f` (a `*const VMFuncRef` as an integer); an error
/// when `f` belongs to another store.
pub(crate) fn func_to_raw(store: &StoreOpaque, f: &Func) -> Result<u64> {
    if f.store_id != store.id {
        return Err(Error::other(
            "a function reference belongs to a store other than the one it is used with",
        ));
    }
    let data = store
        .funcs
        .get(f.index as usize)
        .ok_or_else(|| Error::other("invalid function reference"))?;
    Ok(data.funcref_ptr as usize as u64)
}

/// The function a raw funcref names (`None` for null).
pub(crate) fn raw_to_func(store: &StoreOpaque, raw: u64) -> Option<Func> {
    let p = raw as usize as *const VMFuncRef;
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null raw funcrefs come from this store's funcrefs (handed
    // out by `func_to_raw`, element segments, `ref.func`), which live as long
    // as the store.
    let index = unsafe { (*p).store_index };
    Some(Func {
        store_id: store.id,
        index,
    })
}

/// The raw form of an externref (0 for null), keeping it alive in the store.
pub(crate) fn externref_to_raw(store: &mut StoreOpaque, r: Option<&ExternRef>) -> u64 {
    r.map_or(0, |r| store.externrefs.intern(r))
}

/// The externref a raw handle names (`None` for null).
pub(crate) fn raw_to_externref(store: &StoreOpaque, raw: u64) -> Option<ExternRef> {
    if raw == 0 {
        return None;
    }
    let r = store.externrefs.get(raw);
    // Wasm cannot forge an externref: a non-zero handle always came from the
    // arena.
    debug_assert!(r.is_some(), "unknown externref handle {raw}");
    r.cloned()
}

/// The raw 16-byte slot form of `v`. Fails when `v` is a function of another
/// store.
pub(crate) fn val_to_raw(store: &mut StoreOpaque, v: &Val) -> Result<u128> {
    Ok(match v {
        Val::I32(x) => *x as u32 as u128,
        Val::I64(x) => *x as u64 as u128,
        Val::F32(b) => *b as u128,
        Val::F64(b) => *b as u128,
        Val::V128(x) => *x,
        Val::FuncRef(None) => 0,
        Val::FuncRef(Some(f)) => func_to_raw(store, f)? as u128,
        Val::ExternRef(r) => externref_to_raw(store, r.as_ref()) as u128,
    })
}

/// The raw form of a reference `v` that must have type `ty` (a table
/// element); an error for a value of another type or a function of another
/// store.
pub(crate) fn ref_to_raw(store: &mut StoreOpaque, ty: ValType, v: &Val) -> Result<u64> {
    if v.ty() != ty {
        return Err(Error::other(format!(
            "a table of {ty} cannot hold a {}",
            v.ty()
        )));
    }
    match v {
        Val::FuncRef(None) => Ok(0),
        Val::FuncRef(Some(f)) => func_to_raw(store, f),
        Val::ExternRef(r) => Ok(externref_to_raw(store, r.as_ref())),
        _ => Err(Error::other(format!("{} is not a reference type", v.ty()))),
    }
}

/// Reads a value of type `ty` from its raw slot form.
pub(crate) fn raw_to_val(store: &StoreOpaque, raw: u128, ty: ValType) -> Val {
    match ty {
        ValType::I32 => Val::I32(raw as u32 as i32),
        ValType::I64 => Val::I64(raw as u64 as i64),
        ValType::F32 => Val::F32(raw as u32),
        ValType::F64 => Val::F64(raw as u64),
        ValType::V128 => Val::V128(raw),
        ValType::FuncRef => Val::FuncRef(raw_to_func(store, raw as u64)),
        ValType::ExternRef => Val::ExternRef(raw_to_externref(store, raw as u64)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn arena_gives_one_handle_per_value_and_never_zero() {
        let mut arena = ExternRefArena::default();
        let a = ExternRef::new(1u32);
        let b = ExternRef::new(1u32);
        let ha = arena.intern(&a);
        let hb = arena.intern(&b);
        assert_ne!(ha, 0);
        assert_ne!(hb, 0);
        assert_ne!(ha, hb);
        assert_eq!(arena.intern(&a.clone()), ha);
        assert_eq!(arena.len(), 2);
        assert!(arena.get(ha).is_some_and(|r| r.ptr_eq(&a)));
        assert!(arena.get(0).is_none());
        assert!(arena.get(99).is_none());
    }

    #[test]
    fn arena_keeps_values_alive() {
        let data = Arc::new(7u8);
        let mut arena = ExternRefArena::default();
        arena.intern(&ExternRef::new(data.clone()));
        assert_eq!(Arc::strong_count(&data), 2);
        drop(arena);
        assert_eq!(Arc::strong_count(&data), 1);
    }
}
