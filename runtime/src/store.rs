//! Stores: the owners of instances, functions, memories, tables and globals.
//! Handles (`Func`, `Memory`, ...) are indices into a store, tagged with the
//! store's id so that using one with another store is caught.
//!
//! A store also keeps alive every `ExternRef` that has entered Wasm (its
//! externref arena, see `crate::refs`) until the store itself is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::code_memory::CodeMemory;
use crate::engine::Engine;
use crate::instance::InstanceData;
use crate::memory::LinearMemory;
use crate::refs::ExternRefArena;
use crate::values::FuncType;
use crate::vm::{GlobalData, TableData, VMFuncRef};

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// A host function as its context keeps it: called with the `&mut Store<T>`
/// of the call in progress (type-erased) and the raw argument/result slots.
pub(crate) type HostFn = Box<dyn Fn(*mut u8, &mut [u128]) -> crate::Result<()> + Send + Sync>;

/// A host function's context: what its trampoline passes to `host_dispatch`.
pub(crate) struct HostFuncCtx {
    /// The store it belongs to (`*mut StoreOpaque`).
    pub(crate) store: *mut StoreOpaque,
    pub(crate) func: HostFn,
    pub(crate) ty: FuncType,
}

pub(crate) enum FuncKind {
    /// Function `index` of instance `instance`.
    #[allow(dead_code)]
    Wasm { instance: u32 },
    /// A host function; the box keeps the context's address stable.
    Host(Box<HostFuncCtx>),
}

pub(crate) struct FuncData {
    pub(crate) ty: FuncType,
    pub(crate) kind: FuncKind,
    /// For host functions, their own funcref; for Wasm functions, null (the
    /// funcref lives in the instance's VMContext, see `funcref_ptr`).
    pub(crate) _own_funcref: Option<Box<VMFuncRef>>,
    pub(crate) funcref_ptr: *const VMFuncRef,
    pub(crate) array_trampoline: Option<Arc<CodeMemory>>,
    pub(crate) _host_trampoline: Option<Arc<CodeMemory>>,
    /// A host function's hold on its signature id (a Wasm function's is
    /// its module's).
    pub(crate) _type_id: Option<crate::engine::SignatureIds>,
}

/// The part of a store that does not depend on its data type.
///
/// Public only so that the sealed [`crate::WasmTy`] methods can name it; it
/// lives in a private module and outside code can neither name nor build it.
#[doc(hidden)]
pub struct StoreOpaque {
    pub(crate) engine: Engine,
    pub(crate) id: u64,
    pub(crate) stack_limit: Box<usize>,
    pub(crate) funcs: Vec<FuncData>,
    pub(crate) instances: Vec<InstanceData>,
    /// Memories and tables keep what compiled code points to in boxes of
    /// their own, so they may move inside these vectors.
    pub(crate) memories: Vec<LinearMemory>,
    pub(crate) tables: Vec<TableData>,
    /// Compiled code points into each global's storage: boxed for a stable
    /// address.
    #[allow(clippy::vec_box)]
    pub(crate) globals: Vec<GlobalData>,
    /// The `*mut Store<T>` of the call in progress, for host functions.
    pub(crate) current_store: *mut u8,
    /// The instance whose Wasm code called the host function in progress.
    pub(crate) current_caller: Option<u32>,
    /// Every externref that has entered Wasm, alive until the store drops.
    pub(crate) externrefs: ExternRefArena,
}

// SAFETY: the raw pointers in a store point into memory the store itself owns
// (boxes, code memory kept alive by `Module`s it holds); a store is used by
// one thread at a time (`&mut` access), so moving it to another thread is fine.
unsafe impl Send for StoreOpaque {}

pub(crate) struct StoreInner<T> {
    pub(crate) opaque: StoreOpaque,
    pub(crate) data: T,
}

/// A collection of instances and host objects, with user data `T`.
pub struct Store<T> {
    pub(crate) inner: Box<StoreInner<T>>,
}

impl<T> Store<T> {
    /// A new store for `engine` with `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        Store {
            inner: Box::new(StoreInner {
                opaque: StoreOpaque {
                    engine: engine.clone(),
                    id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
                    stack_limit: Box::new(0),
                    funcs: Vec::new(),
                    instances: Vec::new(),
                    memories: Vec::new(),
                    tables: Vec::new(),
                    globals: Vec::new(),
                    current_store: std::ptr::null_mut(),
                    current_caller: None,
                    externrefs: ExternRefArena::default(),
                },
                data,
            }),
        }
    }
    /// The user data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }
    /// The user data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.opaque.engine
    }
    pub(crate) fn opaque(&self) -> &StoreOpaque {
        &self.inner.opaque
    }
    pub(crate) fn opaque_mut(&mut self) -> &mut StoreOpaque {
        &mut self.inner.opaque
    }
}

impl StoreOpaque {
    /// Panics with a clear message when a handle of another store is used.
    pub(crate) fn check(&self, store_id: u64) {
        assert_eq!(
            self.id, store_id,
            "a handle was used with a store other than the one that created it"
        );
    }
}

/// Anything that gives mutable access to a store: a `Store` or a `Caller`.
pub trait AsStoreMut {
    /// The store's data type.
    type Data;
    /// The store.
    fn as_store_mut(&mut self) -> &mut Store<Self::Data>;
}

impl<T> AsStoreMut for Store<T> {
    type Data = T;
    fn as_store_mut(&mut self) -> &mut Store<T> {
        self
    }
}

impl<T> AsStoreMut for crate::func::Caller<'_, T> {
    type Data = T;
    fn as_store_mut(&mut self) -> &mut Store<T> {
        self
    }
}
