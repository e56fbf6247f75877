//! (in progress)
use crate::Function;
/// Runs the pass; returns whether it changed anything.
pub fn run(_func: &mut Function) -> bool {
    false
}
