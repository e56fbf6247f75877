//! Control-flow analyses the passes share: the CFG (successors and
//! predecessors), the dominator tree, and natural loops.
//!
//! **Requires**: a function whose layout is non-empty (its first block is the
//! entry, which has no predecessors) and whose blocks end with terminators;
//! either form (SSA or not) will do, since only branches are read.
//!
//! **Invalidation**: both analyses are snapshots. Any pass that adds or
//! removes blocks or edges (splits a block, retargets a branch, creates a
//! preheader, inlines) invalidates them; passes that only rewrite
//! instructions inside blocks keep them valid.
//!
//! Algorithms (all iterative with explicit stacks, so 10,000 nested blocks do
//! not overflow the Rust stack):
//! - reverse postorder by an iterative depth-first search from the entry;
//! - immediate dominators by Cooper, Harvey and Kennedy's "A Simple, Fast
//!   Dominance Algorithm" (iterate `idom` to a fixed point in reverse
//!   postorder), fast in practice;
//! - `dominates` in O(1) from preorder numbers and subtree sizes of the tree;
//! - natural loops as LLVM's `LoopInfo` finds them: a back edge is an edge
//!   `latch -> header` where the header dominates the latch; headers are
//!   processed innermost first (in reverse RPO), each walking predecessors
//!   backwards from its latches and jumping over already discovered inner
//!   loops with a union-find, so the whole analysis is near-linear.
//!
//! Blocks unreachable from the entry have no dominator, dominate nothing but
//! themselves and belong to no loop. Edges of irreducible cycles that are not
//! back edges form no loop.

use crate::{Block, Function};

const NONE: u32 = u32::MAX;

/// Successors and predecessors of every block in the layout.
///
/// Both relations are stored flat (one array of blocks plus a range per
/// block), so computing them allocates nothing once the buffers have grown.
#[derive(Clone, Debug, Default)]
pub struct Cfg {
    /// `succ_list[succ_range[b].0 ..][.. succ_range[b].1]`: the successors of `b`.
    succ_range: Vec<(u32, u32)>,
    succ_list: Vec<Block>,
    /// `pred_list[pred_start[b] .. pred_start[b + 1]]`: the predecessors of `b`.
    pred_start: Vec<u32>,
    pred_list: Vec<Block>,
    /// Scratch: `last_pred[s] == b` when `b` was already recorded as a
    /// predecessor of `s`; then the fill position of each block.
    scratch: Vec<u32>,
    tmp: Vec<Block>,
}

impl Cfg {
    /// Computes the CFG of the blocks in `func`'s layout.
    pub fn compute(func: &Function) -> Cfg {
        let mut cfg = Cfg::default();
        cfg.recompute(func);
        cfg
    }

    /// Computes the CFG of the blocks in `func`'s layout into `self`,
    /// reusing its buffers.
    pub fn recompute(&mut self, func: &Function) {
        let n = func.blocks.len();
        self.succ_range.clear();
        self.succ_range.resize(n, (0, 0));
        self.succ_list.clear();
        self.pred_start.clear();
        self.pred_start.resize(n + 1, 0);
        // Each predecessor appears once per successor (`last_pred`).
        let last_pred = &mut self.scratch;
        last_pred.clear();
        last_pred.resize(n, NONE);
        let tmp = &mut self.tmp;
        for &b in &func.layout {
            func.successors(b, tmp);
            let start = self.succ_list.len() as u32;
            for &s in tmp.iter() {
                if s.index() >= n {
                    continue;
                }
                if last_pred[s.index()] != b.0 {
                    last_pred[s.index()] = b.0;
                    self.pred_start[s.index() + 1] += 1;
                    self.succ_list.push(s);
                }
            }
            self.succ_range[b.index()] = (start, self.succ_list.len() as u32 - start);
        }
        for i in 0..n {
            self.pred_start[i + 1] += self.pred_start[i];
        }
        // Fill predecessors in layout order (a counting sort by target).
        let fill = &mut self.scratch;
        fill.clear();
        fill.extend_from_slice(&self.pred_start[..n]);
        self.pred_list.clear();
        self.pred_list.resize(self.succ_list.len(), Block(0));
        for &b in &func.layout {
            let (start, len) = self.succ_range[b.index()];
            for &s in &self.succ_list[start as usize..(start + len) as usize] {
                let pos = &mut fill[s.index()];
                self.pred_list[*pos as usize] = b;
                *pos += 1;
            }
        }
    }

    /// The distinct successors of `b`, in branch order.
    pub fn succs(&self, b: Block) -> &[Block] {
        let (start, len) = self.succ_range[b.index()];
        &self.succ_list[start as usize..(start + len) as usize]
    }

    /// The distinct predecessors of `b`, in layout order.
    pub fn preds(&self, b: Block) -> &[Block] {
        let i = b.index();
        &self.pred_list[self.pred_start[i] as usize..self.pred_start[i + 1] as usize]
    }
}

/// The dominator tree of a function, with its CFG and reverse postorder.
#[derive(Clone, Debug, Default)]
pub struct DomTree {
    cfg: Cfg,
    rpo: Vec<Block>,
    /// Position of each block in `rpo`, `NONE` if unreachable.
    rpo_number: Vec<u32>,
    /// Immediate dominator (`NONE` for the entry and unreachable blocks).
    idom: Vec<u32>,
    /// `child_list[child_start[b] .. child_start[b + 1]]`: the children of
    /// `b`, in reverse postorder.
    child_start: Vec<u32>,
    child_list: Vec<Block>,
    preorder: Vec<Block>,
    /// Position in `preorder` (`NONE` if unreachable).
    pre_number: Vec<u32>,
    /// Number of blocks in the subtree rooted at each block.
    subtree_size: Vec<u32>,
    /// Scratch for the depth-first searches.
    stack: Vec<(Block, u32)>,
    visited: Vec<bool>,
}

impl DomTree {
    /// Computes the CFG, reverse postorder and dominator tree of `func`.
    pub fn compute(func: &Function) -> DomTree {
        let mut dt = DomTree::default();
        dt.recompute(func);
        dt
    }

    /// Computes the CFG, reverse postorder and dominator tree of `func` into
    /// `self`, reusing its buffers.
    pub fn recompute(&mut self, func: &Function) {
        self.cfg.recompute(func);
        let n = func.blocks.len();
        self.rpo.clear();
        self.rpo_number.clear();
        self.rpo_number.resize(n, NONE);
        self.idom.clear();
        self.idom.resize(n, NONE);
        self.child_start.clear();
        self.child_start.resize(n + 1, 0);
        self.child_list.clear();
        self.preorder.clear();
        self.pre_number.clear();
        self.pre_number.resize(n, NONE);
        self.subtree_size.clear();
        self.subtree_size.resize(n, 0);
        let Some(entry) = func.entry_block() else {
            return;
        };
        self.compute_rpo(entry);
        self.compute_idoms(entry);
        // Children in reverse postorder: a counting sort by parent.
        for &b in &self.rpo[1..] {
            self.child_start[self.idom[b.index()] as usize + 1] += 1;
        }
        for i in 0..n {
            self.child_start[i + 1] += self.child_start[i];
        }
        self.child_list.resize(self.rpo.len() - 1, Block(0));
        let fill = &mut self.pre_number; // all NONE: borrowed as scratch
        for &b in &self.rpo[1..] {
            let p = self.idom[b.index()] as usize;
            let pos = if fill[p] == NONE {
                self.child_start[p]
            } else {
                fill[p]
            };
            self.child_list[pos as usize] = b;
            fill[p] = pos + 1;
        }
        for &b in &self.rpo[1..] {
            fill[self.idom[b.index()] as usize] = NONE;
        }
        self.compute_preorder(entry);
    }

    fn compute_rpo(&mut self, entry: Block) {
        let n = self.rpo_number.len();
        let visited = &mut self.visited;
        visited.clear();
        visited.resize(n, false);
        let post = &mut self.rpo;
        // (block, index of the next successor to visit)
        let stack = &mut self.stack;
        stack.clear();
        stack.push((entry, 0));
        visited[entry.index()] = true;
        while let Some(top) = stack.last_mut() {
            let (b, i) = *top;
            if let Some(&s) = self.cfg.succs(b).get(i as usize) {
                top.1 += 1;
                if !visited[s.index()] {
                    visited[s.index()] = true;
                    stack.push((s, 0));
                }
            } else {
                post.push(b);
                stack.pop();
            }
        }
        post.reverse();
        for (i, &b) in post.iter().enumerate() {
            self.rpo_number[b.index()] = i as u32;
        }
    }

    fn compute_idoms(&mut self, entry: Block) {
        self.idom[entry.index()] = entry.0;
        let mut changed = true;
        while changed {
            changed = false;
            for k in 1..self.rpo.len() {
                let b = self.rpo[k];
                let mut new_idom = NONE;
                for &p in self.cfg.preds(b) {
                    if self.idom[p.index()] == NONE {
                        continue; // unreachable or not processed yet
                    }
                    new_idom = if new_idom == NONE {
                        p.0
                    } else {
                        self.intersect(p.0, new_idom)
                    };
                }
                if new_idom != self.idom[b.index()] {
                    self.idom[b.index()] = new_idom;
                    changed = true;
                }
            }
        }
        self.idom[entry.index()] = NONE;
    }

    fn intersect(&self, mut a: u32, mut b: u32) -> u32 {
        while a != b {
            while self.rpo_number[a as usize] > self.rpo_number[b as usize] {
                a = self.idom[a as usize];
            }
            while self.rpo_number[b as usize] > self.rpo_number[a as usize] {
                b = self.idom[b as usize];
            }
        }
        a
    }

    fn compute_preorder(&mut self, entry: Block) {
        // (block, next child index)
        let stack = &mut self.stack;
        stack.clear();
        stack.push((entry, 0));
        self.pre_number[entry.index()] = 0;
        self.preorder.push(entry);
        while let Some(top) = stack.last_mut() {
            let (b, i) = *top;
            let (start, end) = (self.child_start[b.index()], self.child_start[b.index() + 1]);
            if start + i < end {
                let c = self.child_list[(start + i) as usize];
                top.1 += 1;
                self.pre_number[c.index()] = self.preorder.len() as u32;
                self.preorder.push(c);
                stack.push((c, 0));
            } else {
                self.subtree_size[b.index()] =
                    self.preorder.len() as u32 - self.pre_number[b.index()];
                stack.pop();
            }
        }
    }

    /// The CFG the tree was computed from.
    pub fn cfg(&self) -> &Cfg {
        &self.cfg
    }

    /// The reachable blocks in reverse postorder (the entry first).
    pub fn rpo(&self) -> &[Block] {
        &self.rpo
    }

    /// The position of `b` in reverse postorder, `None` if unreachable.
    pub fn rpo_number(&self, b: Block) -> Option<u32> {
        let n = *self.rpo_number.get(b.index())?;
        (n != NONE).then_some(n)
    }

    /// Whether `b` is reachable from the entry.
    pub fn is_reachable(&self, b: Block) -> bool {
        self.rpo_number(b).is_some()
    }

    /// The immediate dominator of `b` (`None` for the entry and for
    /// unreachable blocks).
    pub fn idom(&self, b: Block) -> Option<Block> {
        let d = *self.idom.get(b.index())?;
        (d != NONE).then_some(Block(d))
    }

    /// The blocks `b` immediately dominates, in reverse postorder.
    pub fn children(&self, b: Block) -> &[Block] {
        let i = b.index();
        &self.child_list[self.child_start[i] as usize..self.child_start[i + 1] as usize]
    }

    /// The reachable blocks in a preorder walk of the tree (each block after
    /// its dominators; children in reverse postorder).
    pub fn preorder(&self) -> &[Block] {
        &self.preorder
    }

    /// Whether `a` dominates `b` (every block dominates itself; an
    /// unreachable block is dominated only by itself and dominates only
    /// itself).
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        if a == b {
            return true;
        }
        let (pa, pb) = (self.pre_number[a.index()], self.pre_number[b.index()]);
        if pa == NONE || pb == NONE {
            return false;
        }
        pa <= pb && pb < pa + self.subtree_size[a.index()]
    }
}

/// A natural loop, an index into [`LoopInfo`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loop(pub u32);

impl Loop {
    /// Its index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// What is known about one natural loop.
#[derive(Clone, Debug)]
pub struct LoopData {
    /// The header: the target of the back edges, dominating the body.
    pub header: Block,
    /// The sources of the back edges.
    pub latches: Vec<Block>,
    /// The innermost enclosing loop.
    pub parent: Option<Loop>,
    /// Loops directly nested in this one.
    pub children: Vec<Loop>,
    /// Nesting depth: 1 for an outermost loop.
    pub depth: u32,
}

/// The natural loops of a function and their nesting.
///
/// Loops are numbered innermost first: a loop's index is smaller than its
/// parent's. Two back edges to the same header make one loop.
#[derive(Clone, Debug, Default)]
pub struct LoopInfo {
    loops: Vec<LoopData>,
    /// Innermost loop of each block.
    block_loop: Vec<Option<Loop>>,
    /// Preorder number of each loop in the loop forest, and subtree size.
    pre: Vec<u32>,
    size: Vec<u32>,
}

impl LoopInfo {
    /// Finds the natural loops of `func`, whose dominator tree is `dt`.
    pub fn compute(func: &Function, dt: &DomTree) -> LoopInfo {
        let n = func.blocks.len();
        let cfg = dt.cfg();
        let mut li = LoopInfo {
            loops: Vec::new(),
            block_loop: vec![None; n],
            pre: Vec::new(),
            size: Vec::new(),
        };
        // Union-find over loops: `uf[l]` leads towards l's outermost known
        // enclosing loop.
        let mut uf: Vec<u32> = Vec::new();
        let mut work: Vec<Block> = Vec::new();
        for &h in dt.rpo().iter().rev() {
            let latches: Vec<Block> = cfg
                .preds(h)
                .iter()
                .copied()
                .filter(|&p| dt.is_reachable(p) && dt.dominates(h, p))
                .collect();
            if latches.is_empty() {
                continue;
            }
            let l = Loop(li.loops.len() as u32);
            uf.push(l.0);
            li.block_loop[h.index()] = Some(l);
            work.clear();
            work.extend(latches.iter().copied().filter(|&p| p != h));
            li.loops.push(LoopData {
                header: h,
                latches,
                parent: None,
                children: Vec::new(),
                depth: 0,
            });
            while let Some(x) = work.pop() {
                match li.block_loop[x.index()] {
                    None => {
                        li.block_loop[x.index()] = Some(l);
                        work.extend(cfg.preds(x).iter().copied().filter(|&p| dt.is_reachable(p)));
                    }
                    Some(sub) => {
                        let outer = find(&mut uf, sub.0);
                        if outer == l.0 {
                            continue;
                        }
                        uf[outer as usize] = l.0;
                        li.loops[outer as usize].parent = Some(l);
                        let sh = li.loops[outer as usize].header;
                        work.extend(
                            cfg.preds(sh)
                                .iter()
                                .copied()
                                .filter(|&p| dt.is_reachable(p) && !dt.dominates(sh, p)),
                        );
                    }
                }
            }
        }
        // Depths and children: parents have larger indices.
        for i in (0..li.loops.len()).rev() {
            let depth = match li.loops[i].parent {
                Some(p) => {
                    li.loops[p.index()].children.push(Loop(i as u32));
                    li.loops[p.index()].depth + 1
                }
                None => 1,
            };
            li.loops[i].depth = depth;
        }
        // Preorder numbering of the loop forest, for O(1) containment.
        let m = li.loops.len();
        li.pre = vec![0; m];
        li.size = vec![0; m];
        let mut counter = 0u32;
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for root in (0..m).rev() {
            if li.loops[root].parent.is_some() {
                continue;
            }
            li.pre[root] = counter;
            counter += 1;
            stack.push((root as u32, 0));
            while let Some(top) = stack.last_mut() {
                let (x, i) = *top;
                if let Some(&c) = li.loops[x as usize].children.get(i) {
                    top.1 += 1;
                    li.pre[c.index()] = counter;
                    counter += 1;
                    stack.push((c.0, 0));
                } else {
                    li.size[x as usize] = counter - li.pre[x as usize];
                    stack.pop();
                }
            }
        }
        li
    }

    /// The number of loops.
    pub fn len(&self) -> usize {
        self.loops.len()
    }

    /// Whether there are no loops.
    pub fn is_empty(&self) -> bool {
        self.loops.is_empty()
    }

    /// All loops, innermost first (a loop comes before its parent).
    pub fn loops(&self) -> impl DoubleEndedIterator<Item = Loop> + ExactSizeIterator {
        (0..self.loops.len() as u32).map(Loop)
    }

    /// The data of loop `l`.
    pub fn data(&self, l: Loop) -> &LoopData {
        &self.loops[l.index()]
    }

    /// The header of `l`.
    pub fn header(&self, l: Loop) -> Block {
        self.loops[l.index()].header
    }

    /// The innermost enclosing loop of `l`.
    pub fn parent(&self, l: Loop) -> Option<Loop> {
        self.loops[l.index()].parent
    }

    /// The nesting depth of `l` (1 for an outermost loop).
    pub fn depth(&self, l: Loop) -> u32 {
        self.loops[l.index()].depth
    }

    /// The innermost loop containing `b`, if any.
    pub fn innermost(&self, b: Block) -> Option<Loop> {
        self.block_loop.get(b.index()).copied().flatten()
    }

    /// The loop nesting depth of `b` (0 outside loops).
    pub fn block_depth(&self, b: Block) -> u32 {
        self.innermost(b).map_or(0, |l| self.depth(l))
    }

    /// Whether loop `outer` contains loop `inner` (a loop contains itself).
    pub fn loop_contains(&self, outer: Loop, inner: Loop) -> bool {
        let (po, pi) = (self.pre[outer.index()], self.pre[inner.index()]);
        po <= pi && pi < po + self.size[outer.index()]
    }

    /// Whether block `b` is in the body of loop `l` (nested loops included).
    pub fn contains(&self, l: Loop, b: Block) -> bool {
        self.innermost(b)
            .is_some_and(|inner| self.loop_contains(l, inner))
    }

    /// Records that block `b` (e.g. a new preheader) belongs to loop `l`
    /// (innermost), or to no loop.
    pub fn set_innermost(&mut self, b: Block, l: Option<Loop>) {
        if self.block_loop.len() <= b.index() {
            self.block_loop.resize(b.index() + 1, None);
        }
        self.block_loop[b.index()] = l;
    }

    /// The blocks of loop `l`'s body (nested loops included), in an
    /// unspecified order. Costs O(size of the function).
    pub fn body(&self, l: Loop) -> Vec<Block> {
        (0..self.block_loop.len())
            .map(Block::new)
            .filter(|&b| self.contains(l, b))
            .collect()
    }

    /// The preheader of `l`, if it has one: the only predecessor of the
    /// header from outside the loop, whose only successor is the header.
    pub fn preheader(&self, l: Loop, dt: &DomTree) -> Option<Block> {
        let h = self.header(l);
        let mut outside = dt
            .cfg()
            .preds(h)
            .iter()
            .copied()
            .filter(|&p| dt.is_reachable(p) && !self.contains(l, p));
        let p = outside.next()?;
        if outside.next().is_some() || dt.cfg().succs(p) != [h] {
            return None;
        }
        Some(p)
    }
}

fn find(uf: &mut [u32], mut x: u32) -> u32 {
    while uf[x as usize] != x {
        let next = uf[x as usize];
        uf[x as usize] = uf[next as usize]; // path halving
        x = next;
    }
    x
}
