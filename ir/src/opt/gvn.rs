//! Global value numbering and redundant load elimination.
//!
//! **Requires**: SSA form. Computes its own [`DomTree`].
//! **Preserves**: the CFG (no block or edge is added or removed), so a
//! dominator tree or loop analysis computed before stays valid.
//! **Invalidates**: nothing else; it deletes instructions, so instruction
//! lists of blocks change. Redundant instructions are deleted outright (no
//! copies are left behind); their results are replaced everywhere by the
//! equivalent earlier value.
//!
//! # Value numbering
//!
//! The dominator tree is walked in preorder with a hash table scoped by the
//! walk: an entry made in block `b` is visible exactly in the blocks `b`
//! dominates. The key of an instruction is its opcode, operation, result
//! type, immediates and operands after replacement; commutative operations
//! order their operands by number, and comparisons swap their operands (and
//! condition) into that order too. (For `fadd`/`fmul` of two NaNs the
//! result's payload may then come from the other operand, which Wasm allows:
//! an arithmetic NaN result is nondeterministic.) Numbered instructions: `iconst` (i32 immediates by their low 32
//! bits), `fconst`, `vmctx`, unary and binary operations, `icmp`, `fcmp`,
//! `select`. `copy` is removed and its result replaced by its source.
//!
//! Trapping operations (division, remainder, trapping truncation) are
//! numbered as well: they only ever match a *dominating* identical
//! instruction, which has already trapped or succeeded on the same operands.
//!
//! # Loads
//!
//! Loads (both spaces: `vm` data changes through stores and calls too) are
//! never put in the scoped table. Instead, a short list of known memory
//! contents (at most [`MAX_KNOWN`] entries: `(space, address value, offset,
//! operation) -> value`) is carried along a block and on into a dominator-tree
//! child whose only predecessor is that block (single-predecessor chains);
//! any other block starts with nothing known. A load is replaced by
//! - an earlier load with the same operation, space, address value and
//!   offset (the earlier one already trapped or succeeded);
//! - the value of an earlier store to the same space, address value and
//!   offset, if the store and load are full-width of the same type (`store.i32`
//!   then `load.i32`, and so on for `i64`, `f32`, `f64`).
//!
//! A call forgets everything. A store forgets every entry of its space except
//! those provably disjoint from it: same address value and non-overlapping
//! byte ranges `[offset, offset + width)`. The `heap` and `vm` spaces never
//! alias. `trapif` and other instructions write no memory.
//!
//! Cost: one hash-table operation per instruction, plus O([`MAX_KNOWN`]) per
//! memory access; the walk uses an explicit stack.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::domtree::DomTree;
use crate::{
    AddrSpace, BinaryOp, Block, FloatCC, Function, Inst, InstData, IntCC, LoadOp, StoreOp, Type,
    UnaryOp, Value,
};

/// The most memory facts remembered at once (the oldest is forgotten first).
pub const MAX_KNOWN: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Iconst(Type, i64),
    Fconst(Type, u64),
    Vmctx,
    Unary(UnaryOp, Type, Value),
    Binary(BinaryOp, Type, Value, Value),
    Icmp(IntCC, Value, Value),
    Fcmp(FloatCC, Value, Value),
    Select(Type, Value, Value, Value),
}

#[derive(Clone, Copy, Debug)]
enum Known {
    Loaded(LoadOp, Value),
    Stored(StoreOp, Value),
}

#[derive(Clone, Copy, Debug)]
struct MemFact {
    space: AddrSpace,
    addr: Value,
    offset: u32,
    width: u32,
    what: Known,
}

enum Frame {
    /// Visit a block, starting with the memory facts `facts[start..end]`.
    Enter(Block, u32, u32),
    /// Leave a block's subtree: forget the keys logged from the first mark
    /// on and the inherited facts from the second.
    Exit(u32, u32),
}

/// A fast non-cryptographic hasher for the value-numbering table (the
/// multiply-rotate scheme of rustc's `FxHasher`).
#[derive(Default)]
pub(crate) struct FxHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.add(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type Table = HashMap<Key, Value, BuildHasherDefault<FxHasher>>;

/// The pass's buffers, kept from one run to the next (see
/// [`super::Context`]).
#[derive(Debug, Default)]
pub struct Scratch {
    alias: Vec<Option<Value>>,
    table: Table,
    log: Vec<Key>,
    stack: Vec<Frame>,
    /// Memory facts inherited by blocks waiting on `stack`.
    facts: Vec<MemFact>,
    mem: Vec<MemFact>,
    /// Whether the last run replaced an operand of a branch.
    rewrote_branch: bool,
}

impl Scratch {
    /// Whether the last run replaced an operand of a branch (a condition,
    /// an index or a block argument). Only then can it have left work for
    /// [`super::dce`]: a parameter whose arguments are now one value, a
    /// `brif` on a constant or to one block with equal arguments. (Deleted
    /// instructions leave no dead code behind: the equivalent value they are
    /// replaced by is computed from the same operands, or is the stored
    /// value of a store to the same address.)
    pub fn rewrote_branch(&self) -> bool {
        self.rewrote_branch
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Frame::Enter(b, s, e) => write!(f, "Enter({b}, {s}..{e})"),
            Frame::Exit(l, m) => write!(f, "Exit({l}, {m})"),
        }
    }
}

fn fcmp_swap(cc: FloatCC) -> FloatCC {
    match cc {
        FloatCC::Equal => FloatCC::Equal,
        FloatCC::NotEqual => FloatCC::NotEqual,
        FloatCC::LessThan => FloatCC::GreaterThan,
        FloatCC::LessThanOrEqual => FloatCC::GreaterThanOrEqual,
        FloatCC::GreaterThan => FloatCC::LessThan,
        FloatCC::GreaterThanOrEqual => FloatCC::LessThanOrEqual,
    }
}

/// The value-numbering key of a pure (or only-trapping) instruction whose
/// operands are already replaced.
pub(crate) fn key_of(func: &Function, data: &InstData) -> Option<(Key, Value)> {
    let ty = |v: Value| func.value_type(v);
    Some(match *data {
        InstData::Iconst { dst, imm } => {
            let imm = if ty(dst) == Type::I32 {
                imm as u32 as i64
            } else {
                imm
            };
            (Key::Iconst(ty(dst), imm), dst)
        }
        InstData::Fconst { dst, bits } => {
            let bits = if ty(dst) == Type::F32 {
                bits & 0xffff_ffff
            } else {
                bits
            };
            (Key::Fconst(ty(dst), bits), dst)
        }
        InstData::Vmctx { dst } => (Key::Vmctx, dst),
        InstData::Unary { op, dst, arg } => (Key::Unary(op, ty(dst), arg), dst),
        InstData::Binary { op, dst, lhs, rhs } => {
            let t = ty(dst);
            let (a, b) = if op.is_commutative() && rhs < lhs {
                (rhs, lhs)
            } else {
                (lhs, rhs)
            };
            (Key::Binary(op, t, a, b), dst)
        }
        InstData::Icmp { cc, dst, lhs, rhs } => {
            let k = if rhs < lhs {
                Key::Icmp(cc.swap_args(), rhs, lhs)
            } else {
                Key::Icmp(cc, lhs, rhs)
            };
            (k, dst)
        }
        InstData::Fcmp { cc, dst, lhs, rhs } => {
            let k = if rhs < lhs {
                Key::Fcmp(fcmp_swap(cc), rhs, lhs)
            } else {
                Key::Fcmp(cc, lhs, rhs)
            };
            (k, dst)
        }
        InstData::Select {
            dst,
            cond,
            if_true,
            if_false,
        } => (Key::Select(ty(dst), cond, if_true, if_false), dst),
        _ => return None,
    })
}

/// Calls `f` on every value `inst` reads, letting it replace the value
/// (branch and call arguments included).
pub(crate) fn rewrite_uses(func: &mut Function, inst: Inst, mut f: impl FnMut(&mut Value)) {
    let mut lists = [crate::ValueList::EMPTY; 2];
    match &mut func.insts[inst.index()] {
        InstData::Iconst { .. }
        | InstData::Fconst { .. }
        | InstData::Vmctx { .. }
        | InstData::Trap { .. } => {}
        InstData::Unary { arg, .. } => f(arg),
        InstData::Binary { lhs, rhs, .. }
        | InstData::Icmp { lhs, rhs, .. }
        | InstData::Fcmp { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        InstData::Select {
            cond,
            if_true,
            if_false,
            ..
        } => {
            f(cond);
            f(if_true);
            f(if_false);
        }
        InstData::Copy { src, .. } => f(src),
        InstData::Load { addr, .. } => f(addr),
        InstData::Store { addr, value, .. } => {
            f(addr);
            f(value);
        }
        InstData::Call { args, .. } => lists[0] = *args,
        InstData::Jump { dest } => lists[0] = dest.args,
        InstData::Brif {
            cond,
            then_dest,
            else_dest,
        } => {
            f(cond);
            lists = [then_dest.args, else_dest.args];
        }
        InstData::BrTable { index, .. } => f(index),
        InstData::Return { args } => lists[0] = *args,
        InstData::TrapIf { cond, .. } => f(cond),
    }
    for l in lists {
        let range = l.start as usize..(l.start + l.len) as usize;
        for v in &mut func.value_pool[range] {
            f(v);
        }
    }
}

/// Whether a store's value can stand for a later load of the same bytes.
fn forwards(store: StoreOp, load: LoadOp) -> bool {
    matches!(
        (store, load),
        (StoreOp::I32, LoadOp::I32)
            | (StoreOp::I64, LoadOp::I64)
            | (StoreOp::F32, LoadOp::F32)
            | (StoreOp::F64, LoadOp::F64)
    )
}

fn disjoint(a: &MemFact, addr: Value, offset: u32, width: u32) -> bool {
    a.addr == addr
        && (u64::from(a.offset) + u64::from(a.width) <= u64::from(offset)
            || u64::from(offset) + u64::from(width) <= u64::from(a.offset))
}

fn remember(mem: &mut Vec<MemFact>, fact: MemFact) {
    if mem.len() >= MAX_KNOWN {
        mem.remove(0);
    }
    mem.push(fact);
}

struct Gvn<'s> {
    /// Replacement of deleted values (`None`: the value stands for itself).
    /// A replacement is never itself replaced.
    alias: &'s mut Vec<Option<Value>>,
    table: &'s mut Table,
    /// Keys inserted, in order, for undoing scopes.
    log: &'s mut Vec<Key>,
    changed: bool,
    /// Whether an operand of a branch was replaced.
    rewrote_branch: bool,
}

impl Gvn<'_> {
    /// Replaces the operands of `i` that have an equivalent earlier value.
    fn rewrite(&mut self, func: &mut Function, i: Inst) {
        let alias = &*self.alias;
        let mut any = false;
        rewrite_uses(func, i, |v| {
            if let Some(Some(r)) = alias.get(v.index())
                && *v != *r
            {
                *v = *r;
                any = true;
            }
        });
        if any
            && matches!(
                func.insts[i.index()],
                InstData::Jump { .. } | InstData::Brif { .. } | InstData::BrTable { .. }
            )
        {
            self.rewrote_branch = true;
        }
    }

    fn replace(&mut self, dst: Value, by: Value) {
        self.alias[dst.index()] = Some(by);
        self.changed = true;
    }

    fn block(&mut self, func: &mut Function, b: Block, mem: &mut Vec<MemFact>) {
        // Kept instructions are compacted in place.
        let mut insts = std::mem::take(&mut func.blocks[b.index()].insts);
        let mut kept = 0;
        for k in 0..insts.len() {
            let i = insts[k];
            self.rewrite(func, i);
            if let InstData::Copy { dst, src } = func.insts[i.index()] {
                self.replace(dst, src);
                continue;
            }
            if let Some((key, dst)) = key_of(func, &func.insts[i.index()]) {
                match self.table.entry(key) {
                    std::collections::hash_map::Entry::Occupied(e) => {
                        let earlier = *e.get();
                        self.replace(dst, earlier);
                        continue;
                    }
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(dst);
                    }
                }
                self.log.push(key);
                insts[kept] = i;
                kept += 1;
                continue;
            }
            match func.insts[i.index()] {
                InstData::Load {
                    op,
                    space,
                    dst,
                    addr,
                    offset,
                } => {
                    let found = mem.iter().rev().find_map(|m| {
                        if m.space != space || m.addr != addr || m.offset != offset {
                            return None;
                        }
                        match m.what {
                            Known::Loaded(o, v) if o == op => Some(v),
                            Known::Stored(s, v) if forwards(s, op) => Some(v),
                            _ => None,
                        }
                    });
                    if let Some(v) = found {
                        self.replace(dst, v);
                        continue;
                    }
                    remember(
                        mem,
                        MemFact {
                            space,
                            addr,
                            offset,
                            width: op.width(),
                            what: Known::Loaded(op, dst),
                        },
                    );
                }
                InstData::Store {
                    op,
                    space,
                    addr,
                    value,
                    offset,
                } => {
                    let width = op.width();
                    mem.retain(|m| m.space != space || disjoint(m, addr, offset, width));
                    remember(
                        mem,
                        MemFact {
                            space,
                            addr,
                            offset,
                            width,
                            what: Known::Stored(op, value),
                        },
                    );
                }
                InstData::Call { .. } => mem.clear(),
                _ => {}
            }
            insts[kept] = i;
            kept += 1;
        }
        insts.truncate(kept);
        func.blocks[b.index()].insts = insts;
    }
}

/// Runs the pass; returns whether it changed anything.
pub fn run(func: &mut Function) -> bool {
    if func.entry_block().is_none() {
        return false;
    }
    let dt = DomTree::compute(func);
    run_with(func, &dt, &mut Scratch::default())
}

/// Runs the pass with `func`'s dominator tree `dt` and reusable buffers;
/// returns whether it changed anything.
pub fn run_with(func: &mut Function, dt: &DomTree, s: &mut Scratch) -> bool {
    let Some(entry) = func.entry_block() else {
        return false;
    };
    s.alias.clear();
    s.alias.resize(func.num_values(), None);
    s.table.clear();
    s.log.clear();
    s.facts.clear();
    s.mem.clear();
    let mut gvn = Gvn {
        alias: &mut s.alias,
        table: &mut s.table,
        log: &mut s.log,
        changed: false,
        rewrote_branch: false,
    };
    let stack = &mut s.stack;
    let facts = &mut s.facts;
    let mem = &mut s.mem;
    stack.clear();
    stack.push(Frame::Enter(entry, 0, 0));
    while let Some(frame) = stack.pop() {
        match frame {
            Frame::Exit(mark, facts_mark) => {
                for key in gvn.log.drain(mark as usize..) {
                    gvn.table.remove(&key);
                }
                facts.truncate(facts_mark as usize);
            }
            Frame::Enter(b, start, end) => {
                let mark = gvn.log.len() as u32;
                mem.clear();
                mem.extend_from_slice(&facts[start as usize..end as usize]);
                gvn.block(func, b, mem);
                let facts_mark = facts.len() as u32;
                stack.push(Frame::Exit(mark, facts_mark));
                let children = dt.children(b);
                let inherits = |c: Block| dt.cfg().preds(c) == [b] && !mem.is_empty();
                if children.iter().any(|&c| inherits(c)) {
                    facts.extend_from_slice(mem);
                }
                let end = facts.len() as u32;
                for &c in children.iter().rev() {
                    stack.push(if inherits(c) {
                        Frame::Enter(c, facts_mark, end)
                    } else {
                        Frame::Enter(c, 0, 0)
                    });
                }
            }
        }
    }
    if gvn.changed {
        // Unreachable blocks were not walked: rewrite their uses.
        for bi in 0..func.layout.len() {
            let b = func.layout[bi];
            if dt.is_reachable(b) {
                continue;
            }
            for k in 0..func.blocks[b.index()].insts.len() {
                let i = func.blocks[b.index()].insts[k];
                gvn.rewrite(func, i);
            }
        }
    }
    s.rewrote_branch = gvn.rewrote_branch;
    gvn.changed
}
