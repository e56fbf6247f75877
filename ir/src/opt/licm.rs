//! Loop-invariant code motion.
//!
//! **Requires**: SSA form, and that the entry block has no predecessors.
//! Computes its own [`DomTree`] and [`LoopInfo`], and sets every block's
//! `loop_depth` to its depth in the loop tree.
//! **Invalidates**: the CFG, dominator tree and loop analysis whenever it
//! creates a preheader (the function's `layout` gains a block before the
//! header); instruction lists of blocks change.
//!
//! An instruction is hoisted when it is pure and cannot trap — `iconst`,
//! `fconst`, `vmctx`, `copy`, `select`, `icmp`, `fcmp`, and unary and binary
//! operations other than division, remainder and trapping truncation — and
//! every operand is defined outside the loop (or by an instruction hoisted
//! already). Loads (which may trap or see a store), stores, calls, traps and
//! trapping operations never move, so no trap is moved, added or removed,
//! and no memory access is reordered.
//!
//! Rather than visiting loops innermost first and re-hoisting level by
//! level, each instruction moves once, straight to the preheader of the
//! outermost loop it is invariant in: blocks are visited in reverse
//! postorder (so operands are placed before their users), and for each
//! operand the outermost enclosing loop not containing its definition is
//! found by binary lifting over the loop tree. That keeps the pass at
//! O(n log depth) even for 10,000 nested loops. Hoisted instructions keep
//! their order, appended before the preheader's terminator.
//!
//! Identical instructions hoisted to the same preheader are merged: the
//! first one hoisted stays, and the later ones are deleted, their results
//! replaced everywhere by its result (the key is value numbering's, see
//! [`super::gvn`], over operands already replaced). Global value numbering
//! runs before this pass and cannot merge them: before hoisting they sit in
//! blocks of the loop that do not dominate one another (the two arms of an
//! `if`, the copies of a callee inlined twice), and each would otherwise
//! keep a register of its own across the whole loop.
//!
//! A loop's preheader is the header's only predecessor from outside the loop
//! if that block's only successor is the header (and it comes before the
//! header in reverse postorder). Otherwise one is created the first time
//! something is hoisted out of the loop: a block with fresh parameters of
//! the header's parameter types, which jumps to the header passing them;
//! every edge into the header from outside the loop (jumps, either arm of a
//! `brif`, `br_table` entries) is retargeted to it, keeping its arguments.
//! It is placed just before the header in the layout and gets the loop depth
//! of the header minus one.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::domtree::{DomTree, Loop, LoopInfo};
use super::gvn::{FxHasher, Key, key_of, rewrite_uses};
use crate::{Block, BlockCall, Function, Inst, InstData, Value};

const NONE: u32 = u32::MAX;

/// The pass's buffers, kept from one run to the next (see
/// [`super::Context`]).
#[derive(Debug, Default)]
pub struct Scratch {
    /// `up[k][l]`: the 2^k-th ancestor of loop `l` (`NONE` past the root);
    /// the first `Licm::levels` rows are this run's (more may be kept
    /// from earlier runs).
    up: Vec<Vec<u32>>,
    /// The block each value is defined in (`NONE` if undefined).
    def_block: Vec<u32>,
    /// The preheader of each loop, once known or created.
    preheader: Vec<Option<Block>>,
    /// Created preheaders, to be placed before their headers.
    created: Vec<(Block, Block)>,
    /// Instructions hoisted to each block, in order (keyed by block index).
    hoisted: Vec<Vec<Inst>>,
    /// Scratch for the operands of one instruction.
    operands: Vec<crate::Value>,
    /// Scratch for the new block layout.
    layout: Vec<Block>,
    /// The instructions hoisted so far, by preheader and value-numbering
    /// key: the value each one defines.
    hoisted_keys: HashMap<(u32, Key), Value, BuildHasherDefault<FxHasher>>,
    /// The value that replaces each value defined by a merged instruction
    /// (itself elsewhere); sized only once something is merged.
    replace: Vec<Value>,
}

impl Scratch {
    /// Whether the last run created a preheader (a block with parameters,
    /// which [`super::dce`] may find redundant).
    pub fn created_preheaders(&self) -> bool {
        !self.created.is_empty()
    }
}

struct Licm<'a> {
    dt: &'a DomTree,
    li: LoopInfo,
    /// The rows of `s.up` in use.
    levels: usize,
    s: &'a mut Scratch,
}

impl Licm<'_> {
    fn def_in_loop(&self, l: u32, v: crate::Value) -> bool {
        let d = self.s.def_block[v.index()];
        d != NONE && self.li.contains(Loop(l), Block(d))
    }

    /// The outermost loop enclosing `inner` (inclusive) whose body contains
    /// no definition of `inst`'s operands, if `inner` itself is one.
    fn target_loop(&mut self, func: &Function, inst: Inst, inner: Loop) -> Option<Loop> {
        let mut operands = std::mem::take(&mut self.s.operands);
        operands.clear();
        func.for_each_use(inst, |v| operands.push(v));
        let r = self.target_loop_of(&operands, inner);
        self.s.operands = operands;
        r
    }

    fn target_loop_of(&self, operands: &[crate::Value], inner: Loop) -> Option<Loop> {
        if operands.iter().any(|&v| self.def_in_loop(inner.0, v)) {
            return None;
        }
        // The deepest (innermost) of the per-operand answers.
        let mut best = self.outermost(inner.0, |_| true);
        for &v in operands {
            let x = self.outermost(inner.0, |l| !self.def_in_loop(l, v));
            if self.li.depth(Loop(x)) > self.li.depth(Loop(best)) {
                best = x;
            }
        }
        Some(Loop(best))
    }

    /// From `l` (for which `ok` holds), climbs to the outermost ancestor for
    /// which `ok` holds; `ok` must be downward closed along the chain.
    fn outermost(&self, mut l: u32, ok: impl Fn(u32) -> bool) -> u32 {
        for k in (0..self.levels).rev() {
            let y = self.s.up[k][l as usize];
            if y != NONE && ok(y) {
                l = y;
            }
        }
        l
    }

    fn preheader_of(&mut self, func: &mut Function, l: Loop) -> Block {
        if let Some(p) = self.s.preheader[l.index()] {
            return p;
        }
        let h = self.li.header(l);
        let p = match self.li.preheader(l, self.dt) {
            Some(p) if self.dt.rpo_number(p) < self.dt.rpo_number(h) => p,
            _ => self.create_preheader(func, l, h),
        };
        self.s.preheader[l.index()] = Some(p);
        p
    }

    fn create_preheader(&mut self, func: &mut Function, l: Loop, h: Block) -> Block {
        let p = func.new_block();
        let tys: Vec<_> = func.blocks[h.index()]
            .params
            .iter()
            .map(|&v| func.value_type(v))
            .collect();
        let params: Vec<_> = tys.iter().map(|&t| func.append_block_param(p, t)).collect();
        func.blocks[p.index()].loop_depth = func.blocks[h.index()].loop_depth.saturating_sub(1);
        // Retarget every edge into `h` from outside the loop.
        let outside: Vec<Block> = self
            .dt
            .cfg()
            .preds(h)
            .iter()
            .copied()
            .filter(|&b| !self.li.contains(l, b))
            .collect();
        for b in outside {
            let Some(t) = func.terminator(b) else {
                continue;
            };
            func.retarget(t, h, p);
        }
        let args = func.make_value_list(&params);
        let srcloc = func.blocks[h.index()]
            .insts
            .first()
            .map_or(0, |i| func.srclocs[i.index()]);
        func.append_inst(
            p,
            InstData::Jump {
                dest: BlockCall { block: h, args },
            },
            srcloc,
        );
        for v in params {
            self.s.def_block.push(NONE); // keep the table long enough
            self.s.def_block[v.index()] = p.0;
        }
        self.li.set_innermost(p, self.li.parent(l));
        if self.s.hoisted.len() <= p.index() {
            self.s.hoisted.resize_with(p.index() + 1, Vec::new);
        }
        self.s.hoisted[p.index()].clear();
        self.s.created.push((p, h));
        p
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

/// Runs the pass with `func`'s dominator tree `dt` (as it is on entry) and
/// reusable buffers; returns whether it changed anything.
pub fn run_with(func: &mut Function, dt: &DomTree, s: &mut Scratch) -> bool {
    if func.entry_block().is_none() {
        return false;
    }
    let li = LoopInfo::compute(func, dt);
    // Each block's loop depth becomes its depth in the loop tree: the
    // frontend's is the Wasm `loop` nesting, which also counts code that
    // runs once after a loop's last back edge (the fall-through of a final
    // `br_if`, in the same block) and loops without a back edge. The
    // register allocator weighs uses and moves by it.
    for &b in &func.layout {
        func.blocks[b.index()].loop_depth = li.block_depth(b);
    }
    if li.is_empty() {
        return false;
    }
    // Binary lifting table over the loop tree.
    let m = li.len();
    let up = &mut s.up;
    if up.is_empty() {
        up.push(Vec::new());
    }
    up[0].clear();
    up[0].extend(li.loops().map(|l| li.parent(l).map_or(NONE, |p| p.0)));
    let mut levels = 1;
    let max_depth = li.loops().map(|l| li.depth(l)).max().unwrap_or(1);
    while (1u64 << levels) < u64::from(max_depth) {
        if up.len() <= levels {
            up.push(Vec::new());
        }
        let (done, rest) = up.split_at_mut(levels);
        let prev = &done[levels - 1];
        let next = &mut rest[0];
        next.clear();
        next.extend((0..m).map(|l| {
            let y = prev[l];
            if y == NONE { NONE } else { prev[y as usize] }
        }));
        levels += 1;
    }
    let def_block = &mut s.def_block;
    def_block.clear();
    def_block.resize(func.num_values(), NONE);
    for &b in &func.layout {
        for &p in &func.blocks[b.index()].params {
            def_block[p.index()] = b.0;
        }
        for &i in &func.blocks[b.index()].insts {
            func.for_each_def(i, |v| def_block[v.index()] = b.0);
        }
    }
    s.preheader.clear();
    s.preheader.resize(m, None);
    s.created.clear();
    // Entries past the function's blocks may be stale; a created preheader
    // clears its own.
    if s.hoisted.len() < func.blocks.len() {
        s.hoisted.resize_with(func.blocks.len(), Vec::new);
    }
    for h in &mut s.hoisted[..func.blocks.len()] {
        h.clear();
    }
    s.hoisted_keys.clear();
    s.replace.clear();
    let mut licm = Licm { dt, li, levels, s };
    let mut changed = false;
    for &b in dt.rpo() {
        let Some(inner) = licm.li.innermost(b) else {
            continue;
        };
        let mut insts = std::mem::take(&mut func.blocks[b.index()].insts);
        let mut kept = 0;
        for k in 0..insts.len() {
            let i = insts[k];
            // (Operands defined by merged instructions read the value
            // that replaced them from here on.)
            if !licm.s.replace.is_empty() {
                let replace = &licm.s.replace;
                rewrite_uses(func, i, |v| *v = replaced(replace, *v));
            }
            let target = if func.insts[i.index()].is_speculatable() {
                licm.target_loop(func, i, inner)
            } else {
                None
            };
            let Some(target) = target else {
                insts[kept] = i;
                kept += 1;
                continue;
            };
            let p = licm.preheader_of(func, target);
            changed = true;
            if let Some((key, d)) = key_of(func, &func.insts[i.index()]) {
                match licm.s.hoisted_keys.entry((p.0, key)) {
                    std::collections::hash_map::Entry::Occupied(e) => {
                        // Merged into the same instruction hoisted before.
                        let same = *e.get();
                        let replace = &mut licm.s.replace;
                        let n = replace.len();
                        replace.extend((n..func.num_values()).map(Value::new));
                        replace[d.index()] = same;
                        licm.s.def_block[d.index()] = p.0;
                        continue;
                    }
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(d);
                    }
                }
            }
            licm.s.hoisted[p.index()].push(i);
            if let Some(d) = func.insts[i.index()].single_dst() {
                licm.s.def_block[d.index()] = p.0;
            }
        }
        insts.truncate(kept);
        func.blocks[b.index()].insts = insts;
    }
    if changed {
        finish(func, licm.s);
    }
    // Blocks outside loops may read a merged instruction's value too (the
    // loop's blocks were rewritten above, terminators included: a merged
    // value's users come after its definition in reverse postorder; a
    // created preheader, unknown to the loop analysis, reads only its own
    // parameters).
    if !licm.s.replace.is_empty() {
        let replace = &licm.s.replace;
        for n in 0..func.layout.len() {
            let b = func.layout[n];
            if licm.li.innermost(b).is_some() {
                continue;
            }
            for k in 0..func.blocks[b.index()].insts.len() {
                let i = func.blocks[b.index()].insts[k];
                rewrite_uses(func, i, |v| *v = replaced(replace, *v));
            }
        }
    }
    changed
}

/// What `v` reads as after merges: `replace` covers the values that
/// existed at the last merge; a newer one (the parameter of a preheader
/// created since) is its own.
fn replaced(replace: &[Value], v: Value) -> Value {
    replace.get(v.index()).copied().unwrap_or(v)
}

/// Moves the hoisted instructions into their preheaders and places the
/// created preheaders.
fn finish(func: &mut Function, s: &mut Scratch) {
    // Append hoisted instructions before each preheader's terminator. An
    // existing preheader comes before its header in reverse postorder, so
    // its own remaining instructions, which may feed hoisted ones, stay first.
    for (idx, list) in s.hoisted[..func.blocks.len()].iter().enumerate() {
        if list.is_empty() {
            continue;
        }
        let insts = &mut func.blocks[idx].insts;
        let term = insts.pop().expect("a preheader has a terminator");
        insts.extend_from_slice(list);
        insts.push(term);
    }
    // Place created preheaders just before their headers (several for one
    // header keep their order of creation).
    if !s.created.is_empty() {
        s.created.sort_by_key(|&(_, h)| h);
        let layout = &mut s.layout;
        layout.clear();
        layout.reserve(func.layout.len() + s.created.len());
        for &b in &func.layout {
            let start = s.created.partition_point(|&(_, h)| h < b);
            for &(p, h) in &s.created[start..] {
                if h != b {
                    break;
                }
                layout.push(p);
            }
            layout.push(b);
        }
        std::mem::swap(&mut func.layout, layout);
    }
}
