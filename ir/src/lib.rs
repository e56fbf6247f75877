//! strata-ir: the intermediate representation shared by both tiers.
//!
//! A [`Function`] is a list of blocks of instructions over virtual registers
//! ([`Value`]s). Entities are `u32` newtypes whose printed prefixes match the
//! text form (`v3`, `block1`). Instructions live in one arena
//! ([`Function::insts`]) and blocks hold the order; variable-length operand
//! lists live in a shared pool ([`ValueList`]).
//!
//! Two forms share these data structures:
//! - **non-SSA** (written by the baseline tier): a value may be assigned by
//!   several instructions (locals are plain virtual registers); blocks other
//!   than the entry have no parameters and branches pass no arguments.
//! - **SSA** (written by the optimizing tier): every value has exactly one
//!   definition, and values flow between blocks as block parameters.
//!
//! The entry block's parameters are the function's parameters in both forms.
//! Lowering requires that no other block has parameters (`ir::ssa` removes
//! them by inserting parallel copies).
//!
//! Memory is addressed in two spaces ([`AddrSpace`]): the Wasm linear memory
//! (`heap`: a zero-extended 32-bit index plus a constant offset from the
//! instance's memory base; out of range traps), and runtime data (`vm`: a
//! 64-bit pointer plus offset, never trapping), which the frontend uses to
//! reach the VMContext, tables and globals.

pub mod display;
mod entities;
mod function;
mod inst;
pub mod interp;
pub mod opt;
pub mod parser;
pub mod ssa;
#[doc(hidden)]
pub mod testing;
mod trap;
mod types;
pub mod verifier;
pub mod vmctx;

pub use entities::{Block, Inst, JumpTable, Value, ValueList};
pub use function::{BlockCall, BlockData, Function, Signature};
pub use inst::{AddrSpace, BinaryOp, CallKind, FloatCC, InstData, IntCC, LoadOp, StoreOp, UnaryOp};
pub use trap::TrapCode;
pub use types::Type;
