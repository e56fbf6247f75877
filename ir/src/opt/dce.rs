//! Dead code elimination and CFG cleanup.
//!
//! In order:
//! 1. **Unreachable blocks**: blocks not reachable from the entry leave the
//!    layout (their data stays in the arena, unreferenced).
//! 2. **Copy aliases**: every `copy` of the layout makes its result an alias
//!    of its source (a union-find with path compression).
//! 3. **To a fixpoint** (each round linear, each round removes something):
//!    - *branch folding*: `brif` on a constant → `jump` to the taken target
//!      with its arguments; `brif` whose targets are the same block with the
//!      same arguments → `jump`; `br_table` on a constant index, or whose
//!      entries are all one block → `jump`;
//!    - unreachable blocks again;
//!    - *redundant block parameters*: a non-entry parameter whose incoming
//!      arguments over all predecessor edges are one value `v` or the
//!      parameter itself becomes an alias of `v`; it and its arguments are
//!      deleted. A worklist revisits exactly the parameters that received a
//!      removed parameter as an argument (Braun et al. 2013, "trivial phis").
//! 4. **Copy propagation**: every operand (branch and call arguments
//!    included) is replaced by its alias root; `copy` instructions go.
//! 5. **Dead code**: a mark phase from the instructions with effects
//!    (stores, calls, `trap`/`trapif`, `return`, branch conditions and
//!    indices, heap loads, which may trap, and divisions, remainders and
//!    trapping truncations, unless their constant divisor cannot trap)
//!    through operands and from live block parameters to the matching
//!    arguments of their predecessors; then a sweep deletes unmarked pure
//!    instructions and unmarked non-entry block parameters with their
//!    arguments. Parameters that only feed each other around a loop die too.
//!    If parameters died, branches are folded again (a `brif` whose
//!    arguments differed only in dead parameters is now a `jump`), and the
//!    sweep repeats, so that one run reaches a fixpoint.
//!
//! **Requires**: SSA form with definitions dominating uses (that is what
//! makes removing a trivial parameter and dropping copies valid). No
//! analysis. The entry block's parameters are the function's and are never
//! removed.
//!
//! **Preserves**: SSA form; every trap, store and call, in order; the
//! layout order of the remaining blocks. **Invalidates**: the CFG (edges,
//! blocks and block parameters go away), so any dominator tree or loop
//! analysis.
//!
//! Linear in the size of the function per round of step 3 (the redundant
//! parameter worklist merges use lists small-into-large: `n log n`).

use crate::{BinaryOp, Block, BlockCall, Function, Inst, InstData, Type, Value, ValueList};

/// The pass's buffers, kept from one run to the next (see
/// [`super::Context`]); every run starts by resetting what it uses.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Reachability: visited flags and the DFS stack.
    seen: Vec<bool>,
    stack: Vec<Block>,
    alias: Alias,
    konst: Vec<Option<u64>>,
    /// Incoming argument-carrying edges of each block:
    /// `in_list[in_start[b] .. in_start[b + 1]]`, in layout order.
    in_start: Vec<u32>,
    in_list: Vec<Edge>,
    /// For each value, the (block, parameter index) pairs it is an argument
    /// of, as a linked list over `uses`: `(head, tail, len)`.
    use_lists: Vec<(u32, u32, u32)>,
    /// List entries: the pair and the next entry.
    uses: Vec<((Block, u32), u32)>,
    params_work: Vec<(Block, u32)>,
    /// Parameters being removed (by value) and the blocks that have some.
    gone: Vec<bool>,
    block_gone: Vec<bool>,
    def: Vec<Def>,
    live: Vec<bool>,
    values_work: Vec<Value>,
    kept: Vec<Value>,
    /// Whether the last run changed the CFG.
    cfg_changed: bool,
}

impl Scratch {
    /// Whether the last run changed the CFG (folded a branch or removed an
    /// unreachable block): only then does a dominator tree computed before
    /// it need computing again.
    pub fn changed_cfg(&self) -> bool {
        self.cfg_changed
    }
}

/// Runs the pass; returns whether it changed anything.
pub fn run(func: &mut Function) -> bool {
    run_with(func, &mut Scratch::default())
}

/// Runs the pass with reusable buffers; returns whether it changed anything.
pub fn run_with(func: &mut Function, s: &mut Scratch) -> bool {
    run_inner(func, s, false)
}

/// [`run_with`] for a function with no dead code: as this pass leaves it,
/// changed since only by passes that delete no last use of a value
/// ([`super::gvn`], [`super::licm`]). The mark and sweep of step 5 then run
/// only if steps 1-4 changed something (they can drop uses).
pub fn run_clean_with(func: &mut Function, s: &mut Scratch) -> bool {
    run_inner(func, s, true)
}

fn run_inner(func: &mut Function, s: &mut Scratch, clean: bool) -> bool {
    s.cfg_changed = false;
    if func.layout.is_empty() {
        return false;
    }
    let mut changed = unreachable_blocks(func, s);
    s.cfg_changed = changed;
    s.alias.reset(func.num_values());
    let mut konst = std::mem::take(&mut s.konst);
    copies_and_constants(func, &mut s.alias, &mut konst);
    // Only removed parameters (new aliases) let more branches fold, and
    // only folded branches leave more blocks unreachable (which was just
    // done above) or parameters redundant (the worklist reaches a fixpoint
    // otherwise): each round runs what the previous one can have enabled.
    let mut round = 0;
    loop {
        let folded = fold_branches(func, &mut s.alias, &konst);
        if round > 0 && !folded {
            break;
        }
        if folded {
            unreachable_blocks(func, s);
        }
        let params = remove_redundant_params(func, s);
        s.cfg_changed |= folded;
        changed |= folded || params;
        if !params {
            break;
        }
        round += 1;
    }
    changed |= propagate_copies(func, &mut s.alias);
    if clean && !changed {
        s.konst = konst;
        return false;
    }
    // Removing dead parameters can make the two targets of a `brif` equal,
    // and the `jump` that replaces it can leave its condition dead.
    loop {
        let (removed, params_removed) = remove_dead_code(func, &konst, s);
        changed |= removed;
        if !params_removed || !fold_branches(func, &mut s.alias, &konst) {
            break;
        }
        s.cfg_changed = true;
    }
    s.konst = konst;
    changed
}

/// Removes the blocks not reachable from the entry block from the layout;
/// returns whether there were any. Branches out of removed blocks simply
/// disappear with them; the reachable blocks' parameters are untouched.
pub fn remove_unreachable_blocks(func: &mut Function) -> bool {
    unreachable_blocks(func, &mut Scratch::default())
}

fn unreachable_blocks(func: &mut Function, s: &mut Scratch) -> bool {
    let Some(entry) = func.entry_block() else {
        return false;
    };
    let seen = &mut s.seen;
    seen.clear();
    seen.resize(func.blocks.len(), false);
    seen[entry.index()] = true;
    let stack = &mut s.stack;
    stack.clear();
    stack.push(entry);
    let mut visit = |x: Block, stack: &mut Vec<Block>| {
        if let Some(flag) = seen.get_mut(x.index())
            && !*flag
        {
            *flag = true;
            stack.push(x);
        }
    };
    while let Some(b) = stack.pop() {
        let Some(t) = func.terminator(b) else {
            continue;
        };
        match &func.insts[t.index()] {
            InstData::Jump { dest } => visit(dest.block, stack),
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => {
                visit(then_dest.block, stack);
                visit(else_dest.block, stack);
            }
            InstData::BrTable { table, .. } => {
                for &x in &func.jump_tables[table.index()] {
                    visit(x, stack);
                }
            }
            _ => {}
        }
    }
    let before = func.layout.len();
    func.layout.retain(|b| seen[b.index()]);
    func.layout.len() != before
}

/// Value aliases: a union-find forest whose roots are the surviving values.
#[derive(Debug, Default)]
struct Alias {
    parent: Vec<Value>,
    /// Whether any value is not a root.
    any: bool,
}

impl Alias {
    /// Every one of `n` values its own root.
    fn reset(&mut self, n: usize) {
        self.parent.clear();
        self.parent.extend((0..n).map(Value::new));
        self.any = false;
    }

    /// Makes `v` an alias of `of`.
    fn set(&mut self, v: Value, of: Value) {
        self.parent[v.index()] = of;
        self.any = true;
    }

    /// The root of `v`, compressing the path. The walk is bounded, so a copy
    /// cycle (which valid SSA cannot contain) cannot hang the pass.
    fn find(&mut self, v: Value) -> Value {
        let mut root = v;
        for _ in 0..self.parent.len() {
            let p = self.parent[root.index()];
            if p == root {
                break;
            }
            root = p;
        }
        if self.parent[root.index()] != root {
            return root; // a cycle: leave it alone
        }
        let mut x = v;
        while x != root {
            let next = self.parent[x.index()];
            self.parent[x.index()] = root;
            x = next;
        }
        root
    }
}

/// `x` reduced to the width of `ty`.
fn mask(ty: Type, x: u64) -> u64 {
    if ty.bytes() == 4 { x & 0xffff_ffff } else { x }
}

/// Makes every `copy` of the layout an alias of its source, and records
/// the constant (zero-extended bits) of each value defined by an `iconst`
/// of the layout in `konst`.
fn copies_and_constants(func: &Function, alias: &mut Alias, konst: &mut Vec<Option<u64>>) {
    konst.clear();
    konst.resize(func.num_values(), None);
    for &b in &func.layout {
        for &i in &func.blocks[b.index()].insts {
            match func.insts[i.index()] {
                InstData::Copy { dst, src } if dst != src => alias.set(dst, src),
                InstData::Iconst { dst, imm } => {
                    konst[dst.index()] = Some(mask(func.value_type(dst), imm as u64));
                }
                _ => {}
            }
        }
    }
}

/// Rewrites constant and degenerate branches into jumps.
fn fold_branches(func: &mut Function, alias: &mut Alias, konst: &[Option<u64>]) -> bool {
    let mut changed = false;
    for bi in 0..func.layout.len() {
        let b = func.layout[bi];
        let Some(t) = func.terminator(b) else {
            continue;
        };
        let dest = match func.insts[t.index()] {
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                if let Some(c) = konst[alias.find(cond).index()] {
                    if c & 0xffff_ffff != 0 {
                        then_dest
                    } else {
                        else_dest
                    }
                } else if then_dest.block == else_dest.block
                    && same_args(func, alias, then_dest.args, else_dest.args)
                {
                    then_dest
                } else {
                    continue;
                }
            }
            InstData::BrTable { index, table } => {
                let targets = &func.jump_tables[table.index()];
                let Some(&default) = targets.last() else {
                    continue;
                };
                if let Some(c) = konst[alias.find(index).index()] {
                    let i = usize::try_from(c & 0xffff_ffff).unwrap_or(usize::MAX);
                    BlockCall::new(targets.get(i).copied().unwrap_or(default))
                } else if targets.iter().all(|&x| x == default) {
                    BlockCall::new(default)
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        func.insts[t.index()] = InstData::Jump { dest };
        changed = true;
    }
    changed
}

/// Whether two argument lists are the same values up to aliases.
fn same_args(func: &Function, alias: &mut Alias, a: ValueList, b: ValueList) -> bool {
    a.len() == b.len()
        && func
            .values(a)
            .iter()
            .zip(func.values(b))
            .all(|(&x, &y)| alias.find(x) == alias.find(y))
}

/// One CFG edge: a branch and which of its targets (0: `jump`/`then`,
/// 1: `else`). `br_table` edges carry no arguments and are not listed.
type Edge = (Inst, u8);

/// The block call of an edge.
fn edge_call(func: &Function, (inst, slot): Edge) -> BlockCall {
    match func.insts[inst.index()] {
        InstData::Jump { dest } => dest,
        InstData::Brif {
            then_dest,
            else_dest,
            ..
        } => {
            if slot == 0 {
                then_dest
            } else {
                else_dest
            }
        }
        _ => unreachable!("edges are only recorded for jump and brif"),
    }
}

/// Calls `f` with the target and edge of each argument-carrying edge out of
/// the blocks of the layout, in layout order.
fn for_each_edge(func: &Function, mut f: impl FnMut(Block, Edge)) {
    for &b in &func.layout {
        let Some(t) = func.terminator(b) else {
            continue;
        };
        match func.insts[t.index()] {
            InstData::Jump { dest } => f(dest.block, (t, 0)),
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => {
                f(then_dest.block, (t, 0));
                f(else_dest.block, (t, 1));
            }
            _ => {}
        }
    }
}

/// The argument-carrying edges into each block, from blocks of the layout
/// (`in_list[in_start[b] .. in_start[b + 1]]`, in layout order).
fn incoming_edges(func: &Function, in_start: &mut Vec<u32>, in_list: &mut Vec<Edge>) {
    let n = func.blocks.len();
    in_start.clear();
    in_start.resize(n + 1, 0);
    let mut total = 0;
    for_each_edge(func, |to, _| {
        in_start[to.index() + 1] += 1;
        total += 1;
    });
    for i in 0..n {
        in_start[i + 1] += in_start[i];
    }
    in_list.clear();
    in_list.resize(total, (Inst(0), 0));
    // Fill by moving each block's start up, then shift back.
    for_each_edge(func, |to, e| {
        let pos = &mut in_start[to.index()];
        in_list[*pos as usize] = e;
        *pos += 1;
    });
    for i in (0..n).rev() {
        in_start[i + 1] = in_start[i];
    }
    in_start[0] = 0;
}

/// The incoming edges of `b` computed by [`incoming_edges`].
fn incoming<'a>(in_start: &[u32], in_list: &'a [Edge], b: Block) -> &'a [Edge] {
    &in_list[in_start[b.index()] as usize..in_start[b.index() + 1] as usize]
}

const NIL: u32 = u32::MAX;

/// Replaces each trivial block parameter by the one value it receives.
fn remove_redundant_params(func: &mut Function, s: &mut Scratch) -> bool {
    let entry = func.layout[0];
    incoming_edges(func, &mut s.in_start, &mut s.in_list);
    let (in_start, in_list) = (&s.in_start[..], &s.in_list[..]);
    let alias = &mut s.alias;
    // For each root value: the (block, parameter index) pairs it is an
    // argument of.
    let lists = &mut s.use_lists;
    lists.clear();
    lists.resize(func.num_values(), (NIL, NIL, 0));
    let uses = &mut s.uses;
    uses.clear();
    let work = &mut s.params_work;
    work.clear();
    for &b in &func.layout {
        let n = func.blocks[b.index()].params.len();
        if b == entry || n == 0 {
            continue;
        }
        work.extend((0..n as u32).rev().map(|i| (b, i)));
        for &e in incoming(in_start, in_list, b) {
            let bc = edge_call(func, e);
            for (i, &a) in func.values(bc.args).iter().enumerate() {
                let r = alias.find(a);
                let k = uses.len() as u32;
                uses.push(((b, i as u32), NIL));
                let l = &mut lists[r.index()];
                if l.0 == NIL {
                    l.0 = k;
                } else {
                    uses[l.1 as usize].1 = k;
                }
                l.1 = k;
                l.2 += 1;
            }
        }
    }
    let (gone, block_gone) = clear_gone(&mut s.gone, &mut s.block_gone, func);
    let mut any = false;
    while let Some((b, i)) = work.pop() {
        let params = &func.blocks[b.index()].params;
        let p = params[i as usize];
        if gone[p.index()] {
            continue;
        }
        let mut same = None;
        let mut trivial = true;
        for &e in incoming(in_start, in_list, b) {
            let bc = edge_call(func, e);
            let Some(&a) = func.values(bc.args).get(i as usize) else {
                trivial = false; // malformed edge: leave the block alone
                break;
            };
            let a = alias.find(a);
            if a == p {
                continue;
            }
            match same {
                None => same = Some(a),
                Some(s) if s == a => {}
                Some(_) => {
                    trivial = false;
                    break;
                }
            }
        }
        let (true, Some(v)) = (trivial, same) else {
            continue;
        };
        gone[p.index()] = true;
        block_gone[b.index()] = true;
        any = true;
        alias.set(p, v);
        // The places that received `p` now receive `v`: recheck them.
        let moved = std::mem::replace(&mut lists[p.index()], (NIL, NIL, 0));
        let mut k = moved.0;
        while k != NIL {
            work.push(uses[k as usize].0);
            k = uses[k as usize].1;
        }
        // The longer list first, as a merge of small into large would.
        let into = lists[v.index()];
        let (first, second) = if into.2 < moved.2 {
            (moved, into)
        } else {
            (into, moved)
        };
        lists[v.index()] = if first.0 == NIL {
            second
        } else if second.0 == NIL {
            first
        } else {
            uses[first.1 as usize].1 = second.0;
            (first.0, second.1, first.2 + second.2)
        };
    }
    if any {
        remove_params(func, &s.gone, &s.block_gone, &mut s.kept);
    }
    any
}

/// `gone` (per value) and `block_gone` (per block) sized for `func`, with
/// nothing marked.
fn clear_gone<'a>(
    gone: &'a mut Vec<bool>,
    block_gone: &'a mut Vec<bool>,
    func: &Function,
) -> (&'a mut Vec<bool>, &'a mut Vec<bool>) {
    gone.clear();
    gone.resize(func.num_values(), false);
    block_gone.clear();
    block_gone.resize(func.blocks.len(), false);
    (gone, block_gone)
}

/// Deletes the parameters marked in `gone` (indexed by value; `block_gone`
/// tells which blocks have any) and the matching arguments of every edge
/// of the layout.
fn remove_params(func: &mut Function, gone: &[bool], block_gone: &[bool], kept: &mut Vec<Value>) {
    fn rebuild(
        func: &mut Function,
        bc: &mut BlockCall,
        gone: &[bool],
        block_gone: &[bool],
        kept: &mut Vec<Value>,
    ) -> bool {
        if !block_gone[bc.block.index()] {
            return false;
        }
        kept.clear();
        kept.extend(
            func.values(bc.args)
                .iter()
                .zip(&func.blocks[bc.block.index()].params)
                .filter(|&(_, p)| !gone[p.index()])
                .map(|(&v, _)| v),
        );
        bc.args = func.make_value_list(kept);
        true
    }
    for bi in 0..func.layout.len() {
        let b = func.layout[bi];
        let Some(t) = func.terminator(b) else {
            continue;
        };
        let new = match func.insts[t.index()] {
            InstData::Jump { mut dest } => {
                rebuild(func, &mut dest, gone, block_gone, kept).then_some(InstData::Jump { dest })
            }
            InstData::Brif {
                cond,
                mut then_dest,
                mut else_dest,
            } => {
                let a = rebuild(func, &mut then_dest, gone, block_gone, kept);
                let b = rebuild(func, &mut else_dest, gone, block_gone, kept);
                (a || b).then_some(InstData::Brif {
                    cond,
                    then_dest,
                    else_dest,
                })
            }
            _ => None,
        };
        if let Some(new) = new {
            func.insts[t.index()] = new;
        }
    }
    for (b, &any) in block_gone.iter().enumerate() {
        if any {
            func.blocks[b].params.retain(|p| !gone[p.index()]);
        }
    }
}

/// Replaces every operand of `inst` by `f(operand)`; returns whether one
/// changed.
fn rewrite_uses(func: &mut Function, inst: Inst, f: &mut impl FnMut(Value) -> Value) -> bool {
    let mut changed = false;
    let mut upd = |v: &mut Value| {
        let n = f(*v);
        if n != *v {
            *v = n;
            changed = true;
        }
    };
    let mut lists = [None, None];
    match &mut func.insts[inst.index()] {
        InstData::Iconst { .. }
        | InstData::Fconst { .. }
        | InstData::Vmctx { .. }
        | InstData::Trap { .. } => {}
        InstData::Unary { arg, .. } => upd(arg),
        InstData::Binary { lhs, rhs, .. }
        | InstData::Icmp { lhs, rhs, .. }
        | InstData::Fcmp { lhs, rhs, .. } => {
            upd(lhs);
            upd(rhs);
        }
        InstData::Select {
            cond,
            if_true,
            if_false,
            ..
        } => {
            upd(cond);
            upd(if_true);
            upd(if_false);
        }
        InstData::Copy { src, .. } => upd(src),
        InstData::Load { addr, .. } => upd(addr),
        InstData::Store { addr, value, .. } => {
            upd(addr);
            upd(value);
        }
        InstData::Call { args, .. } => lists[0] = Some(*args),
        InstData::Jump { dest } => lists[0] = Some(dest.args),
        InstData::Brif {
            cond,
            then_dest,
            else_dest,
        } => {
            upd(cond);
            lists = [Some(then_dest.args), Some(else_dest.args)];
        }
        InstData::BrTable { index, .. } => upd(index),
        InstData::Return { args } => lists[0] = Some(*args),
        InstData::TrapIf { cond, .. } => upd(cond),
    }
    // Rewriting in place is safe even if lists are shared: `f` maps a value
    // to its alias root, so applying it twice changes nothing.
    for l in lists.into_iter().flatten() {
        let range = l.start as usize..(l.start + l.len) as usize;
        for v in &mut func.value_pool[range] {
            upd(v);
        }
    }
    changed
}

/// Replaces every use by its alias root and deletes the copies.
fn propagate_copies(func: &mut Function, alias: &mut Alias) -> bool {
    if !alias.any {
        // Every value is its own root: no copy goes, no use changes.
        return false;
    }
    let mut changed = false;
    for bi in 0..func.layout.len() {
        let b = func.layout[bi];
        let mut insts = std::mem::take(&mut func.blocks[b.index()].insts);
        let mut kept = 0;
        for k in 0..insts.len() {
            let i = insts[k];
            if let InstData::Copy { dst, .. } = func.insts[i.index()]
                && alias.find(dst) != dst
            {
                changed = true;
                continue;
            }
            changed |= rewrite_uses(func, i, &mut |v| alias.find(v));
            insts[kept] = i;
            kept += 1;
        }
        insts.truncate(kept);
        func.blocks[b.index()].insts = insts;
    }
    changed
}

/// Whether `data` can be deleted when its result is unused: it has no
/// effect and cannot trap.
fn removable(func: &Function, data: &InstData, konst: &[Option<u64>]) -> bool {
    if data.is_speculatable() {
        return true;
    }
    match *data {
        InstData::Binary { op, dst, rhs, .. } => {
            // A constant divisor rules the trap out, except `INT_MIN / -1`.
            let ones = mask(func.value_type(dst), u64::MAX);
            match konst[rhs.index()] {
                Some(0) | None => false,
                Some(c) => op != BinaryOp::DivS || c != ones,
            }
        }
        InstData::Load { space, .. } => space == crate::AddrSpace::Vm,
        _ => false,
    }
}

/// Where a value is defined.
#[derive(Clone, Copy, Debug)]
enum Def {
    None,
    Inst(Inst),
    Param(Block, u32),
}

/// Mark and sweep over values; see the module docs. Returns whether
/// anything was removed, and whether block parameters were.
fn remove_dead_code(func: &mut Function, konst: &[Option<u64>], s: &mut Scratch) -> (bool, bool) {
    let entry = func.layout[0];
    incoming_edges(func, &mut s.in_start, &mut s.in_list);
    let (in_start, in_list) = (&s.in_start[..], &s.in_list[..]);
    let def = &mut s.def;
    def.clear();
    def.resize(func.num_values(), Def::None);
    let live = &mut s.live;
    live.clear();
    live.resize(func.num_values(), false);
    let work = &mut s.values_work;
    work.clear();
    fn mark(v: Value, live: &mut [bool], work: &mut Vec<Value>) {
        if !live[v.index()] {
            live[v.index()] = true;
            work.push(v);
        }
    }
    for &b in &func.layout {
        let data = &func.blocks[b.index()];
        for (i, &p) in data.params.iter().enumerate() {
            def[p.index()] = Def::Param(b, i as u32);
            if b == entry {
                mark(p, live, work);
            }
        }
        for &i in &data.insts {
            func.for_each_def(i, |v| def[v.index()] = Def::Inst(i));
            match &func.insts[i.index()] {
                // Branch arguments live only through live parameters.
                InstData::Jump { .. } => {}
                InstData::Brif { cond, .. } => mark(*cond, live, work),
                d if !removable(func, d, konst) => func.for_each_use(i, |v| mark(v, live, work)),
                _ => {}
            }
        }
    }
    while let Some(v) = work.pop() {
        match def[v.index()] {
            Def::None => {}
            Def::Inst(i) => func.for_each_use(i, |u| mark(u, live, work)),
            Def::Param(b, idx) => {
                for &e in incoming(in_start, in_list, b) {
                    let bc = edge_call(func, e);
                    if let Some(&a) = func.values(bc.args).get(idx as usize) {
                        mark(a, live, work);
                    }
                }
            }
        }
    }
    let mut changed = false;
    let mut params_removed = false;
    let (gone, block_gone) = clear_gone(&mut s.gone, &mut s.block_gone, func);
    for bi in 0..func.layout.len() {
        let b = func.layout[bi];
        let mut insts = std::mem::take(&mut func.blocks[b.index()].insts);
        let before = insts.len();
        insts.retain(|&i| {
            let d = &func.insts[i.index()];
            !removable(func, d, konst) || d.single_dst().is_some_and(|v| live[v.index()])
        });
        changed |= insts.len() != before;
        func.blocks[b.index()].insts = insts;
        let params = &func.blocks[b.index()].params;
        if b != entry && params.iter().any(|p| !live[p.index()]) {
            for p in params {
                gone[p.index()] = !live[p.index()];
            }
            block_gone[b.index()] = true;
            params_removed = true;
        }
    }
    if params_removed {
        remove_params(func, &s.gone, &s.block_gone, &mut s.kept);
    }
    (changed || params_removed, params_removed)
}
