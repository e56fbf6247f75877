//! A symbolic checker for allocations.
//!
//! The checker runs an abstract interpreter over the allocated code. Its state
//! maps every location (register or spill slot) to the set of virtual
//! registers whose *current* value the location holds. Per instruction:
//! 1. the `Before` edits run in order (a move copies the source's set; a
//!    remat of vreg `v` must carry the constant `Function::remat_constant(v)`
//!    and a register destination of `v`'s class, which then holds `{v}`:
//!    the client promises `v` has a single definition producing exactly
//!    that constant);
//! 2. every use's allocation must hold its vreg and meet its constraint;
//! 3. defs must meet their constraints, be pairwise distinct, and early defs
//!    may not share a location with any use;
//! 4. clobbered registers are emptied, then each def's location becomes
//!    `{vreg}` and the vreg is removed from every other location (its old
//!    value is stale: the code need not be in SSA form);
//! 5. the `After` edits run (a branch may have none);
//! 6. scratch registers are emptied: nothing may expect them to survive.
//!
//! Blocks are processed to a fixpoint; a block's entry state is the
//! intersection of its predecessors' exit states (the entry block starts
//! empty). Errors are monotone in the state (a smaller state fails more), so
//! the first error found during the iteration is a real one.

use crate::{
    Allocation, Block, Edit, Function, Inst, MachineEnv, OperandConstraint, OperandKind,
    OperandPos, Output, PRegSet,
};
use smallvec::SmallVec;
use std::collections::{HashMap, VecDeque};

/// Location -> sorted vreg indices whose value it holds.
type State = HashMap<Allocation, SmallVec<[u32; 4]>>;

/// Checks that `out` is a correct allocation of `func` under `env`.
/// Returns a message naming the first error's instruction and vreg.
pub fn check<F: Function>(func: &F, env: &MachineEnv, out: &Output) -> Result<(), String> {
    let n = func.num_insts();
    if out.inst_alloc_offsets.len() != n {
        return Err(format!(
            "{} allocation offsets for {n} instructions",
            out.inst_alloc_offsets.len()
        ));
    }
    for i in 0..n {
        let start = out.inst_alloc_offsets[i] as usize;
        let end = out
            .inst_alloc_offsets
            .get(i + 1)
            .map_or(out.allocs.len(), |&e| e as usize);
        let want = func.inst_operands(Inst(i as u32)).len();
        if start > end || end > out.allocs.len() || end - start != want {
            return Err(format!(
                "inst{i}: {} allocations for {want} operands",
                end.saturating_sub(start)
            ));
        }
    }
    // Index edits by point.
    let mut starts = vec![0usize; 2 * n + 1];
    let mut prev = 0usize;
    for (k, (p, _)) in out.edits.iter().enumerate() {
        let idx = p.inst().index() * 2 + usize::from(p.is_after());
        if idx < prev || idx >= 2 * n {
            return Err(format!("edit {k} at {p:?} is out of order or range"));
        }
        for s in &mut starts[prev + 1..=idx] {
            *s = k;
        }
        prev = idx;
    }
    for s in &mut starts[prev + 1..] {
        *s = out.edits.len();
    }
    let scratch: PRegSet = env
        .scratch
        .iter()
        .flatten()
        .fold(PRegSet::empty(), |s, &r| s.with(r));
    let allocatable: PRegSet = env
        .regs
        .iter()
        .flatten()
        .fold(PRegSet::empty(), |s, &r| s.with(r));
    let cx = Checker {
        func,
        out,
        starts,
        scratch,
        regs: allocatable.union(scratch),
    };
    let nb = func.num_blocks();
    let mut ins: Vec<Option<State>> = vec![None; nb];
    ins[0] = Some(State::new());
    let mut queued = vec![false; nb];
    queued[0] = true;
    let mut work = VecDeque::from([0usize]);
    while let Some(b) = work.pop_front() {
        queued[b] = false;
        let mut st = ins[b].clone().expect("queued block has a state");
        cx.block(Block(b as u32), &mut st)?;
        for &s in func.block_succs(Block(b as u32)) {
            let si = s.index();
            let changed = match &mut ins[si] {
                None => {
                    ins[si] = Some(st.clone());
                    true
                }
                Some(old) => intersect(old, &st),
            };
            if changed && !queued[si] {
                queued[si] = true;
                work.push_back(si);
            }
        }
    }
    Ok(())
}

/// The state of a block being walked, with a reverse map (vreg -> locations
/// holding it) so that defs need not scan every location.
struct Walk<'s> {
    st: &'s mut State,
    holders: HashMap<u32, SmallVec<[Allocation; 2]>>,
}

impl<'s> Walk<'s> {
    fn new(st: &'s mut State) -> Self {
        let mut holders: HashMap<u32, SmallVec<[Allocation; 2]>> = HashMap::new();
        for (&loc, set) in st.iter() {
            for &v in set {
                holders.entry(v).or_default().push(loc);
            }
        }
        Walk { st, holders }
    }

    fn get(&self, loc: Allocation) -> Option<&SmallVec<[u32; 4]>> {
        self.st.get(&loc)
    }

    fn clear(&mut self, loc: Allocation) {
        if let Some(set) = self.st.remove(&loc) {
            for v in set {
                if let Some(h) = self.holders.get_mut(&v) {
                    h.retain(|l| *l != loc);
                }
            }
        }
    }

    fn set(&mut self, loc: Allocation, set: SmallVec<[u32; 4]>) {
        self.clear(loc);
        for &v in &set {
            self.holders.entry(v).or_default().push(loc);
        }
        if !set.is_empty() {
            self.st.insert(loc, set);
        }
    }

    /// `v` gets a new value in `loc`; copies elsewhere are stale.
    fn def(&mut self, v: u32, loc: Allocation) {
        if let Some(locs) = self.holders.remove(&v) {
            for l in locs {
                if let Some(set) = self.st.get_mut(&l) {
                    set.retain(|x| *x != v);
                    if set.is_empty() {
                        self.st.remove(&l);
                    }
                }
            }
        }
        self.set(loc, SmallVec::from_slice(&[v]));
    }
}

/// `a := a ∩ b`; returns whether `a` changed.
fn intersect(a: &mut State, b: &State) -> bool {
    let mut changed = false;
    a.retain(|loc, set| {
        let Some(other) = b.get(loc) else {
            changed = true;
            return false;
        };
        let len = set.len();
        set.retain(|v| other.contains(v));
        changed |= set.len() != len;
        !set.is_empty()
    });
    changed
}

struct Checker<'a, F: Function> {
    func: &'a F,
    out: &'a Output,
    starts: Vec<usize>,
    scratch: PRegSet,
    regs: PRegSet,
}

impl<F: Function> Checker<'_, F> {
    fn edits(&self, point: usize) -> &[(crate::ProgPoint, Edit)] {
        &self.out.edits[self.starts[point]..self.starts[point + 1]]
    }

    fn check_loc(&self, a: Allocation, class: crate::RegClass) -> Result<(), String> {
        match a {
            Allocation::None => Err("unallocated".into()),
            Allocation::Reg(r) if r.class() != class => {
                Err(format!("{r:?} is not a {class:?} register"))
            }
            Allocation::Stack(s) if s.index() >= self.out.num_spillslots => Err(format!(
                "{s:?} is beyond num_spillslots {}",
                self.out.num_spillslots
            )),
            _ => Ok(()),
        }
    }

    fn run_edits(&self, i: usize, point: usize, st: &mut Walk<'_>) -> Result<(), String> {
        for (_, e) in self.edits(point) {
            let (from, to, class) = match *e {
                Edit::Move { from, to, class } => (from, to, class),
                Edit::Remat {
                    vreg,
                    value,
                    to,
                    class,
                } => {
                    let bad =
                        |m: String| format!("inst{i}: bad remat of {vreg:?} into {to:?}: {m}");
                    if vreg.class() != class {
                        return Err(bad(format!("{vreg:?} is not of class {class:?}")));
                    }
                    self.check_loc(to, class).map_err(bad)?;
                    if to.as_reg().is_none() {
                        return Err(bad("not a register".into()));
                    }
                    match self.func.remat_constant(vreg) {
                        Some(c) if c == value => {}
                        c => {
                            return Err(bad(format!(
                                "value {value:#x}, but the constant is {c:x?}"
                            )));
                        }
                    }
                    st.set(to, SmallVec::from_slice(&[vreg.index() as u32]));
                    continue;
                }
            };
            let bad = |m: String| format!("inst{i}: bad move {from:?} -> {to:?}: {m}");
            self.check_loc(from, class).map_err(bad)?;
            self.check_loc(to, class).map_err(bad)?;
            if from.as_stack().is_some() && to.as_stack().is_some() {
                return Err(bad("memory to memory".into()));
            }
            let set = st.get(from).cloned().unwrap_or_default();
            st.set(to, set);
        }
        Ok(())
    }

    fn block(&self, b: Block, st: &mut State) -> Result<(), String> {
        let mut w = Walk::new(st);
        for inst in self.func.block_insns(b).iter() {
            self.inst(inst, &mut w)?;
        }
        Ok(())
    }

    fn inst(&self, inst: Inst, st: &mut Walk<'_>) -> Result<(), String> {
        let i = inst.index();
        let func = self.func;
        let ops = func.inst_operands(inst);
        let allocs = self.out.inst_allocs(inst);
        self.run_edits(i, 2 * i, st)?;
        for (k, (op, &a)) in ops.iter().zip(allocs).enumerate() {
            let v = op.vreg;
            let err = |m: String| format!("inst{i}: operand {k} ({v:?} in {a:?}): {m}");
            self.check_loc(a, v.class()).map_err(err)?;
            match op.constraint {
                OperandConstraint::Any => {}
                OperandConstraint::Reg => {
                    if !a.as_reg().is_some_and(|r| self.regs.contains(r)) {
                        return Err(err("needs an allocatable register".into()));
                    }
                }
                OperandConstraint::FixedReg(p) => {
                    if a != Allocation::Reg(p) {
                        return Err(err(format!("must be in {p:?}")));
                    }
                }
                OperandConstraint::Reuse(n) => {
                    if a.as_reg().is_none() || allocs.get(n as usize) != Some(&a) {
                        return Err(err(format!("must be in the register of operand {n}")));
                    }
                }
            }
            match op.kind {
                OperandKind::Use => {
                    let held = st.get(a);
                    if !held.is_some_and(|s| s.contains(&(v.index() as u32))) {
                        return Err(err(format!(
                            "the location holds {:?}, not {v:?}",
                            held.map(|s| s.iter().map(|&x| format!("v{x}")).collect::<Vec<_>>())
                                .unwrap_or_default()
                        )));
                    }
                }
                OperandKind::Def => {
                    for (m, (o2, &a2)) in ops.iter().zip(allocs).enumerate() {
                        if m == k || a2 != a {
                            continue;
                        }
                        let clash = match o2.kind {
                            OperandKind::Def => true,
                            OperandKind::Use => op.pos == OperandPos::Early,
                        };
                        if clash {
                            return Err(err(format!("shares its location with operand {m}")));
                        }
                    }
                }
            }
        }
        for r in func.inst_clobbers(inst).iter() {
            st.clear(Allocation::Reg(r));
        }
        for (op, &a) in ops.iter().zip(allocs) {
            if op.kind != OperandKind::Def {
                continue;
            }
            let v = op.vreg.index() as u32;
            st.def(v, a);
        }
        if func.is_branch(inst) && !self.edits(2 * i + 1).is_empty() {
            return Err(format!("inst{i}: edits after a branch"));
        }
        self.run_edits(i, 2 * i + 1, st)?;
        for r in self.scratch.iter() {
            st.clear(Allocation::Reg(r));
        }
        Ok(())
    }
}
