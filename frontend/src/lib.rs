//! strata-frontend: module decoding and validation ([`module`]), the
//! VMContext layout ([`vmoffsets`]), and the two IR builders: [`baseline`]
//! (non-SSA, one pass) and [`ssa`] (SSA by Braun et al.'s on-the-fly
//! construction, for the optimizing tier).

pub mod baseline;
pub mod module;
pub mod ssa;
pub mod vmoffsets;
