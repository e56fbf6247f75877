//! strata-runtime: code memory, instances, linear memories, tables, globals,
//! host functions, and the signal-based trap machinery.

pub mod code_memory;
pub mod memory;
pub mod traphandlers;
