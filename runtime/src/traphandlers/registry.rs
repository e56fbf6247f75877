//! The process-wide, lock-free registry of compiled-code ranges.
//!
//! This module owns the table the signal handler consults to decide whether a
//! faulting PC belongs to Wasm code, which trap it is, and whether a return
//! address lies inside a Wasm function.
//!
//! Structure: up to `MAX_CHUNKS` lazily allocated chunks of `CHUNK_SLOTS`
//! slots each. A chunk, once published, is never freed, so the signal handler
//! may read any published chunk at any time. Each slot is a small seqlock
//! (`seq`, `start`, `end`, `info`): writers (registration and unregistration)
//! serialise on a mutex, make `seq` odd, update the fields, and make `seq`
//! even again. Readers never lock:
//!
//! - The signal handler (`handler_lookup`) takes a snapshot of a slot and
//!   skips it when `seq` was odd or changed meanwhile. That is sound because a
//!   slot in transition never describes code that is running on the
//!   interrupted thread: code is registered before it first runs, and
//!   unregistered only after it can no longer run.
//! - [`lookup_frame`] (ordinary Rust code) takes the writers' mutex instead.
//!
//! A registration describes its range either with one fixed [`CodeInfo`]
//! ([`register_code`]: a module's code compiled ahead of time, one
//! optimized function) or with a [`CodeTable`] ([`register_code_table`]):
//! an append-only, lock-free list of *parts*, each a sub-range with its own
//! `CodeInfo`, that grows while the range is registered. Lazy compilation
//! uses tables: a chunk of code memory is registered once and each function
//! compiled into it later becomes a part, so the number of registrations
//! (and the length of the scans below) grows with chunks, not functions.
//!
//! Invariants the users of [`register_code`] keep:
//! - A registered range is mapped code memory for as long as it is
//!   registered (drop the [`CodeRegistration`] before unmapping), and no two
//!   live registrations overlap.
//! - Code is never unregistered while a thread may still execute it.

use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Arc, Mutex, MutexGuard};

use strata_ir::TrapCode;

/// Slots per chunk.
const CHUNK_SLOTS: usize = 1024;
/// Maximum number of chunks (so at most 65536 live registrations).
const MAX_CHUNKS: usize = 64;

/// The extent of one Wasm function inside a registered code range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncRange {
    /// Offset of the function's first byte from the code start.
    pub start: u32,
    /// Offset one past the function's last byte.
    pub end: u32,
    /// The function's index in the module's function index space.
    pub func_index: u32,
}

/// Metadata of one registered code range, produced by the emitter.
///
/// All three vectors are sorted by code offset; function ranges do not
/// overlap.
#[derive(Clone, Debug, Default)]
pub struct CodeInfo {
    /// `(code offset, trap code)` of every instruction that may trap, sorted
    /// by offset. The offset is that of the exact faulting instruction.
    pub trap_sites: Vec<(u32, TrapCode)>,
    /// Offsets (sorted) of the trap sites that run without a frame of
    /// their own (a leaf or an early exit before its prologue, see
    /// isa-x64's emitter): there the caller's return address is at
    /// `[rsp]` and rbp is still the caller's frame pointer.
    pub frameless_traps: Vec<u32>,
    /// The Wasm functions in the range, sorted by start.
    pub funcs: Vec<FuncRange>,
    /// `(code offset, Wasm bytecode offset)` pairs, sorted by code offset:
    /// code from one entry up to the next stems from that bytecode offset.
    pub addr_map: Vec<(u32, u32)>,
    /// Offsets (sorted) of the last byte of calls that hand a frame over
    /// to its continuation (on-stack replacement): a return address there
    /// is not a frame of its own in backtraces.
    pub hidden_returns: Vec<u32>,
}

impl CodeInfo {
    /// The trap code of the instruction at `offset`, if it is a trap site.
    pub fn trap_code(&self, offset: u32) -> Option<TrapCode> {
        self.trap_sites
            .binary_search_by_key(&offset, |&(o, _)| o)
            .ok()
            .map(|i| self.trap_sites[i].1)
    }

    /// Whether the trap site at `offset` runs without a frame of its own.
    pub fn is_frameless_trap(&self, offset: u32) -> bool {
        self.frameless_traps.binary_search(&offset).is_ok()
    }

    /// The function containing `offset`, if any.
    pub fn func_at(&self, offset: u32) -> Option<&FuncRange> {
        let i = self.funcs.partition_point(|f| f.start <= offset);
        let f = self.funcs.get(i.checked_sub(1)?)?;
        (offset < f.end).then_some(f)
    }

    /// The Wasm bytecode offset of the code at `offset` inside `func`: the
    /// last `addr_map` entry at or before `offset` that lies inside `func`.
    pub fn wasm_offset(&self, func: &FuncRange, offset: u32) -> Option<u32> {
        let i = self.addr_map.partition_point(|&(o, _)| o <= offset);
        let &(code_offset, wasm_offset) = self.addr_map.get(i.checked_sub(1)?)?;
        (code_offset >= func.start).then_some(wasm_offset)
    }
}

/// One part of a [`CodeTable`]: offsets from the registered range's start,
/// and `Arc::into_raw` of the part's metadata (offsets in it are from the
/// part's start). Written once, before the table's length covers it.
struct TablePart {
    start: AtomicUsize,
    end: AtomicUsize,
    info: AtomicPtr<CodeInfo>,
}

/// Metadata of a registered range that receives code while it is
/// registered: up to a fixed capacity of parts, appended in address order,
/// never removed (see the module docs).
///
/// Readers (the signal handler included) load the length with `Acquire` and
/// binary-search the parts below it; a part is fully written before the
/// length is raised past it, so readers never see a half-written part.
pub struct CodeTable {
    /// Parts `0..len` are published.
    len: AtomicUsize,
    parts: Box<[TablePart]>,
    /// Serialises [`CodeTable::push`].
    writer: Mutex<()>,
}

impl std::fmt::Debug for CodeTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeTable")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish()
    }
}

impl CodeTable {
    /// An empty table with room for `capacity` parts.
    pub fn new(capacity: usize) -> CodeTable {
        // Zeroed memory (lazily committed by the allocator for big tables).
        let parts = Box::<[TablePart]>::new_zeroed_slice(capacity);
        // SAFETY: all-zero bytes are a valid `TablePart` (atomics holding 0
        // and a null pointer).
        let parts = unsafe { parts.assume_init() };
        CodeTable {
            len: AtomicUsize::new(0),
            parts,
            writer: Mutex::new(()),
        }
    }

    /// The number of parts.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether there are no parts.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most parts the table holds.
    pub fn capacity(&self) -> usize {
        self.parts.len()
    }

    /// Appends the part `[start, end)` (offsets from the registered range's
    /// start) described by `info` (whose offsets are from `start`).
    ///
    /// The code of the part must be in place before it is pushed, and must
    /// not run before `push` returns.
    ///
    /// # Panics
    ///
    /// When the table is full, or when `start` lies below the end of the
    /// previous part or `end < start` (parts come in address order).
    pub fn push(&self, start: usize, end: usize, info: Arc<CodeInfo>) {
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.len.load(Ordering::Relaxed);
        assert!(n < self.parts.len(), "code table full");
        assert!(start <= end, "code table part ends before it starts");
        if let Some(prev) = n.checked_sub(1) {
            assert!(
                self.parts[prev].end.load(Ordering::Relaxed) <= start,
                "code table parts out of order"
            );
        }
        let part = &self.parts[n];
        part.start.store(start, Ordering::Relaxed);
        part.end.store(end, Ordering::Relaxed);
        part.info
            .store(Arc::into_raw(info).cast_mut(), Ordering::Relaxed);
        self.len.store(n + 1, Ordering::Release);
    }

    /// The part containing `offset`: its start offset and metadata.
    /// Async-signal-safe.
    fn part(&self, offset: usize) -> Option<(usize, &CodeInfo)> {
        let parts = &self.parts[..self.len.load(Ordering::Acquire)];
        let i = parts.partition_point(|p| p.start.load(Ordering::Relaxed) <= offset);
        let p = parts.get(i.checked_sub(1)?)?;
        if offset >= p.end.load(Ordering::Relaxed) {
            return None;
        }
        let info = p.info.load(Ordering::Relaxed);
        // SAFETY: published parts hold a live `Arc` pointer until the table
        // is dropped, and the caller borrows the table.
        Some((p.start.load(Ordering::Relaxed), unsafe { &*info }))
    }
}

impl Drop for CodeTable {
    fn drop(&mut self) {
        let n = *self.len.get_mut();
        for p in &mut self.parts[..n] {
            let info = *p.info.get_mut();
            // SAFETY: `info` came from `Arc::into_raw` in `push` and nothing
            // can read it any more (we are dropped).
            drop(unsafe { Arc::from_raw(info) });
        }
    }
}

/// What a registry slot describes its range with.
enum Meta {
    /// One `CodeInfo` for the whole range.
    Fixed(Arc<CodeInfo>),
    /// Parts appended while registered.
    Table(Arc<CodeTable>),
}

impl Meta {
    /// The part containing `offset` (from the range start): its start
    /// offset and metadata. Async-signal-safe.
    fn part(&self, offset: usize) -> Option<(usize, &CodeInfo)> {
        match self {
            Meta::Fixed(info) => Some((0, info)),
            Meta::Table(table) => table.part(offset),
        }
    }
}

/// A Wasm frame identified from a PC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Index of the function the PC lies in.
    pub func_index: u32,
    /// Wasm bytecode offset of the instruction, when the address map knows.
    pub wasm_offset: Option<u32>,
    /// Start address of the registration the PC belongs to (identifies the
    /// compiled module).
    pub code_start: usize,
}

/// One registry slot: a seqlock over `(start, end, info)`.
struct Slot {
    /// Odd while a writer is updating the slot.
    seq: AtomicU64,
    /// First address of the range (0 when free).
    start: AtomicUsize,
    /// One past the last address (0 when free).
    end: AtomicUsize,
    /// `Box::into_raw` of the range's metadata, or null when free.
    info: AtomicPtr<Meta>,
}

type Chunk = [Slot; CHUNK_SLOTS];

/// Published chunks; null until allocated. Never freed.
static CHUNKS: [AtomicPtr<Chunk>; MAX_CHUNKS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; MAX_CHUNKS];
/// Number of slots ever used (high-water mark), bounding the readers' scans.
static SLOTS_USED: AtomicUsize = AtomicUsize::new(0);
/// Serialises writers (and `lookup_frame`).
static WRITERS: Mutex<()> = Mutex::new(());

fn lock_writers() -> MutexGuard<'static, ()> {
    // The registry's state lives in atomics; a poisoned lock protects nothing
    // that could be half-updated in a way we cannot read.
    WRITERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The slot with index `i`, if its chunk is published.
fn slot(i: usize) -> Option<&'static Slot> {
    let chunk = CHUNKS.get(i / CHUNK_SLOTS)?.load(Ordering::Acquire);
    if chunk.is_null() {
        return None;
    }
    // SAFETY: published chunks are leaked boxes that are never freed, and all
    // their fields are atomics, so a shared reference is always valid.
    Some(unsafe { &(*chunk)[i % CHUNK_SLOTS] })
}

/// Keeps a code range registered; unregisters it when dropped.
#[derive(Debug)]
pub struct CodeRegistration {
    /// Index of our slot.
    index: usize,
    /// Start of the range (for `Debug` and sanity checks).
    start: usize,
}

impl CodeRegistration {
    /// Start address of the registered range.
    pub fn start(&self) -> usize {
        self.start
    }
}

/// Registers `[start, start + len)` as compiled Wasm code described by
/// `info`, so that traps in it are caught and its frames appear in
/// backtraces.
///
/// The range must be mapped code memory that stays mapped until the
/// returned registration is dropped, must not overlap another live
/// registration, and must not run after the registration is dropped.
///
/// # Panics
///
/// Panics when 65536 registrations are live at once.
pub fn register_code(start: usize, len: usize, info: Arc<CodeInfo>) -> CodeRegistration {
    register(start, len, Box::new(Meta::Fixed(info)))
}

/// Registers `[start, start + len)` as compiled Wasm code described by the
/// parts of `table`, which may grow while the range is registered (see
/// [`CodeTable::push`]). The same contract as [`register_code`] applies.
///
/// # Panics
///
/// Panics when 65536 registrations are live at once.
pub fn register_code_table(start: usize, len: usize, table: Arc<CodeTable>) -> CodeRegistration {
    register(start, len, Box::new(Meta::Table(table)))
}

fn register(start: usize, len: usize, meta: Box<Meta>) -> CodeRegistration {
    let end = start.checked_add(len).expect("code range overflows");
    let _guard = lock_writers();
    let used = SLOTS_USED.load(Ordering::Relaxed);
    debug_assert!(
        (0..used).filter_map(slot).all(|s| {
            s.info.load(Ordering::Relaxed).is_null()
                || end <= s.start.load(Ordering::Relaxed)
                || s.end.load(Ordering::Relaxed) <= start
        }),
        "overlapping code registrations"
    );
    let index = (0..used)
        .find(|&i| slot(i).is_some_and(|s| s.info.load(Ordering::Relaxed).is_null()))
        .unwrap_or(used);
    if index == used {
        let chunk_index = index / CHUNK_SLOTS;
        assert!(chunk_index < MAX_CHUNKS, "too many live code registrations");
        let chunk = &CHUNKS[chunk_index];
        if chunk.load(Ordering::Acquire).is_null() {
            let fresh: Box<Chunk> = Box::new(std::array::from_fn(|_| Slot {
                seq: AtomicU64::new(0),
                start: AtomicUsize::new(0),
                end: AtomicUsize::new(0),
                info: AtomicPtr::new(std::ptr::null_mut()),
            }));
            chunk.store(Box::into_raw(fresh), Ordering::Release);
        }
        SLOTS_USED.store(used + 1, Ordering::Release);
    }
    let s = slot(index).expect("chunk was just published");
    let seq = s.seq.load(Ordering::Relaxed);
    s.seq.store(seq + 1, Ordering::Relaxed);
    fence(Ordering::Release);
    s.start.store(start, Ordering::Relaxed);
    s.end.store(end, Ordering::Relaxed);
    s.info.store(Box::into_raw(meta), Ordering::Relaxed);
    s.seq.store(seq + 2, Ordering::Release);
    CodeRegistration { index, start }
}

impl Drop for CodeRegistration {
    fn drop(&mut self) {
        let info = {
            let _guard = lock_writers();
            let s = slot(self.index).expect("registered slot exists");
            let seq = s.seq.load(Ordering::Relaxed);
            s.seq.store(seq + 1, Ordering::Relaxed);
            fence(Ordering::Release);
            let info = s.info.swap(std::ptr::null_mut(), Ordering::Relaxed);
            s.start.store(0, Ordering::Relaxed);
            s.end.store(0, Ordering::Relaxed);
            s.seq.store(seq + 2, Ordering::Release);
            info
        };
        debug_assert!(!info.is_null());
        // SAFETY: `info` came from `Box::into_raw` in `register`, and the
        // slot no longer refers to it. A signal handler that read it earlier
        // only dereferences it when the faulting code is this range, which
        // (by the registration's contract) no longer runs.
        drop(unsafe { Box::from_raw(info) });
    }
}

/// Async-signal-safe lookup: the start address and metadata of the code
/// containing `pc` (a live registration, or for a [`CodeTable`] the part of
/// one).
///
/// Slots that are being written are skipped (see the module docs).
/// The returned reference is valid as long as the code at `pc` may still run
/// on the calling thread.
pub(crate) fn handler_lookup(pc: usize) -> Option<(usize, &'static CodeInfo)> {
    let used = SLOTS_USED.load(Ordering::Acquire);
    for i in 0..used {
        let Some(s) = slot(i) else { break };
        let seq1 = s.seq.load(Ordering::Acquire);
        if seq1 & 1 != 0 {
            continue;
        }
        let info = s.info.load(Ordering::Relaxed);
        let start = s.start.load(Ordering::Relaxed);
        let end = s.end.load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        if s.seq.load(Ordering::Relaxed) != seq1 || info.is_null() {
            continue;
        }
        if start <= pc && pc < end {
            // SAFETY: a consistent snapshot says `info` describes the live
            // range containing `pc`; it stays alive while that code may run.
            let meta: &'static Meta = unsafe { &*info };
            let (part, info) = meta.part(pc - start)?;
            return Some((start + part, info));
        }
    }
    None
}

/// Async-signal-safe: whether `pc` lies inside a registered Wasm function.
pub(crate) fn is_wasm_function_pc(pc: usize) -> bool {
    match handler_lookup(pc) {
        Some((start, info)) => info.func_at((pc - start) as u32).is_some(),
        None => false,
    }
}

/// The registration containing `pc`: its start, the start of the code
/// (the registration, or the part of a [`CodeTable`]) and that code's
/// metadata. Takes the writers' lock, so the result is exact even while
/// other threads register code.
fn locked_lookup(pc: usize) -> Option<(usize, usize, Arc<CodeInfo>)> {
    let _guard = lock_writers();
    let used = SLOTS_USED.load(Ordering::Acquire);
    (0..used).filter_map(slot).find_map(|s| {
        let meta = s.info.load(Ordering::Relaxed);
        let start = s.start.load(Ordering::Relaxed);
        let end = s.end.load(Ordering::Relaxed);
        if meta.is_null() || pc < start || pc >= end {
            return None;
        }
        // SAFETY: under the writers' lock the slot cannot be unregistered, so
        // `meta` is live, and so are the parts of its table.
        let meta = unsafe { &*meta };
        let (part, info) = meta.part(pc - start)?;
        let info: *const CodeInfo = info;
        // SAFETY: `info` is the pointer of a live `Arc` (a fixed range's
        // metadata, or a published part's); we take one more strong count.
        let info = unsafe {
            Arc::increment_strong_count(info);
            Arc::from_raw(info)
        };
        Some((start, start + part, info))
    })
}

/// The Wasm function and bytecode offset at `pc`.
///
/// `pc` should point *into* the instruction: for a return address pass
/// `pc - 1`. Returns `None` when `pc` is not inside a registered Wasm
/// function (e.g. in a trampoline or host code).
pub fn lookup_frame(pc: usize) -> Option<FrameInfo> {
    let (start, code, info) = locked_lookup(pc)?;
    let offset = u32::try_from(pc - code).ok()?;
    let func = info.func_at(offset)?;
    if info.hidden_returns.binary_search(&offset).is_ok() {
        return None;
    }
    Some(FrameInfo {
        func_index: func.func_index,
        wasm_offset: info.wasm_offset(func, offset),
        code_start: start,
    })
}

/// The trap code registered for the instruction at `pc`, if any.
pub fn lookup_trap_code(pc: usize) -> Option<TrapCode> {
    let (_, code, info) = locked_lookup(pc)?;
    info.trap_code(u32::try_from(pc - code).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> Arc<CodeInfo> {
        Arc::new(CodeInfo {
            frameless_traps: Vec::new(),
            hidden_returns: Vec::new(),
            trap_sites: vec![
                (4, TrapCode::Unreachable),
                (20, TrapCode::MemoryOutOfBounds),
            ],
            funcs: vec![
                FuncRange {
                    start: 0,
                    end: 16,
                    func_index: 3,
                },
                FuncRange {
                    start: 16,
                    end: 32,
                    func_index: 4,
                },
            ],
            addr_map: vec![(0, 100), (8, 110), (24, 200)],
        })
    }

    #[test]
    fn register_lookup_unregister() {
        // Use a heap buffer as a stand-in address range (never executed).
        let buf = [0u8; 64];
        let start = buf.as_ptr() as usize;
        let reg = register_code(start, 40, info());
        assert_eq!(
            lookup_frame(start + 9),
            Some(FrameInfo {
                func_index: 3,
                wasm_offset: Some(110),
                code_start: start
            })
        );
        // In func 4 before its first addr_map entry: no offset from func 3.
        assert_eq!(
            lookup_frame(start + 17),
            Some(FrameInfo {
                func_index: 4,
                wasm_offset: None,
                code_start: start
            })
        );
        assert_eq!(lookup_frame(start + 35), None);
        assert_eq!(
            lookup_trap_code(start + 20),
            Some(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(lookup_trap_code(start + 21), None);
        assert!(is_wasm_function_pc(start + 31));
        assert!(!is_wasm_function_pc(start + 32));
        assert!(handler_lookup(start + 39).is_some());
        drop(reg);
        assert_eq!(lookup_frame(start + 9), None);
        assert!(handler_lookup(start + 9).is_none());
    }

    #[test]
    fn many_registrations_reuse_slots() {
        let buf = vec![0u8; 4096];
        let base = buf.as_ptr() as usize;
        for _ in 0..3 {
            let regs: Vec<_> = (0..1500)
                .map(|i| register_code(base + i, 1, info()))
                .collect();
            assert!(handler_lookup(base + 1499).is_some());
            drop(regs);
        }
        assert!(SLOTS_USED.load(Ordering::Relaxed) <= 1500 + 64);
    }

    fn one_func(func_index: u32, len: u32, trap_at: u32) -> Arc<CodeInfo> {
        Arc::new(CodeInfo {
            frameless_traps: Vec::new(),
            hidden_returns: Vec::new(),
            trap_sites: vec![(trap_at, TrapCode::IntegerDivideByZero)],
            funcs: vec![FuncRange {
                start: 0,
                end: len,
                func_index,
            }],
            addr_map: vec![(0, 1000 + func_index)],
        })
    }

    #[test]
    fn a_code_table_grows_while_registered() {
        let buf = vec![0u8; 1024];
        let start = buf.as_ptr() as usize;
        let table = Arc::new(CodeTable::new(3));
        let reg = register_code_table(start, 1024, table.clone());
        // Nothing compiled yet: the range has no code.
        assert!(handler_lookup(start + 5).is_none());
        assert_eq!(lookup_frame(start + 5), None);
        table.push(0, 100, one_func(7, 100, 10));
        table.push(256, 300, one_func(9, 44, 4));
        assert_eq!(table.len(), 2);
        let (code, info) = handler_lookup(start + 260).unwrap();
        assert_eq!(code, start + 256);
        assert_eq!(info.funcs[0].func_index, 9);
        assert_eq!(
            lookup_frame(start + 50),
            Some(FrameInfo {
                func_index: 7,
                wasm_offset: Some(1007),
                code_start: start
            })
        );
        assert_eq!(
            lookup_trap_code(start + 260),
            Some(TrapCode::IntegerDivideByZero)
        );
        assert_eq!(
            lookup_trap_code(start + 10),
            Some(TrapCode::IntegerDivideByZero)
        );
        assert_eq!(lookup_trap_code(start + 4), None);
        // Between and after the parts: not code.
        assert!(handler_lookup(start + 200).is_none());
        assert!(!is_wasm_function_pc(start + 300));
        assert!(is_wasm_function_pc(start + 299));
        table.push(512, 600, one_func(11, 88, 0));
        assert!(is_wasm_function_pc(start + 513));
        drop(reg);
        assert!(handler_lookup(start + 513).is_none());
        // The table outlives its registration and still owns its parts.
        assert_eq!(table.len(), 3);
    }

    #[test]
    #[should_panic(expected = "out of order")]
    fn code_table_parts_come_in_address_order() {
        let table = CodeTable::new(2);
        table.push(100, 200, one_func(0, 100, 0));
        table.push(50, 60, one_func(1, 10, 0));
    }
}
