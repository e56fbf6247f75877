//! strata-frontend: module decoding and validation ([`module`]), the
//! VMContext layout ([`vmoffsets`]), and the IR builders ([`baseline`]; the
//! SSA builder of the optimizing tier comes later).

pub mod baseline;
pub mod module;
pub mod ssa;
pub mod vmoffsets;
