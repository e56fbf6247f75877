//! The runtime functions that compiled code calls through the VMContext's
//! builtin slots (`strata_frontend::vmoffsets::Builtin`): `memory.grow` and
//! the bulk-memory and table operators (the tier-up and lazy-compilation
//! builtins live in `tiering` and `lazy`).
//!
//! Every builtin takes the caller's VMContext first and finds its store and
//! instance through the VMContext's instance record. None of them traps or
//! unwinds: the ones that can fail check all bounds first (the spec's rule:
//! nothing is written when an access is out of bounds) and return non-zero,
//! and the compiled code then traps with the right code at the operator's
//! source location. Counts and indices are unsigned 32-bit Wasm values; the
//! bounds arithmetic is done in `u64` so it cannot overflow.

use strata_frontend::vmoffsets::Builtin;

use crate::store::StoreOpaque;
use crate::vm::InstanceRecord;

/// The store and instance index of the instance whose VMContext is `vmctx`.
///
/// # Safety
/// `vmctx` is a live instance's VMContext and the call comes from that
/// instance's compiled code, so the store is alive and no Rust reference to it
/// is in use while the builtin runs.
pub(crate) unsafe fn context<'a>(vmctx: *mut u8) -> (&'a mut StoreOpaque, usize) {
    let offset = strata_ir::vmctx::HEADER_SIZE as usize;
    // SAFETY: the instance slot (right after the header) holds the instance's
    // record, which lives as long as the instance; the record's store
    // pointer is the owning store (see the function's contract).
    unsafe {
        let record = *(vmctx.add(offset) as *const *const InstanceRecord);
        (&mut *(*record).store, (*record).instance as usize)
    }
}

/// Whether `[start, start + len)` lies inside `size`.
fn in_bounds(start: u32, len: u32, size: u64) -> bool {
    u64::from(start) + u64::from(len) <= size
}

/// What a checked builtin returns.
const OK: u32 = 0;
const OUT_OF_BOUNDS: u32 = 1;

/// `memory.grow`: the old size in pages, or -1.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn memory_grow(vmctx: *mut u8, memory: u32, delta: u32) -> u32 {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    let mem = s.instances[inst].memories[memory as usize] as usize;
    s.memories[mem].grow(delta).unwrap_or(u32::MAX)
}

/// `memory.copy` within memory 0 (overlapping ranges copy as if through a
/// temporary buffer).
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn memory_copy(vmctx: *mut u8, dst: u32, src: u32, len: u32) -> u32 {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    let mem = &mut s.memories[s.instances[inst].memories[0] as usize];
    let size = mem.size_bytes() as u64;
    if !in_bounds(src, len, size) || !in_bounds(dst, len, size) {
        return OUT_OF_BOUNDS;
    }
    let base = mem.base();
    // SAFETY: both ranges lie inside the accessible memory (checked above);
    // `ptr::copy` allows them to overlap.
    unsafe { std::ptr::copy(base.add(src as usize), base.add(dst as usize), len as usize) };
    OK
}

/// `memory.fill` of memory 0 with the low byte of `value`.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn memory_fill(vmctx: *mut u8, dst: u32, value: u32, len: u32) -> u32 {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    let mem = &mut s.memories[s.instances[inst].memories[0] as usize];
    if !in_bounds(dst, len, mem.size_bytes() as u64) {
        return OUT_OF_BOUNDS;
    }
    // SAFETY: the range lies inside the accessible memory (checked above).
    unsafe { std::ptr::write_bytes(mem.base().add(dst as usize), value as u8, len as usize) };
    OK
}

/// `memory.init`: copies `len` bytes of data segment `segment` from `src`
/// into memory 0 at `dst`. A dropped segment has length 0.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn memory_init(
    vmctx: *mut u8,
    segment: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    let data = &s.instances[inst];
    let range = if data.data_dropped[segment as usize] {
        0..0
    } else {
        data.module.inner.env.data[segment as usize].data.clone()
    };
    let mem = &mut s.memories[data.memories[0] as usize];
    if !in_bounds(src, len, range.len() as u64) || !in_bounds(dst, len, mem.size_bytes() as u64) {
        return OUT_OF_BOUNDS;
    }
    let bytes = &data.module.inner.bytes[range][src as usize..][..len as usize];
    // SAFETY: the destination range lies inside the accessible memory
    // (checked above) and cannot overlap the module's bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), mem.base().add(dst as usize), len as usize)
    };
    OK
}

/// `data.drop`.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn data_drop(vmctx: *mut u8, segment: u32) {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    s.instances[inst].data_dropped[segment as usize] = true;
}

/// `table.copy` from table `src_table` at `src` to table `dst_table` at
/// `dst` (the same table allowed, overlapping ranges included).
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    let d = s.instances[inst].tables[dst_table as usize] as usize;
    let t = s.instances[inst].tables[src_table as usize] as usize;
    let dst_len = s.tables[d].elements.len() as u64;
    let src_len = s.tables[t].elements.len() as u64;
    if !in_bounds(src, len, src_len) || !in_bounds(dst, len, dst_len) {
        return OUT_OF_BOUNDS;
    }
    let (src, dst, len) = (src as usize, dst as usize, len as usize);
    if d == t {
        s.tables[d].elements.copy_within(src..src + len, dst);
    } else {
        let from = s.tables[t].elements.as_ptr();
        let to = s.tables[d].elements.as_mut_ptr();
        // SAFETY: both ranges lie inside their tables (checked above), and
        // two different tables never share storage.
        unsafe { std::ptr::copy_nonoverlapping(from.add(src), to.add(dst), len) };
    }
    OK
}

/// `table.init`: copies `len` items of element segment `segment` from `src`
/// into table `table` at `dst`. A dropped segment has no items.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn table_init(
    vmctx: *mut u8,
    table: u32,
    segment: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    let data = &s.instances[inst];
    let items = &data.elem_items[segment as usize];
    let t = &mut s.tables[data.tables[table as usize] as usize];
    if !in_bounds(src, len, items.len() as u64) || !in_bounds(dst, len, t.elements.len() as u64) {
        return OUT_OF_BOUNDS;
    }
    let (src, dst, len) = (src as usize, dst as usize, len as usize);
    t.elements[dst..dst + len].copy_from_slice(&items[src..src + len]);
    OK
}

/// `elem.drop`.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn elem_drop(vmctx: *mut u8, segment: u32) {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    s.instances[inst].elem_items[segment as usize] = Box::default();
}

/// `table.grow`: the old size, or -1.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn table_grow(vmctx: *mut u8, table: u32, init: u64, delta: u32) -> u32 {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    let t = s.instances[inst].tables[table as usize] as usize;
    match s.tables[t].grow(u64::from(delta), init) {
        Some(old) => old as u32,
        None => u32::MAX,
    }
}

/// `table.fill` of table `table` from `dst` with `len` copies of `value`.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
unsafe extern "sysv64" fn table_fill(
    vmctx: *mut u8,
    table: u32,
    dst: u32,
    value: u64,
    len: u32,
) -> u32 {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { context(vmctx) };
    let t = &mut s.tables[s.instances[inst].tables[table as usize] as usize];
    if !in_bounds(dst, len, t.elements.len() as u64) {
        return OUT_OF_BOUNDS;
    }
    t.elements[dst as usize..][..len as usize].fill(value);
    OK
}

/// The address of `builtin`'s implementation, for its VMContext slot.
pub(crate) fn address(builtin: Builtin) -> usize {
    match builtin {
        Builtin::MemoryGrow => memory_grow as *const () as usize,
        Builtin::MemoryCopy => memory_copy as *const () as usize,
        Builtin::MemoryFill => memory_fill as *const () as usize,
        Builtin::MemoryInit => memory_init as *const () as usize,
        Builtin::DataDrop => data_drop as *const () as usize,
        Builtin::TableCopy => table_copy as *const () as usize,
        Builtin::TableInit => table_init as *const () as usize,
        Builtin::ElemDrop => elem_drop as *const () as usize,
        Builtin::TableGrow => table_grow as *const () as usize,
        Builtin::TableFill => table_fill as *const () as usize,
        Builtin::TierUp => crate::tiering::tier_up as *const () as usize,
        Builtin::LazyCompile => crate::lazy::lazy_compile as *const () as usize,
    }
}
