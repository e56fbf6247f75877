//! strata-frontend: module decoding and validation ([`module`]), the
//! VMContext layout ([`vmoffsets`]), and the two IR builders: [`baseline`]
//! (non-SSA, one pass) and [`ssa`] (SSA by Braun et al.'s on-the-fly
//! construction, for the optimizing tier), which share the translation of
//! the reference-types and bulk-memory operators (`bulk`).

pub mod baseline;
mod bulk;
pub mod module;
mod ops;
pub mod ssa;
mod visit;
pub mod vmoffsets;
