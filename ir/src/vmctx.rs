//! The fixed header of every instance's VMContext: the few offsets that the
//! ISA backends must know. Everything after the header is laid out per module
//! by the frontend (`strata_frontend::vmoffsets`) and reached through explicit
//! `vm` loads in the IR.

/// Offset of a pointer to the store-wide stack limit (a `usize`): a function
/// prologue traps with `StackOverflow` when its frame would end below it.
pub const STACK_LIMIT_PTR: u32 = 0;
/// Offset of the base address of linear memory 0 (0 when there is none). The
/// backends keep it in a pinned register and reload it after calls that may
/// enter another instance.
pub const HEAP_BASE: u32 = 8;
/// Size of the fixed header.
pub const HEADER_SIZE: u32 = 16;
