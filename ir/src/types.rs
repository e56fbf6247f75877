//! Value types.

use std::fmt;

/// The type of an IR value. Pointers are `I64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// 32-bit integer (kept zero-extended in 64-bit registers).
    I32,
    /// 64-bit integer or pointer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
}

impl Type {
    /// Whether this is an integer type.
    pub const fn is_int(self) -> bool {
        matches!(self, Type::I32 | Type::I64)
    }
    /// Whether this is a float type.
    pub const fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }
    /// Size in bytes.
    pub const fn bytes(self) -> u32 {
        match self {
            Type::I32 | Type::F32 => 4,
            Type::I64 | Type::F64 => 8,
        }
    }
    /// The text name (`i32`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F32 => "f32",
            Type::F64 => "f64",
        }
    }
    /// Parses a text name.
    pub fn from_name(s: &str) -> Option<Type> {
        Some(match s {
            "i32" => Type::I32,
            "i64" => Type::I64,
            "f32" => Type::F32,
            "f64" => Type::F64,
            _ => return None,
        })
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
