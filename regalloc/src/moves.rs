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
//!
//! Cost: the allocator sequences one parallel move per program point that
//! needs any, and almost all of them have one to three moves, so
//! [`Sequencer`] works on moves by index with reusable buffers (no allocation
//! once warm) and finds a location's writer by a linear scan; only sets of
//! more than [`SMALL`] moves index their destinations in a hash map.

use crate::{Allocation, PReg, RegClass};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

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

/// Parallel moves of at most this many moves find locations by linear scans;
/// larger ones use a hash map.
pub const SMALL: usize = 16;

/// "No move" in the index links of [`Sequencer`].
const NONE: u32 = u32::MAX;

/// A multiplicative hasher for [`Allocation`] keys (a few bytes each; no
/// attacker controls them, so SipHash's protection is not needed).
#[derive(Default)]
struct LocHasher(u64);

impl Hasher for LocHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.write_u64(i as u64);
    }
}

type LocMap = HashMap<Allocation, u32, BuildHasherDefault<LocHasher>>;

/// Reusable state of [`sequence`]: keep one per allocation (or per thread)
/// and call [`Sequencer::sequence`] for each parallel move, so the buffers
/// are allocated once.
#[derive(Default)]
pub struct Sequencer {
    /// The moves left after dropping self-moves and duplicates.
    pending: Vec<Move>,
    /// Per pending move: the pending move that writes its source (`NONE` if
    /// none does, or once it reads a cycle's saved value instead).
    writer: Vec<u32>,
    /// Per pending move: how many pending moves still read its destination.
    readers: Vec<u32>,
    /// Per pending move: emitted.
    done: Vec<bool>,
    /// Per pending move: reads a scratch register holding a cycle's value.
    reads_held: Vec<bool>,
    /// Ready moves (a stack: emitted depth-first).
    ready: Vec<u32>,
    /// Scratch registers free to use, in order of preference.
    free_scratch: Vec<PReg>,
    /// Scratch registers holding a cycle's saved value.
    held: Vec<PReg>,
    /// For large sets: destination -> pending index.
    dest_index: LocMap,
}

impl Sequencer {
    /// A sequencer with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Like [`sequence`], but appends the sequence to `out` (which is not
    /// cleared) and reuses this sequencer's buffers.
    pub fn sequence(
        &mut self,
        moves: &[Move],
        scratch: &[PReg],
        out: &mut Vec<Move>,
    ) -> Result<(), SequenceError> {
        match moves {
            [] => Ok(()),
            [m] => sequence_one(*m, scratch, out),
            _ if moves.len() <= SMALL && independent(moves) => {
                // What the general case emits for independent moves: all
                // are ready at once, and the ready stack pops the last
                // first.
                out.extend(moves.iter().rev());
                Ok(())
            }
            _ => self.sequence_general(moves, scratch, out),
        }
    }

    /// The index of the pending move writing `loc`, if any.
    fn writer_of(&self, loc: Allocation, large: bool) -> u32 {
        if large {
            self.dest_index.get(&loc).copied().unwrap_or(NONE)
        } else {
            self.pending
                .iter()
                .position(|p| p.to == loc)
                .map_or(NONE, |j| j as u32)
        }
    }

    fn sequence_general(
        &mut self,
        moves: &[Move],
        scratch: &[PReg],
        out: &mut Vec<Move>,
    ) -> Result<(), SequenceError> {
        let large = moves.len() > SMALL;
        // Validate, drop self-moves and duplicates.
        self.pending.clear();
        if large {
            self.dest_index.clear();
        }
        for &m in moves {
            check_move(m)?;
            if m.from == m.to {
                continue;
            }
            let j = self.writer_of(m.to, large);
            if j != NONE {
                if self.pending[j as usize] == m {
                    continue;
                }
                return Err(SequenceError::DuplicateDestination(m.to));
            }
            if large {
                self.dest_index.insert(m.to, self.pending.len() as u32);
            }
            self.pending.push(m);
        }
        let n = self.pending.len();
        if n == 0 {
            return Ok(());
        }
        // Free scratch registers: those not mentioned by any move.
        self.free_scratch.clear();
        for &r in scratch {
            let a = Allocation::Reg(r);
            if self.free_scratch.last() != Some(&r)
                && !self.pending.iter().any(|m| m.from == a || m.to == a)
            {
                self.free_scratch.push(r);
            }
        }
        // Links: the writer of each move's source, readers of each
        // destination.
        self.writer.clear();
        self.readers.clear();
        self.readers.resize(n, 0);
        for k in 0..n {
            let j = self.writer_of(self.pending[k].from, large);
            self.writer.push(j);
            if j != NONE {
                self.readers[j as usize] += 1;
            }
        }
        self.done.clear();
        self.done.resize(n, false);
        self.reads_held.clear();
        self.reads_held.resize(n, false);
        self.ready.clear();
        self.ready
            .extend((0..n as u32).filter(|&i| self.readers[i as usize] == 0));
        self.held.clear();
        out.reserve(n + 2);
        let mut remaining = n;
        let mut next_unfinished = 0;
        loop {
            while let Some(i) = self.ready.pop() {
                let i = i as usize;
                let m = self.pending[i];
                self.done[i] = true;
                remaining -= 1;
                if is_stack(m.from) && is_stack(m.to) {
                    let t = take_scratch(&mut self.free_scratch, m.class)?;
                    out.push(Move::new(m.from, Allocation::Reg(t), m.class));
                    out.push(Move::new(Allocation::Reg(t), m.to, m.class));
                    self.free_scratch.push(t);
                } else {
                    out.push(m);
                }
                if self.reads_held[i] {
                    // A cycle's saved value has been consumed (by its only
                    // reader).
                    let Allocation::Reg(r) = m.from else {
                        unreachable!("a held value is in a register")
                    };
                    let pos = self.held.iter().position(|&h| h == r).expect("held");
                    self.held.swap_remove(pos);
                    self.free_scratch.push(r);
                } else {
                    let j = self.writer[i];
                    if j != NONE {
                        let j = j as usize;
                        self.readers[j] -= 1;
                        if self.readers[j] == 0 && !self.done[j] {
                            self.ready.push(j as u32);
                        }
                    }
                }
            }
            if remaining == 0 {
                break;
            }
            // Only cycles remain: break one.
            while self.done[next_unfinished] {
                next_unfinished += 1;
            }
            let i = next_unfinished;
            let b = self.pending[i].to;
            let class = self.pending[i].class;
            let s = take_scratch(&mut self.free_scratch, class)?;
            self.held.push(s);
            let sa = Allocation::Reg(s);
            out.push(Move::new(b, sa, class));
            // Redirect the (single) pending reader of b to the scratch.
            let j = (0..n)
                .find(|&j| !self.done[j] && self.pending[j].from == b)
                .expect("a cycle has a reader");
            self.pending[j].from = sa;
            self.writer[j] = NONE;
            self.reads_held[j] = true;
            self.readers[i] = 0;
            self.ready.push(i as u32);
        }
        Ok(())
    }
}

fn check_move(m: Move) -> Result<(), SequenceError> {
    for loc in [m.from, m.to] {
        match loc {
            Allocation::None => return Err(SequenceError::BadMove(m)),
            Allocation::Reg(r) if r.class() != m.class => {
                return Err(SequenceError::BadMove(m));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether the parallel move of `m` alone is `m` itself: a well-formed move
/// that is not a self-move and has a register on at least one side.
#[inline]
pub(crate) fn is_plain(m: Move) -> bool {
    m.from != m.to && !(is_stack(m.from) && is_stack(m.to)) && check_move(m).is_ok()
}

/// Whether no move of `moves` reads another's destination, each is well
/// formed, has distinct locations and a register on one side, and the
/// destinations are distinct: then the moves may be made in any order and
/// need no scratch register.
fn independent(moves: &[Move]) -> bool {
    moves.iter().enumerate().all(|(k, m)| {
        m.from != m.to
            && !(is_stack(m.from) && is_stack(m.to))
            && check_move(*m).is_ok()
            && moves[..k].iter().all(|p| p.to != m.to)
            && moves.iter().all(|p| p.to != m.from)
    })
}

/// A parallel move of one move.
fn sequence_one(m: Move, scratch: &[PReg], out: &mut Vec<Move>) -> Result<(), SequenceError> {
    check_move(m)?;
    if m.from == m.to {
        return Ok(());
    }
    if is_stack(m.from) && is_stack(m.to) {
        // Neither side is a register, so every scratch register is free.
        let t = scratch
            .iter()
            .copied()
            .find(|r| r.class() == m.class)
            .ok_or(SequenceError::NoScratch(m.class))?;
        out.push(Move::new(m.from, Allocation::Reg(t), m.class));
        out.push(Move::new(Allocation::Reg(t), m.to, m.class));
    } else {
        out.push(m);
    }
    Ok(())
}

/// Orders the parallel move `moves` into a sequence of single moves with the
/// same effect on every destination. Self-moves and exact duplicates are
/// dropped. `scratch` lists the scratch registers that may be clobbered (any
/// class; those mentioned by `moves` are skipped). The output contains no
/// stack-to-stack move.
///
/// (Allocates its buffers; hot loops should keep a [`Sequencer`].)
pub fn sequence(moves: &[Move], scratch: &[PReg]) -> Result<Vec<Move>, SequenceError> {
    let mut out = Vec::new();
    Sequencer::new().sequence(moves, scratch, &mut out)?;
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
    /// The original HashMap-based sequencer, kept as an oracle: the fast
    /// one must produce exactly the same sequence.
    fn reference_sequence(moves: &[Move], scratch: &[PReg]) -> Result<Vec<Move>, SequenceError> {
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

    /// Sequences `par` with a shared (reused) sequencer and with the
    /// reference implementation; both must agree exactly, errors included.
    fn same_as_reference(seq: &mut Sequencer, par: &[Move], scratch: &[PReg]) {
        let mut out = vec![mv(r(9), r(8))];
        let fast = seq
            .sequence(par, scratch, &mut out)
            .map(|()| out[1..].to_vec());
        assert_eq!(fast, reference_sequence(par, scratch), "{par:?}");
    }

    #[test]
    fn large_sets_and_errors_match_the_reference() {
        let mut seq = Sequencer::new();
        // Rotations (one cycle) of registers and of stack slots, a fan-out,
        // duplicates, malformed moves and short scratch lists.
        let loc = |i: u32| {
            if i.is_multiple_of(3) {
                s(i)
            } else {
                r((i % 14) as u8)
            }
        };
        let rot: Vec<Move> = (0..13u8).map(|i| mv(r(i), r((i + 1) % 13))).collect();
        same_as_reference(&mut seq, &rot, &SCRATCH);
        check(&rot);
        let stack_rot: Vec<Move> = (0..30u32).map(|i| mv(s(i), s((i + 1) % 30))).collect();
        same_as_reference(&mut seq, &stack_rot, &SCRATCH);
        check(&stack_rot);
        let fan: Vec<Move> = (1..40u32).map(|i| mv(loc(0), s(100 + i))).collect();
        same_as_reference(&mut seq, &fan, &SCRATCH);
        let mut dup = fan.clone();
        dup.push(mv(r(3), s(120)));
        same_as_reference(&mut seq, &dup, &SCRATCH);
        dup.push(fan[5]);
        same_as_reference(&mut seq, &dup, &SCRATCH);
        let mut bad = fan.clone();
        bad.insert(7, mv(Allocation::None, r(1)));
        same_as_reference(&mut seq, &bad, &SCRATCH);
        bad[7] = Move::new(r(1), r(2), RegClass::Float);
        same_as_reference(&mut seq, &bad, &SCRATCH);
        same_as_reference(&mut seq, &stack_rot, &SCRATCH[..1]);
        same_as_reference(&mut seq, &stack_rot, &[]);
        same_as_reference(&mut seq, &[mv(s(1), s(2))], &[]);
        same_as_reference(&mut seq, &[mv(s(1), s(2))], &SCRATCH[1..]);
        same_as_reference(&mut seq, &[mv(s(1), s(1))], &[]);
        same_as_reference(&mut seq, &[mv(Allocation::None, s(1))], &[]);
        // Duplicated scratch registers in the list.
        let scratch = [SCRATCH[0], SCRATCH[0], SCRATCH[1], SCRATCH[0]];
        same_as_reference(&mut seq, &stack_rot, &scratch);
        same_as_reference(&mut seq, &[mv(r(0), r(1)), mv(r(1), r(0))], &scratch);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn random_moves_match_the_reference(
            pairs in proptest::collection::vec((0u8..40, 0u8..40, 0u8..8), 0..40),
            n_scratch in 0usize..4,
        ) {
            // Registers 0..14 (either class) and 16..20, stack slots above;
            // some destinations repeat (duplicates or conflicts).
            let loc = |i: u8, c: RegClass| match i {
                0..14 => Allocation::Reg(PReg::new(i, c)),
                14..20 => Allocation::Reg(PReg::new(i + 2, c)),
                _ => s(u32::from(i)),
            };
            let mut par = Vec::new();
            for (a, b, k) in pairs {
                let c = if k == 7 { RegClass::Float } else { RegClass::Int };
                par.push(Move::new(loc(a, c), loc(b, c), c));
                if k == 6 {
                    par.push(Move::new(loc(a, c), loc(b, c), c));
                }
            }
            let scratch = [
                SCRATCH[0],
                PReg::new(14, RegClass::Float),
                SCRATCH[1],
                PReg::new(15, RegClass::Float),
            ];
            let mut seq = Sequencer::new();
            same_as_reference(&mut seq, &par, &scratch[..n_scratch]);
            // Unique destinations: the sequence must also be correct.
            let mut seen = std::collections::HashSet::new();
            par.retain(|m| m.class == RegClass::Int && seen.insert(m.to));
            same_as_reference(&mut seq, &par, &scratch[..n_scratch]);
            if n_scratch == 4 {
                check(&par);
            }
        }


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
