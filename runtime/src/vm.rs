//! Runtime data structures that compiled code reads: function references,
//! table definitions, global storage. Their layouts match
//! `strata_frontend::vmoffsets`.

use crate::values::{GlobalType, TableType};

/// What a table entry or an imported function points to (24 bytes; see
/// `strata_frontend::vmoffsets::funcref`).
#[repr(C)]
#[derive(Debug)]
pub struct VMFuncRef {
    /// Code pointer (Wasm calling convention).
    pub code: *const u8,
    /// Canonical signature id.
    pub type_id: u32,
    /// The function's handle index in its store (not read by compiled code).
    pub store_index: u32,
    /// The callee's VMContext (for host functions: their context).
    pub vmctx: *mut u8,
}

/// What compiled code reads of a table (see `vmoffsets::table`).
#[repr(C)]
#[derive(Debug)]
pub struct VMTableDefinition {
    /// The first element (a raw reference: a `*const VMFuncRef` in a
    /// `funcref` table, an extern handle in an `externref` table; 0 is null).
    pub base: *mut u64,
    /// The number of elements.
    pub length: u64,
}

/// The most elements a table may have (a host-side allocation cap).
pub(crate) const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// A table owned by a store.
pub(crate) struct TableData {
    /// Raw references (see [`VMTableDefinition::base`]).
    pub(crate) elements: Vec<u64>,
    pub(crate) def: Box<VMTableDefinition>,
    pub(crate) ty: TableType,
}

impl TableData {
    pub(crate) fn new(ty: TableType) -> Self {
        let mut t = TableData {
            elements: vec![0; ty.minimum as usize],
            def: Box::new(VMTableDefinition {
                base: std::ptr::null_mut(),
                length: 0,
            }),
            ty,
        };
        t.sync();
        t
    }

    /// Publishes the element vector's address and length to compiled code.
    pub(crate) fn sync(&mut self) {
        self.def.base = self.elements.as_mut_ptr();
        self.def.length = self.elements.len() as u64;
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or
    /// `None` past the table's maximum or the host's cap (nothing changes
    /// then).
    pub(crate) fn grow(&mut self, delta: u64, init: u64) -> Option<u64> {
        let old = self.elements.len() as u64;
        let new = old.checked_add(delta)?;
        if self.ty.maximum.is_some_and(|m| new > m)
            || new > u64::from(u32::MAX)
            || new > MAX_TABLE_ELEMENTS
        {
            return None;
        }
        self.elements.resize(new as usize, init);
        self.sync();
        Some(old)
    }
}

/// A global of a store: its type and its 16 bytes of storage, which compiled
/// code reads and writes. A global a module defines keeps its storage in the
/// defining instance's VMContext (so that code reads it without a pointer);
/// a host global owns its storage here.
pub(crate) struct GlobalData {
    /// The storage: 16-byte aligned, valid as long as the store.
    ptr: *mut u128,
    pub(crate) ty: GlobalType,
    /// The storage of a host global (`ptr` points into it).
    _own: Option<Box<u128>>,
}

impl GlobalData {
    /// A host global owning its storage.
    pub(crate) fn owned(value: u128, ty: GlobalType) -> GlobalData {
        let mut own = Box::new(value);
        let ptr: *mut u128 = &mut *own;
        GlobalData {
            ptr,
            ty,
            _own: Some(own),
        }
    }

    /// A global whose storage is in a VMContext, set to `value`.
    ///
    /// # Safety
    /// `ptr` is valid for reads and writes of a 16-byte aligned `u128` for as
    /// long as the store that keeps this global.
    pub(crate) unsafe fn in_vmctx(ptr: *mut u128, value: u128, ty: GlobalType) -> GlobalData {
        // SAFETY: valid and aligned (the caller's contract).
        unsafe { ptr.write(value) };
        GlobalData {
            ptr,
            ty,
            _own: None,
        }
    }

    /// The storage's address.
    pub(crate) fn storage(&self) -> *mut u128 {
        self.ptr
    }

    /// The raw value.
    pub(crate) fn get(&self) -> u128 {
        // SAFETY: `ptr` is valid while the store lives (see the
        // constructors); compiled code that writes it runs only while the
        // store is borrowed mutably, so no write races this read.
        unsafe { self.ptr.read() }
    }

    /// Sets the raw value.
    pub(crate) fn set(&mut self, value: u128) {
        // SAFETY: as for `get`; the store is borrowed mutably here.
        unsafe { self.ptr.write(value) }
    }
}

/// What the VMContext's instance slot points to: how builtins find the store.
pub(crate) struct InstanceRecord {
    pub(crate) store: *mut crate::store::StoreOpaque,
    pub(crate) instance: u32,
}
