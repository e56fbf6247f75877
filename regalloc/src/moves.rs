//! Parallel-move sequencing.
//!
//! A *parallel move* is a set of copies `from -> to` that conceptually happen
//! at once: every source is read before any destination is written. Machines
//! execute moves one at a time, so [`sequence`] orders them and breaks cycles.
//!
//! Algorithm: a move is *ready* when no pending move still reads its
//! destination; ready moves are emitted (depth-first, so that a chain
//! `a->b, b->c` comes out as `b->c, a->b`). When nothing is ready, the pending
//! moves form disjoint simple cycles (every location is written at most once,
//! so a location has at most one incoming move); one destination of a cycle is
//! saved in a scratch register, the move that read it is redirected to read the
//! scratch, and the cycle unrolls. A stack-to-stack move is emitted as two moves
//! through a scratch register, so the result never copies memory to memory.
//!
//! Invariants of the input (checked, reported as [`SequenceError`]):
//! destinations are pairwise distinct; the class of a register location
//! matches the move's class. Scratch registers that appear in the move set as a
//! source or a destination are not used as scratch. At most two scratch
//! registers of a class are ever needed at once (one holding a cycle's saved
//! value, one for a memory-to-memory copy), and one suffices if the set has no
//! stack-to-stack move inside a cycle.

use crate::{Allocation, PReg, RegClass};
use std::collections::HashMap;
use std::fmt;

/// One copy of a value of class `class` from `from` to `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Move {
    /// Source location.
    pub from: Allocation,
    /// Destination location.
    pub to: Allocation,
    /// The class of the value moved.
    pub class: RegClass,
}

impl Move {
    /// A move of class `class`.
    pub const fn new(from: Allocation, to: Allocation, class: RegClass) -> Move {
        Move { from, to, class }
    }
}

/// Why a parallel move could not be sequenced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SequenceError {
    /// Two moves write the same location with different sources.
    DuplicateDestination(Allocation),
    /// A move mentions `Allocation::None` or a register of the wrong class.
    BadMove(Move),
    /// A cycle or a stack-to-stack move needed a scratch register of this
    /// class and none was free.
    NoScratch(RegClass),
}

impl fmt::Display for SequenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SequenceError::DuplicateDestination(a) => {
                write!(f, "parallel move writes {a:?} twice")
            }
            SequenceError::BadMove(m) => write!(f, "malformed move {m:?}"),
            SequenceError::NoScratch(c) => {
                write!(f, "parallel move needs a free {c:?} scratch register")
            }
        }
    }
}

impl std::error::Error for SequenceError {}

fn is_stack(a: Allocation) -> bool {
    matches!(a, Allocation::Stack(_))
}

/// Orders the parallel move `moves` into a sequence of single moves with the
/// same effect on every destination. Self-moves and exact duplicates are
/// dropped. `scratch` lists the scratch registers that may be clobbered (any
/// class; those mentioned by `moves` are skipped). The output contains no
/// stack-to-stack move.
pub fn sequence(moves: &[Move], scratch: &[PReg]) -> Result<Vec<Move>, SequenceError> {
    // Validate, drop self-moves and duplicates.
    let mut pending: Vec<Move> = Vec::with_capacity(moves.len());
    let mut dest_index: HashMap<Allocation, usize> = HashMap::with_capacity(moves.len());
    for &m in moves {
        for loc in [m.from, m.to] {
            match loc {
                Allocation::None => return Err(SequenceError::BadMove(m)),
                Allocation::Reg(r) if r.class() != m.class => {
                    return Err(SequenceError::BadMove(m));
                }
                _ => {}
            }
        }
        if m.from == m.to {
            continue;
        }
        if let Some(&j) = dest_index.get(&m.to) {
            if pending[j] == m {
                continue;
            }
            return Err(SequenceError::DuplicateDestination(m.to));
        }
        dest_index.insert(m.to, pending.len());
        pending.push(m);
    }
    // Free scratch registers: those not mentioned by any move.
    let mut free_scratch: Vec<PReg> = scratch
        .iter()
        .copied()
        .filter(|&r| {
            let a = Allocation::Reg(r);
            !pending.iter().any(|m| m.from == a || m.to == a)
        })
        .collect();
    free_scratch.dedup();

    // readers[loc] = number of pending moves reading loc.
    let mut readers: HashMap<Allocation, usize> = HashMap::with_capacity(pending.len());
    for m in &pending {
        *readers.entry(m.from).or_insert(0) += 1;
    }
    let mut done = vec![false; pending.len()];
    let mut out = Vec::with_capacity(pending.len() + 2);
    let mut ready: Vec<usize> = (0..pending.len())
        .filter(|&i| readers.get(&pending[i].to).copied().unwrap_or(0) == 0)
        .collect();
    let mut remaining = pending.len();
    let mut next_unfinished = 0;
    // Scratch registers holding a cycle's saved value.
    let mut held: Vec<PReg> = Vec::new();
    loop {
        while let Some(i) = ready.pop() {
            let m = pending[i];
            done[i] = true;
            remaining -= 1;
            if is_stack(m.from) && is_stack(m.to) {
                let t = take_scratch(&mut free_scratch, m.class)?;
                out.push(Move::new(m.from, Allocation::Reg(t), m.class));
                out.push(Move::new(Allocation::Reg(t), m.to, m.class));
                free_scratch.push(t);
            } else {
                out.push(m);
            }
            let count = readers.get_mut(&m.from).expect("reader count");
            *count -= 1;
            if *count == 0 {
                if let Allocation::Reg(r) = m.from
                    && let Some(pos) = held.iter().position(|&h| h == r)
                {
                    // A cycle's saved value has been consumed.
                    held.swap_remove(pos);
                    free_scratch.push(r);
                }
                if let Some(&j) = dest_index.get(&m.from)
                    && !done[j]
                {
                    ready.push(j);
                }
            }
        }
        if remaining == 0 {
            break;
        }
        // Only cycles remain: break one.
        while done[next_unfinished] {
            next_unfinished += 1;
        }
        let i = next_unfinished;
        let b = pending[i].to;
        let class = pending[i].class;
        let s = take_scratch(&mut free_scratch, class)?;
        held.push(s);
        let sa = Allocation::Reg(s);
        out.push(Move::new(b, sa, class));
        // Redirect the (single) pending reader of b to the scratch.
        let j = (0..pending.len())
            .find(|&j| !done[j] && pending[j].from == b)
            .expect("a cycle has a reader");
        pending[j].from = sa;
        readers.insert(b, 0);
        *readers.entry(sa).or_insert(0) += 1;
        ready.push(i);
    }
    Ok(out)
}

fn take_scratch(free: &mut Vec<PReg>, class: RegClass) -> Result<PReg, SequenceError> {
    let pos = free
        .iter()
        .position(|r| r.class() == class)
        .ok_or(SequenceError::NoScratch(class))?;
    Ok(free.remove(pos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SpillSlot;
    use proptest::prelude::*;

    fn r(i: u8) -> Allocation {
        Allocation::Reg(PReg::new(i, RegClass::Int))
    }
    fn s(i: u32) -> Allocation {
        Allocation::Stack(SpillSlot(i))
    }
    fn mv(from: Allocation, to: Allocation) -> Move {
        Move::new(from, to, RegClass::Int)
    }
    const SCRATCH: [PReg; 2] = [PReg::new(14, RegClass::Int), PReg::new(15, RegClass::Int)];

    /// Executes `moves` sequentially on a machine whose locations initially
    /// hold their own names; returns the final contents.
    fn run_seq(moves: &[Move]) -> HashMap<Allocation, Allocation> {
        let mut m: HashMap<Allocation, Allocation> = HashMap::new();
        for mv in moves {
            assert!(
                !(is_stack(mv.from) && is_stack(mv.to)),
                "memory-to-memory move {mv:?}"
            );
            let v = *m.get(&mv.from).unwrap_or(&mv.from);
            m.insert(mv.to, v);
        }
        m
    }

    /// Checks that the sequenced moves realise the parallel semantics on all
    /// non-scratch locations.
    fn check(par: &[Move]) {
        let seq = sequence(par, &SCRATCH).expect("sequence");
        let fin = run_seq(&seq);
        for m in par {
            assert_eq!(
                fin.get(&m.to).copied().unwrap_or(m.to),
                m.from,
                "{par:?} -> {seq:?}"
            );
        }
        // Locations not written by the parallel move keep their value.
        for (loc, val) in &fin {
            let scratch = matches!(loc, Allocation::Reg(r) if SCRATCH.contains(r));
            if !scratch && !par.iter().any(|m| m.to == *loc) {
                assert_eq!(val, loc, "{par:?} -> {seq:?}");
            }
        }
    }

    #[test]
    fn swap() {
        check(&[mv(r(0), r(1)), mv(r(1), r(0))]);
        let seq = sequence(&[mv(r(0), r(1)), mv(r(1), r(0))], &SCRATCH).unwrap();
        assert_eq!(seq.len(), 3);
    }

    #[test]
    fn three_cycle_and_chain() {
        check(&[mv(r(0), r(1)), mv(r(1), r(2)), mv(r(2), r(0))]);
        check(&[mv(r(0), r(1)), mv(r(1), r(2)), mv(r(2), r(3))]);
        let seq = sequence(&[mv(r(0), r(1)), mv(r(1), r(2))], &SCRATCH).unwrap();
        assert_eq!(seq, vec![mv(r(1), r(2)), mv(r(0), r(1))]);
    }

    #[test]
    fn fan_out_and_cycle_with_tail() {
        check(&[mv(r(0), r(1)), mv(r(0), r(2)), mv(r(0), s(3))]);
        check(&[
            mv(r(0), r(1)),
            mv(r(1), r(0)),
            mv(r(1), r(5)),
            mv(r(0), s(1)),
        ]);
    }

    #[test]
    fn stack_locations() {
        check(&[mv(s(0), s(1)), mv(s(1), s(0))]);
        check(&[mv(s(0), r(1)), mv(r(1), s(0))]);
        check(&[
            mv(s(0), s(1)),
            mv(s(1), s(2)),
            mv(s(2), r(3)),
            mv(r(3), s(0)),
        ]);
    }

    #[test]
    fn self_and_duplicate_moves() {
        assert_eq!(sequence(&[mv(r(1), r(1))], &SCRATCH).unwrap(), vec![]);
        assert_eq!(
            sequence(&[mv(r(0), r(1)), mv(r(0), r(1))], &SCRATCH).unwrap(),
            vec![mv(r(0), r(1))]
        );
        assert_eq!(
            sequence(&[mv(r(0), r(1)), mv(r(2), r(1))], &SCRATCH),
            Err(SequenceError::DuplicateDestination(r(1)))
        );
    }

    #[test]
    fn no_scratch_for_cycle() {
        assert_eq!(
            sequence(&[mv(r(0), r(1)), mv(r(1), r(0))], &[]),
            Err(SequenceError::NoScratch(RegClass::Int))
        );
        // A scratch that is part of the move set is not usable.
        assert_eq!(
            sequence(&[mv(r(0), r(14)), mv(r(14), r(0))], &SCRATCH[..1]),
            Err(SequenceError::NoScratch(RegClass::Int))
        );
        check(&[mv(r(0), r(14)), mv(r(14), r(0))]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn random_parallel_moves(
            pairs in proptest::collection::vec((0u8..10, 0u8..10), 0..12)
        ) {
            // Locations 0..6 are registers, 6..10 stack slots; destinations unique.
            let loc = |i: u8| if i < 6 { r(i) } else { s(u32::from(i)) };
            let mut par = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (a, b) in pairs {
                if seen.insert(b) {
                    par.push(mv(loc(a), loc(b)));
                }
            }
            check(&par);
        }
    }
}
