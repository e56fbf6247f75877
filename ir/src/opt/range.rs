//! Range-proven address offsets: `heap (x + c) + o` becomes `heap x + (o + c)`
//! when an upper bound of `x` proves that the 32-bit sum `x + c` cannot wrap.
//!
//! **Requires**: SSA form and a [`DomTree`] of the function as it is.
//! **Preserves**: the CFG (only the `addr` and `offset` of heap loads and
//! stores change; an `iadd` left without uses stays for `dce`).
//!
//! Wasm computes a heap address as `zext(addr) + offset` with `addr` an i32,
//! so `addr = x + c` wraps modulo 2^32 before the offset is added, while
//! the offset is added in 64 bits. The two agree exactly when `x + c` does
//! not wrap; then the access reads the same bytes and traps in the same
//! cases, and the code generator folds the offset into the addressing mode
//! instead of computing `x + c` into a register. Most such `c` are the
//! addresses of C arrays in linear memory, indexed by a loop counter.
//!
//! Upper bounds of i32 values (unsigned) come from:
//! - the shape of a value's definition: constants, masks, zero-extending
//!   loads, comparisons, shifts and remainders by constants, and sums,
//!   products, or/xor that provably do not wrap;
//! - the branch conditions that dominate the point of use: an edge taken
//!   only when `x <u y` bounds `x` by `max(y) - 1` in every block it
//!   dominates (also `<=u`, `>u`/`>=u` on their false edge, `==`);
//! - for a block parameter, the largest bound of its arguments, each taken
//!   on its edge (so `i = phi(0, i + 1)` with `i + 1 <u n` on the back edge
//!   is bounded by `n - 1`);
//! - counting loops that exit on `!=`: a parameter whose arguments are
//!   constants `c0` and, on edges where `p + s != n` (or `p != n - s`) is
//!   known, `p + s`,
//!   with `c0 <= n - s` and `n - c0` a multiple of `s`, never exceeds
//!   `n - s`; so those edges run at most `(n - s - c0) / s` times in a
//!   row, and another parameter of the block that gets `q + t` on each of
//!   them stays within its entry value plus `t` times that (an address
//!   advancing with the counter: `q = base + t * i`).
//!
//! Parameters start unbounded and their bounds only fall, round after
//! round over the parameters in reverse postorder (a later round sees the
//! bounds of back-edge arguments found in the one before): a descending
//! iteration, sound after every step, so it may stop after `MAX_ROUNDS`
//! without having settled.
//!
//! Cost: the bound of a value at a point looks through at most `DEPTH`
//! definitions and `DOM_STEPS` dominators each, so the pass is linear in
//! the size of the function, with a constant factor.

use std::collections::HashMap;

use smallvec::SmallVec;

use super::domtree::DomTree;
use crate::{
    AddrSpace, BinaryOp, Block, Function, Inst, InstData, IntCC, LoadOp, Type, UnaryOp, Value,
};

/// No bound: any u32.
const ALL: u64 = u32::MAX as u64;
/// Definitions looked through per bound.
const DEPTH: u32 = 4;
/// Dominators whose incoming branch conditions are consulted per bound.
const DOM_STEPS: u32 = 8;
/// Rounds over the block parameters.
const MAX_ROUNDS: u32 = 3;

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Def {
    None,
    Inst(u32),
    Param(u32, u32),
}

/// The pass's buffers, kept from one run to the next (see
/// [`super::Context`]).
#[derive(Debug, Default)]
pub struct Scratch {
    def: Vec<Def>,
    /// Upper bound of each i32 value valid wherever it is used (block
    /// parameters: from the rounds over their edges; others: `ALL`,
    /// refined where they are used).
    ub: Vec<u64>,
    /// `(block, parameter value)` of the i32 parameters of non-entry blocks,
    /// in reverse postorder.
    params: Vec<(Block, Value)>,
    /// Scratch: the edges into a block (see [`Edge`]).
    edges: Vec<Edge>,
    /// Per block asked about, the index in `counters` of its counter.
    counter: HashMap<Block, Option<usize>>,
    counters: Vec<Counting>,
    /// Per parameter: its bound as a counting loop's counter (`ALL`: it is
    /// none), or `NOT_YET`.
    own_count: Vec<u64>,
    /// Per block (by index), its range in `dom_conds`: the comparisons
    /// that hold wherever it runs, as `(lhs, rhs, cc)` already negated for
    /// a false arm, from the single-predecessor `brif` edges into it and
    /// its first `DOM_STEPS - 1` dominators (see [`Ctx::dominating_facts`]).
    dom_conds_at: Vec<(u32, u32)>,
    dom_conds: Vec<(Value, Value, IntCC)>,
}

/// Not computed yet (in [`Scratch::own_count`]).
const NOT_YET: u64 = u64::MAX;

/// Runs the pass with fresh buffers and its own dominator tree. Returns
/// whether anything changed.
pub fn run(func: &mut Function) -> bool {
    let dt = DomTree::compute(func);
    run_with(func, &dt, &mut Scratch::default())
}

/// Whether some heap access's address is an `iadd` (an offset to fold) or a
/// `shl` (a scaled index, which the parameters' bounds may let the code
/// generator fold): otherwise the pass has nothing to do and the caller can
/// skip the dominator tree. (Looks at the
/// whole instruction arena, instructions no longer in a block included: at
/// worst the pass runs for nothing.)
pub fn has_candidates(func: &Function) -> bool {
    let mut is_add = vec![false; func.num_values()];
    for data in &func.insts {
        if let InstData::Binary {
            op: BinaryOp::Iadd | BinaryOp::Shl,
            dst,
            ..
        } = *data
        {
            is_add[dst.index()] = true;
        }
    }
    func.insts.iter().any(|data| {
        heap_access(data)
            .is_some_and(|(addr, _)| is_add.get(addr.index()).copied().unwrap_or(false))
    })
}

/// The address and offset of a heap load or store.
fn heap_access(data: &InstData) -> Option<(Value, u32)> {
    match *data {
        InstData::Load {
            space: AddrSpace::Heap,
            addr,
            offset,
            ..
        }
        | InstData::Store {
            space: AddrSpace::Heap,
            addr,
            offset,
            ..
        } => Some((addr, offset)),
        _ => None,
    }
}

/// Runs the pass with the buffers of `s`; `dt` must be `func`'s dominator
/// tree. Returns whether anything changed.
pub fn run_with(func: &mut Function, dt: &DomTree, s: &mut Scratch) -> bool {
    let nv = func.num_values();
    s.def.clear();
    s.def.resize(nv, Def::None);
    s.ub.clear();
    s.ub.resize(nv, ALL);
    s.params.clear();
    s.counter.clear();
    s.counters.clear();
    s.own_count.clear();
    s.own_count.resize(nv, NOT_YET);
    s.dom_conds.clear();
    s.dom_conds_at.clear();
    s.dom_conds_at.resize(func.blocks.len(), (0, 0));
    let entry = func.entry_block();
    for &b in dt.rpo() {
        let bd = &func.blocks[b.index()];
        for (k, &p) in bd.params.iter().enumerate() {
            s.def[p.index()] = Def::Param(b.0, k as u32);
            if Some(b) != entry && func.value_type(p) == Type::I32 {
                s.params.push((b, p));
            }
        }
        for &i in &bd.insts {
            func.for_each_def(i, |v| s.def[v.index()] = Def::Inst(i.0));
        }
    }
    // The dominating comparisons of every block, gathered once: the
    // bounds below ask for them many times per block.
    for &b in dt.rpo() {
        let start = s.dom_conds.len() as u32;
        let mut x = b;
        for _ in 0..DOM_STEPS {
            if let [pr] = dt.cfg().preds(x)
                && let Some(t) = func.terminator(*pr)
                && let InstData::Brif {
                    cond,
                    then_dest,
                    else_dest,
                } = &func.insts[t.index()]
                && then_dest.block != else_dest.block
                && let Def::Inst(ci) = s.def[cond.index()]
                && let InstData::Icmp { cc, lhs, rhs, .. } = func.insts[ci as usize]
            {
                let cc = if then_dest.block == x { cc } else { negate(cc) };
                s.dom_conds.push((lhs, rhs, cc));
            }
            match dt.idom(x) {
                Some(d) if d != x => x = d,
                _ => break,
            }
        }
        s.dom_conds_at[b.index()] = (start, s.dom_conds.len() as u32);
    }
    // Unreachable blocks' values keep `Def::None` (bound `ALL`). Bounds
    // only fall, from `ALL`: every intermediate state is sound, so the
    // rounds may stop at any time.
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for k in 0..s.params.len() {
            let (b, p) = s.params[k];
            let new = param_bound(func, dt, s, b, p);
            if new < s.ub[p.index()] {
                s.ub[p.index()] = new;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let ctx = Ctx { func, s };
    let mut rewrites: Vec<(usize, Value, u32)> = Vec::new();
    for &b in dt.rpo() {
        for &i in &func.blocks[b.index()].insts {
            let Some((addr, offset)) = heap_access(&func.insts[i.index()]) else {
                continue;
            };
            let Def::Inst(d) = ctx.s.def[addr.index()] else {
                continue;
            };
            let InstData::Binary {
                op: BinaryOp::Iadd,
                lhs,
                rhs,
                ..
            } = func.insts[d as usize]
            else {
                continue;
            };
            let (x, c) = match (ctx.konst(rhs), ctx.konst(lhs)) {
                (Some(c), _) => (lhs, c),
                (None, Some(c)) => (rhs, c),
                (None, None) => continue,
            };
            let Some(new_offset) = offset.checked_add(c as u32) else {
                continue;
            };
            if ctx.bound_at(x, b, DEPTH) + c <= ALL {
                rewrites.push((i.index(), x, new_offset));
            }
        }
    }
    for &(i, x, o) in &rewrites {
        match &mut func.insts[i] {
            InstData::Load { addr, offset, .. } | InstData::Store { addr, offset, .. } => {
                *addr = x;
                *offset = o;
            }
            _ => unreachable!("only heap accesses are rewritten"),
        }
    }
    let scaled = scale_indices(func, dt, s);
    scaled || !rewrites.is_empty()
}

/// Scaled indices: a heap access at `x << k` (k = 1..=3) where the bound of
/// `x` at the access shows that the shift does not wrap. The shift's
/// result gets the bound of its unwrapped value in
/// [`Function::value_bounds`], which tells the code generator that `x`
/// scaled by `2^k` in the 64-bit addressing mode (`[base + x * 4 +
/// offset]`) is the same address. A shift with other uses, or in another
/// block, is computed again right before the access, for it alone (the
/// first then often has no uses left: `dce` follows). Returns whether
/// anything changed.
fn scale_indices(func: &mut Function, dt: &DomTree, s: &Scratch) -> bool {
    let mut uses = vec![0u32; func.num_values()];
    let mut block_of = vec![u32::MAX; func.insts.len()];
    for &b in dt.rpo() {
        for &i in &func.blocks[b.index()].insts {
            func.for_each_use(i, |v| uses[v.index()] += 1);
            block_of[i.index()] = b.0;
        }
    }
    // (block, position, access, shift, x, bound of the unwrapped result)
    let mut found: Vec<(Block, usize, Inst, Inst, u64)> = Vec::new();
    let ctx = Ctx { func, s };
    for &b in dt.rpo() {
        for (pos, &i) in func.blocks[b.index()].insts.iter().enumerate() {
            let Some((addr, _)) = heap_access(&func.insts[i.index()]) else {
                continue;
            };
            let Def::Inst(d) = s.def[addr.index()] else {
                continue;
            };
            let InstData::Binary {
                op: BinaryOp::Shl,
                lhs: x,
                rhs,
                ..
            } = func.insts[d as usize]
            else {
                continue;
            };
            let Some(k) = ctx
                .konst(rhs)
                .map(|k| k & 31)
                .filter(|k| (1..=3).contains(k))
            else {
                continue;
            };
            let bound = ctx.bound_at(x, b, DEPTH) << k;
            // (`u32::MAX` itself means "no bound" there.)
            if bound < ALL {
                found.push((b, pos, i, Inst(d), bound));
            }
        }
    }
    if found.is_empty() {
        return false;
    }
    // New shifts go in before their accesses: (block, position, shift).
    let mut inserts: Vec<(Block, usize, Inst)> = Vec::new();
    for &(b, pos, access, shift, bound) in &found {
        let InstData::Binary { dst, lhs, rhs, .. } = func.insts[shift.index()] else {
            continue;
        };
        let own = uses[dst.index()] == 1 && block_of[shift.index()] == b.0;
        let v = if own {
            dst
        } else {
            let v = func.new_value(Type::I32);
            let srcloc = func.srclocs[shift.index()];
            let data = InstData::Binary {
                op: BinaryOp::Shl,
                dst: v,
                lhs,
                rhs,
            };
            let i = func.new_inst(data, srcloc);
            inserts.push((b, pos, i));
            match &mut func.insts[access.index()] {
                InstData::Load { addr, .. } | InstData::Store { addr, .. } => *addr = v,
                _ => unreachable!("only heap accesses are found"),
            }
            v
        };
        if func.value_bounds.len() <= v.index() {
            func.value_bounds.resize(func.num_values(), u32::MAX);
        }
        func.value_bounds[v.index()] = bound as u32;
    }
    // (`found`, and so `inserts`, is in block order, each block's in
    // position order.)
    let mut k = 0;
    while k < inserts.len() {
        let b = inserts[k].0;
        let old = std::mem::take(&mut func.blocks[b.index()].insts);
        let mut insts = Vec::with_capacity(old.len() + inserts.len() - k);
        for (pos, i) in old.into_iter().enumerate() {
            while k < inserts.len() && inserts[k].0 == b && inserts[k].1 == pos {
                insts.push(inserts[k].2);
                k += 1;
            }
            insts.push(i);
        }
        func.blocks[b.index()].insts = insts;
    }
    true
}

/// The edges into block `b` with the arguments they pass to its parameter
/// number `k`, into `edges`; `false` if some edge passes none (`br_table`).
fn edges_into(func: &Function, dt: &DomTree, b: Block, k: usize, edges: &mut Vec<Edge>) -> bool {
    edges.clear();
    let preds = dt.cfg().preds(b);
    for (j, &pr) in preds.iter().enumerate() {
        // (A block's two edges into `b`, both arms of one `brif`, list it
        // twice in a row; the `brif` case below takes both.)
        if !dt.is_reachable(pr) || (j > 0 && preds[j - 1] == pr) {
            continue;
        }
        let Some(t) = func.terminator(pr) else {
            return false;
        };
        match &func.insts[t.index()] {
            InstData::Jump { dest } => {
                edges.push((pr, None, func.values(dest.args)[k]));
            }
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => {
                let two = then_dest.block != else_dest.block;
                for (dest, side) in [(then_dest, true), (else_dest, false)] {
                    if dest.block == b {
                        let side = if two { Some(side) } else { None };
                        edges.push((pr, side, func.values(dest.args)[k]));
                    }
                }
            }
            // `br_table` edges pass no arguments in SSA form: a parameter
            // of a block reached by one is unconstrained.
            _ => return false,
        }
    }
    true
}

/// The i32 parameters of a block tried as its counter (see
/// [`counter_of`]).
const COUNTER_TRIES: usize = 8;

/// The counter of block `b` (a parameter [`Ctx::counting`] accepts, among
/// its first [`COUNTER_TRIES`] i32 parameters), computed once per block.
fn counter_of(func: &Function, dt: &DomTree, s: &mut Scratch, b: Block) -> Option<usize> {
    if let Some(&k) = s.counter.get(&b) {
        return k;
    }
    let mut edges = std::mem::take(&mut s.edges);
    let mut found = None;
    let params = &func.blocks[b.index()].params;
    for (k, &p) in params
        .iter()
        .enumerate()
        .filter(|(_, p)| func.value_type(**p) == Type::I32)
        .take(COUNTER_TRIES)
    {
        if !edges_into(func, dt, b, k, &mut edges) {
            break;
        }
        let ctx = Ctx { func, s };
        if let Some(c) = ctx.counting(p, &edges) {
            found = Some(s.counters.len());
            s.counters.push(c);
            break;
        }
    }
    s.counter.insert(b, found);
    s.edges = edges;
    found
}

/// The bound of parameter `p` of block `b` implied by its incoming edges.
fn param_bound(func: &Function, dt: &DomTree, s: &mut Scratch, b: Block, p: Value) -> u64 {
    let Def::Param(_, k) = s.def[p.index()] else {
        return ALL;
    };
    let counter = counter_of(func, dt, s, b);
    let mut edges = std::mem::take(&mut s.edges);
    let result = if !edges_into(func, dt, b, k as usize, &mut edges) {
        ALL
    } else {
        let ctx = Ctx { func, s };
        let join = edges
            .iter()
            .map(|&(pr, side, a)| ctx.edge_bound(a, pr, side))
            .max()
            .unwrap_or(0);
        // (`counting` reads no bound of the rounds: once per parameter.)
        let own = match s.own_count[p.index()] {
            NOT_YET => ctx.counting(p, &edges).map_or(ALL, |c| c.bound),
            b => b,
        };
        let iv = match counter.map(|c| &s.counters[c]) {
            Some(c) if own == ALL && c.steps.len() == edges.len() => ctx.derived(p, &edges, c),
            _ => own,
        };
        s.own_count[p.index()] = own;
        iv.min(join)
    };
    s.edges = edges;
    result
}

struct Ctx<'a> {
    func: &'a Function,
    s: &'a Scratch,
}

/// What a branch condition says about one of its operands.
#[derive(Clone, Copy)]
enum Fact {
    /// `<= bound`.
    AtMost(u64),
    /// `!= n`.
    Not(u64),
}

impl Ctx<'_> {
    fn konst(&self, v: Value) -> Option<u64> {
        match self.s.def[v.index()] {
            Def::Inst(i) => match self.func.insts[i as usize] {
                InstData::Iconst { imm, .. } if self.func.value_type(v) == Type::I32 => {
                    Some(u64::from(imm as u32))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// An upper bound of `v` (an i32) at the end of block `pr`, refined by
    /// the edge's own condition when the edge is one arm (`side`) of a
    /// `brif`.
    fn edge_bound(&self, v: Value, pr: Block, side: Option<bool>) -> u64 {
        let mut b = self.bound_at(v, pr, DEPTH);
        if let Some(side) = side {
            self.branch_facts(pr, side, v, |f| {
                if let Fact::AtMost(m) = f {
                    b = b.min(m);
                }
            });
        }
        b
    }

    /// An upper bound of `v` wherever block `at` runs.
    fn bound_at(&self, v: Value, at: Block, depth: u32) -> u64 {
        if self.func.value_type(v) != Type::I32 {
            return ALL;
        }
        let mut b = self.s.ub[v.index()];
        if let Def::Inst(i) = self.s.def[v.index()]
            && depth > 0
        {
            b = b.min(self.shape_bound(i, at, depth - 1));
        }
        if b == 0 {
            return 0;
        }
        self.dominating_facts(at, v, |f| {
            if let Fact::AtMost(m) = f {
                b = b.min(m);
            }
        });
        b
    }

    /// The bound of instruction `i`'s i32 result from its operation and the
    /// bounds of its operands at `at`.
    fn shape_bound(&self, i: u32, at: Block, depth: u32) -> u64 {
        result_umax(
            &self.func.insts[i as usize],
            |x| self.bound_at(x, at, depth),
            |x| self.konst(x),
        )
    }

    /// Calls `f` with what the conditions of the single-predecessor edges
    /// into `at` and its dominators (`DOM_STEPS` blocks from `at` up the
    /// dominator tree) say about `v`.
    fn dominating_facts(&self, at: Block, v: Value, mut f: impl FnMut(Fact)) {
        let (start, end) = self
            .s
            .dom_conds_at
            .get(at.index())
            .copied()
            .unwrap_or((0, 0));
        for &(lhs, rhs, cc) in &self.s.dom_conds[start as usize..end as usize] {
            self.compare_facts(lhs, rhs, cc, v, &mut f);
        }
    }

    /// Calls `f` with what taking arm `side` of the `brif` ending `pr` says
    /// about `v`.
    fn branch_facts(&self, pr: Block, side: bool, v: Value, f: impl FnMut(Fact)) {
        let Some(t) = self.func.terminator(pr) else {
            return;
        };
        let InstData::Brif { cond, .. } = self.func.insts[t.index()] else {
            return;
        };
        let Def::Inst(ci) = self.s.def[cond.index()] else {
            return;
        };
        let InstData::Icmp { cc, lhs, rhs, .. } = self.func.insts[ci as usize] else {
            return;
        };
        let cc = if side { cc } else { negate(cc) };
        self.compare_facts(lhs, rhs, cc, v, f);
    }

    /// Calls `f` with what `lhs <cc> rhs` (known to hold) says about `v`.
    fn compare_facts(&self, lhs: Value, rhs: Value, cc: IntCC, v: Value, mut f: impl FnMut(Fact)) {
        // Normalize to `v <cc> other`.
        let (cc, other) = if lhs == v && rhs != v {
            (cc, rhs)
        } else if rhs == v && lhs != v {
            (swap(cc), lhs)
        } else {
            return;
        };
        let other_max = || self.s.ub[other.index()].min(self.konst(other).unwrap_or(ALL));
        match cc {
            IntCC::UnsignedLessThan => {
                let m = other_max();
                // (`v <u 0` never holds: the block is dead; say nothing.)
                if m > 0 {
                    f(Fact::AtMost(m - 1));
                }
            }
            IntCC::UnsignedLessThanOrEqual => f(Fact::AtMost(other_max())),
            IntCC::Equal => f(Fact::AtMost(other_max())),
            IntCC::NotEqual => {
                if let Some(n) = self.konst(other) {
                    f(Fact::Not(n));
                }
            }
            _ => {}
        }
    }

    /// A counting loop's parameter `p` exiting on `!=`: every edge passes
    /// either a constant `c0` or `p + s` on an edge where `p + s != n` (or
    /// `p != n - s`) is known, with one `s` and `n` for all, `0 < s`, `c0 <= n - s` and
    /// `(n - c0) % s == 0`: then `p <= n - s`, and the step edges are taken
    /// at most `(n - s - min c0) / s` times in a row.
    fn counting(&self, p: Value, edges: &[Edge]) -> Option<Counting> {
        let mut step: Option<(u64, u64)> = None;
        let mut steps = SmallVec::new();
        for &(pr, side, a) in edges {
            if self.konst(a).is_some() {
                steps.push(false);
                continue;
            }
            let s = self.step_of(a, p)?;
            if s == 0 || s > ALL / 2 {
                return None;
            }
            // `p != m` known on the edge is `p + s != m + s` (the test
            // before the increment: `if (i == m) break; i += s`).
            let n = self.known_not(pr, side, a).or_else(|| {
                let n = self.known_not(pr, side, p)? + s;
                (n <= ALL).then_some(n)
            })?;
            match step {
                None => step = Some((s, n)),
                Some(x) if x == (s, n) => {}
                Some(_) => return None,
            }
            steps.push(true);
        }
        let (s, n) = step?;
        if n < s {
            return None;
        }
        let mut min_c0 = None;
        for &(_, _, a) in edges {
            if let Some(c0) = self.konst(a) {
                if c0 > n - s || (n - c0) % s != 0 {
                    return None;
                }
                min_c0 = Some(min_c0.map_or(c0, |m: u64| m.min(c0)));
            }
        }
        Some(Counting {
            bound: n - s,
            max_steps: (n - s - min_c0?) / s,
            steps,
        })
    }

    /// A constant `n` with `v != n` known on the edge out of `pr` (`side`:
    /// which arm of its `brif`) or by a branch into a block dominating `pr`
    /// (the last one found).
    fn known_not(&self, pr: Block, side: Option<bool>, v: Value) -> Option<u64> {
        let mut n = None;
        let mut note = |f: Fact| {
            if let Fact::Not(x) = f {
                n = Some(x);
            }
        };
        if let Some(side) = side {
            self.branch_facts(pr, side, v, &mut note);
        }
        self.dominating_facts(pr, v, &mut note);
        n
    }

    /// `t` when `a` is `p + t` for a constant `t`.
    fn step_of(&self, a: Value, p: Value) -> Option<u64> {
        let Def::Inst(i) = self.s.def[a.index()] else {
            return None;
        };
        let InstData::Binary {
            op: BinaryOp::Iadd,
            lhs,
            rhs,
            ..
        } = self.func.insts[i as usize]
        else {
            return None;
        };
        match (lhs == p, rhs == p) {
            (true, false) => self.konst(rhs),
            (false, true) => self.konst(lhs),
            _ => None,
        }
    }

    /// The bound of parameter `q` of a block whose counting parameter is
    /// described by `c` (its edges in the same order as `edges`): on each
    /// of the counter's step edges `q` gets `q + t` (one constant `t`), on
    /// the others anything bounded. Between two entries through the other
    /// edges the step edges run at most `c.max_steps` times, so `q` stays
    /// within its entry bound plus `t * max_steps` (if that does not wrap).
    fn derived(&self, q: Value, edges: &[Edge], c: &Counting) -> u64 {
        let mut t = None;
        let mut entry = 0;
        for (&(pr, side, a), &step) in edges.iter().zip(&c.steps) {
            if step {
                let Some(x) = self.step_of(a, q) else {
                    return ALL;
                };
                if t.is_some_and(|t| t != x) {
                    return ALL;
                }
                t = Some(x);
            } else {
                entry = entry.max(self.edge_bound(a, pr, side));
            }
        }
        let Some(t) = t else { return ALL };
        let top = t.saturating_mul(c.max_steps).saturating_add(entry);
        if top <= ALL { top } else { ALL }
    }
}

/// A branch edge into a block and the argument it passes to one parameter:
/// `(predecessor, which arm of its brif (None: a jump, or both arms), arg)`.
type Edge = (Block, Option<bool>, Value);

/// What [`Ctx::counting`] found.
#[derive(Clone, Debug)]
struct Counting {
    bound: u64,
    /// The most times in a row the step edges can be taken.
    max_steps: u64,
    /// Per edge: a step edge (else an entry with a constant).
    steps: SmallVec<[bool; 4]>,
}

/// An upper bound of the unsigned value of the i32 result of `data` from
/// its operation alone, given upper bounds of its operands (`m`) and their
/// values when they are constants (`konst`): constants, masks,
/// zero-extending loads, comparisons, clz/ctz/popcnt, shifts, quotients and
/// remainders, and sums, products and or/xor that cannot wrap. `u32::MAX`
/// when the operation says nothing. Shared with instruction selection,
/// which bounds address arithmetic the same way.
pub fn result_umax(
    data: &InstData,
    m: impl Fn(Value) -> u64,
    konst: impl Fn(Value) -> Option<u64>,
) -> u64 {
    match *data {
        InstData::Iconst { imm, .. } => u64::from(imm as u32),
        InstData::Load {
            op: LoadOp::I32Load8U,
            ..
        } => 0xff,
        InstData::Load {
            op: LoadOp::I32Load16U,
            ..
        } => 0xffff,
        InstData::Icmp { .. } | InstData::Fcmp { .. } => 1,
        InstData::Unary { op, .. } => match op {
            UnaryOp::Eqz => 1,
            UnaryOp::Clz | UnaryOp::Ctz | UnaryOp::Popcnt => 32,
            _ => ALL,
        },
        InstData::Copy { src, .. } => m(src),
        InstData::Select {
            if_true, if_false, ..
        } => m(if_true).max(m(if_false)),
        InstData::Binary { op, lhs, rhs, .. } => match op {
            BinaryOp::And => m(lhs).min(m(rhs)),
            // Both below the next power of two.
            BinaryOp::Or | BinaryOp::Xor => {
                let x = m(lhs).max(m(rhs));
                u64::MAX.checked_shr(x.leading_zeros()).unwrap_or(0)
            }
            BinaryOp::Iadd => (m(lhs) + m(rhs)).min(ALL),
            BinaryOp::Imul => m(lhs).saturating_mul(m(rhs)).min(ALL),
            BinaryOp::Shl => match konst(rhs) {
                Some(k) => (m(lhs) << (k & 31)).min(ALL),
                None => ALL,
            },
            BinaryOp::ShrU => match konst(rhs) {
                Some(k) => m(lhs) >> (k & 31),
                None => m(lhs),
            },
            BinaryOp::DivU => m(lhs),
            BinaryOp::RemU => match konst(rhs) {
                Some(c) if c != 0 => m(lhs).min(c - 1),
                _ => m(lhs),
            },
            _ => ALL,
        },
        _ => ALL,
    }
}

/// `a <cc> b` as `b <swap(cc)> a`.
fn swap(cc: IntCC) -> IntCC {
    use IntCC::*;
    match cc {
        Equal | NotEqual => cc,
        SignedLessThan => SignedGreaterThan,
        SignedLessThanOrEqual => SignedGreaterThanOrEqual,
        SignedGreaterThan => SignedLessThan,
        SignedGreaterThanOrEqual => SignedLessThanOrEqual,
        UnsignedLessThan => UnsignedGreaterThan,
        UnsignedLessThanOrEqual => UnsignedGreaterThanOrEqual,
        UnsignedGreaterThan => UnsignedLessThan,
        UnsignedGreaterThanOrEqual => UnsignedLessThanOrEqual,
    }
}

/// The condition that holds when `cc` does not.
fn negate(cc: IntCC) -> IntCC {
    use IntCC::*;
    match cc {
        Equal => NotEqual,
        NotEqual => Equal,
        SignedLessThan => SignedGreaterThanOrEqual,
        SignedLessThanOrEqual => SignedGreaterThan,
        SignedGreaterThan => SignedLessThanOrEqual,
        SignedGreaterThanOrEqual => SignedLessThan,
        UnsignedLessThan => UnsignedGreaterThanOrEqual,
        UnsignedLessThanOrEqual => UnsignedGreaterThan,
        UnsignedGreaterThan => UnsignedLessThanOrEqual,
        UnsignedGreaterThanOrEqual => UnsignedLessThan,
    }
}
