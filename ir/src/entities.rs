//! Entity references: dense `u32` indices into a [`crate::Function`]'s arenas.

use std::fmt;

macro_rules! entity {
    ($(#[$m:meta])* $name:ident, $prefix:literal) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The entity with index `i`.
            pub const fn new(i: usize) -> Self {
                $name(i as u32)
            }
            /// Its index.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }
    };
}

entity!(
    /// A virtual register.
    Value,
    "v"
);
entity!(
    /// A basic block.
    Block,
    "block"
);
entity!(
    /// An instruction.
    Inst,
    "inst"
);
entity!(
    /// A jump table of a `br_table`.
    JumpTable,
    "jt"
);

/// A list of values stored in the function's value pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ValueList {
    /// Index of the first value in the pool.
    pub start: u32,
    /// Number of values.
    pub len: u32,
}

impl ValueList {
    /// The empty list.
    pub const EMPTY: ValueList = ValueList { start: 0, len: 0 };
    /// Its length.
    pub const fn len(self) -> usize {
        self.len as usize
    }
    /// Whether it is empty.
    pub const fn is_empty(self) -> bool {
        self.len == 0
    }
}
