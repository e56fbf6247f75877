//! Trap codes: why a Wasm computation stopped. Shared by the ISA emitters
//! (which record one per trapping instruction) and the runtime (which maps a
//! faulting PC back to one and reports the spec's message).

use std::fmt;

/// A reason for a trap, with the message the Wasm spec testsuite expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum TrapCode {
    /// `unreachable` executed.
    Unreachable = 0,
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 1,
    /// Signed division overflow (`INT_MIN / -1`).
    IntegerOverflow = 2,
    /// Float-to-int truncation of NaN or an out-of-range value.
    BadConversionToInteger = 3,
    /// A linear-memory access outside the accessible size.
    MemoryOutOfBounds = 4,
    /// `call_indirect` with an index past the table's end.
    UndefinedElement = 5,
    /// `call_indirect` through a null table entry.
    UninitializedElement = 6,
    /// `call_indirect` whose callee has another signature.
    IndirectCallTypeMismatch = 7,
    /// The Wasm stack limit was reached.
    StackOverflow = 8,
    /// `table.get`/`table.set`/bulk table operation out of bounds.
    TableOutOfBounds = 9,
    /// A null reference was dereferenced.
    NullReference = 10,
}

impl TrapCode {
    /// Every trap code, in numeric order.
    pub const ALL: [TrapCode; 11] = [
        TrapCode::Unreachable,
        TrapCode::IntegerDivideByZero,
        TrapCode::IntegerOverflow,
        TrapCode::BadConversionToInteger,
        TrapCode::MemoryOutOfBounds,
        TrapCode::UndefinedElement,
        TrapCode::UninitializedElement,
        TrapCode::IndirectCallTypeMismatch,
        TrapCode::StackOverflow,
        TrapCode::TableOutOfBounds,
        TrapCode::NullReference,
    ];

    /// The message of the Wasm specification's reference interpreter.
    pub const fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::BadConversionToInteger => "invalid conversion to integer",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::UninitializedElement => "uninitialized element",
            TrapCode::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::NullReference => "null reference",
        }
    }

    /// The code with numeric value `v`.
    pub fn from_u8(v: u8) -> Option<TrapCode> {
        TrapCode::ALL.get(v as usize).copied()
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}
