//! The fixed header of every instance's VMContext: the few offsets that the
//! ISA backends must know. Everything after the header is laid out per module
//! by the frontend (`strata_frontend::vmoffsets`) and reached through explicit
//! `vm` loads in the IR.

/// Offset of a pointer to the store-wide stack limit (a `usize`): a function
/// prologue traps with `StackOverflow` when its frame would end more than
/// [`STACK_LIMIT_SLACK`] bytes below it.
pub const STACK_LIMIT_PTR: u32 = 0;
/// How far above the lowest address Wasm frames may reach the stack limit
/// is stored. A prologue whose frame is at most this size compares the
/// stack pointer itself with the limit (no address computation), so it
/// traps up to this many bytes early; a larger frame is checked exactly.
pub const STACK_LIMIT_SLACK: u32 = 1024;
/// Offset of the base address of linear memory 0 (0 when there is none). The
/// backends keep it in a pinned register and reload it after calls that may
/// enter another instance.
pub const HEAP_BASE: u32 = 8;
/// Size of the fixed header.
pub const HEADER_SIZE: u32 = 16;
