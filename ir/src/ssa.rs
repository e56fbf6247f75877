//! Leaving SSA: block parameters become copies, so that the function is in
//! the non-SSA form the lowering accepts (only the entry block has
//! parameters, branches pass no arguments).
//!
//! **Requires**: a valid SSA function (`verifier::verify(f, true)`), in which
//! a value's uses are dominated by its definition. `br_table` targets take no
//! arguments in the IR, so only `jump` and `brif` edges carry values.
//!
//! For each edge `P -> S(args)` that passes arguments, the assignment of the
//! arguments to `S`'s parameters is a *parallel* copy. It is placed
//! - at the end of `P`, before its terminator, when `P` ends in a `jump`
//!   (then `S` is `P`'s only successor);
//! - at the start of `S` when `P` ends in a `brif` and this edge is the only
//!   way into `S` (`S` is not the entry, and no other edge, not even the
//!   `brif`'s other arm, leads there);
//! - otherwise in a new block on the edge: the edge is *critical* (a `brif`
//!   into a block with several incoming edges). The new block holds the
//!   copies and jumps to `S`, follows `P` in the layout, and gets the larger
//!   loop depth of its two ends.
//!
//! Edges without arguments are left alone, critical or not: nothing needs to
//! be placed on them. A parallel copy is sequenced into plain `copy`
//! instructions that never overwrite a value another copy of the group still
//! has to read; a cycle (a swap `(v1, v2) <- (v2, v1)`, a rotation) is broken
//! with one fresh temporary. Copies of a value to itself are dropped. Finally
//! the parameters of every non-entry block are removed; each former parameter
//! is now a register assigned by the copies on the edges into its block.
//!
//! A function whose entry block is a branch target gets a new entry block
//! that takes the parameters and jumps to the old one (non-SSA form cannot
//! branch to the entry).
//!
//! The whole pass is linear in the size of the function.

use crate::{Block, BlockCall, BlockData, Function, Inst, InstData, Value};

/// Turns the SSA function `func` into non-SSA form (see the module docs).
pub fn destruct(func: &mut Function) {
    let entry = match func.entry_block() {
        Some(b) => b,
        None => return,
    };
    // Incoming edges per block; the entry is also entered by the call.
    let mut incoming = vec![0u32; func.blocks.len()];
    incoming[entry.index()] += 1;
    let mut succs = Vec::new();
    for &b in &func.layout {
        func.successors(b, &mut succs);
        for s in &succs {
            if let Some(n) = incoming.get_mut(s.index()) {
                *n += 1;
            }
        }
    }

    // Non-SSA form cannot branch to the entry, whose parameters stay: give
    // the function a new entry that takes them and jumps to the old one.
    let entry = if incoming[entry.index()] > 1 {
        let new_entry = func.new_block();
        let params = func.blocks[entry.index()].params.clone();
        func.blocks[new_entry.index()].params = params;
        func.append_inst(
            new_entry,
            InstData::Jump {
                dest: BlockCall::new(entry),
            },
            0,
        );
        func.layout.insert(0, new_entry);
        incoming.push(1);
        new_entry
    } else {
        entry
    };
    let mut depths: Option<EdgeDepths> = None;

    let mut seq = Sequencer::default();
    let old_layout = std::mem::take(&mut func.layout);
    let mut layout = Vec::with_capacity(old_layout.len());
    // Copies to put at the start of a block, by block.
    let mut at_start: Vec<(Block, Vec<Inst>)> = Vec::new();
    for &p in &old_layout {
        layout.push(p);
        let Some(term) = func.terminator(p) else {
            continue;
        };
        let srcloc = func.srclocs[term.index()];
        match func.insts[term.index()].clone() {
            InstData::Jump { dest } if !dest.args.is_empty() => {
                let copies = seq.copies(func, &dest, srcloc);
                let insts = &mut func.blocks[p.index()].insts;
                let t = insts.pop().expect("the terminator");
                insts.extend(copies);
                insts.push(t);
                func.insts[term.index()] = InstData::Jump {
                    dest: BlockCall::new(dest.block),
                };
            }
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                let mut dests = [then_dest, else_dest];
                for d in &mut dests {
                    if d.args.is_empty() {
                        continue;
                    }
                    let s = d.block;
                    let copies = seq.copies(func, d, srcloc);
                    if incoming[s.index()] == 1 {
                        at_start.push((s, copies));
                        *d = BlockCall::new(s);
                    } else {
                        let e = func.new_block();
                        let ed = depths.get_or_insert_with(|| EdgeDepths::new(func, &old_layout));
                        func.blocks[e.index()].loop_depth = ed.edge(func, p, s);
                        func.blocks[e.index()].insts = copies;
                        func.append_inst(
                            e,
                            InstData::Jump {
                                dest: BlockCall::new(s),
                            },
                            srcloc,
                        );
                        layout.push(e);
                        *d = BlockCall::new(e);
                    }
                }
                func.insts[term.index()] = InstData::Brif {
                    cond,
                    then_dest: dests[0],
                    else_dest: dests[1],
                };
            }
            _ => {}
        }
    }
    func.layout = layout;
    for (s, copies) in at_start {
        let insts = &mut func.blocks[s.index()].insts;
        insts.splice(0..0, copies);
    }
    for (i, BlockData { params, .. }) in func.blocks.iter_mut().enumerate() {
        if i != entry.index() {
            params.clear();
        }
    }
}

/// The loop depth of a block placed on an edge: that of the innermost loop
/// containing both ends, which is how often the edge runs. For the
/// structured (reducible) CFGs made from Wasm, in layout order: a backward
/// edge `p -> s` is a back edge of the loop headed by `s` (depth of `s`); a
/// forward edge into a loop header enters that loop from outside (at most
/// one less than `s`); any other forward edge runs at the smaller depth of
/// its ends (an exit from an inner loop, or an edge within one loop). The
/// larger depth of the two ends, used before, counted an edge from one
/// loop to the header of the next as inside a loop, which made the
/// splitting allocator keep values out of registers between the two.
struct EdgeDepths {
    /// Layout position of each block (`u32::MAX` if not in the layout).
    pos: Vec<u32>,
    /// Whether each block is the target of a backward edge.
    header: Vec<bool>,
}

impl EdgeDepths {
    /// For `func` with the block order `layout`. (Made when the first edge
    /// block is: most functions need none.)
    fn new(func: &Function, layout: &[Block]) -> EdgeDepths {
        let mut pos = vec![u32::MAX; func.blocks.len()];
        for (k, &b) in layout.iter().enumerate() {
            pos[b.index()] = k as u32;
        }
        let mut header = vec![false; func.blocks.len()];
        let mut succs = Vec::new();
        for (k, &b) in layout.iter().enumerate() {
            func.successors(b, &mut succs);
            for t in &succs {
                if pos.get(t.index()).is_some_and(|&q| q <= k as u32) {
                    header[t.index()] = true;
                }
            }
        }
        EdgeDepths { pos, header }
    }

    fn edge(&self, func: &Function, p: Block, s: Block) -> u32 {
        let (dp, ds) = (
            func.blocks[p.index()].loop_depth,
            func.blocks[s.index()].loop_depth,
        );
        let at = |b: Block| self.pos.get(b.index()).copied().unwrap_or(u32::MAX);
        let (pp, ps) = (at(p), at(s));
        if pp >= ps {
            ds
        } else if self.header.get(s.index()).copied().unwrap_or(false) {
            dp.min(ds.saturating_sub(1))
        } else {
            dp.min(ds)
        }
    }
}

/// Splits every critical edge (from a block with several outgoing edges to
/// a block with several incoming edges) with a new block that only jumps to
/// the target, so that a register allocator may place moves on any edge.
/// Requires non-SSA form (branches carry no arguments), as `destruct`
/// leaves it. Linear in the size of the function. Returns whether it split.
pub fn split_critical_edges(func: &mut Function) -> bool {
    let Some(entry) = func.entry_block() else {
        return false;
    };
    let mut incoming = vec![0u32; func.blocks.len()];
    incoming[entry.index()] += 1;
    let mut succs = Vec::new();
    for &b in &func.layout {
        func.successors(b, &mut succs);
        for s in &succs {
            incoming[s.index()] += 1;
        }
    }
    let mut depths: Option<EdgeDepths> = None;
    let old_layout = std::mem::take(&mut func.layout);
    let mut layout = Vec::with_capacity(old_layout.len());
    let mut changed = false;
    // Edge blocks made for the current predecessor, by target.
    let mut made: Vec<(Block, Block)> = Vec::new();
    for &p in &old_layout {
        layout.push(p);
        let Some(term) = func.terminator(p) else {
            continue;
        };
        let srcloc = func.srclocs[term.index()];
        made.clear();
        let mut edge_to = |func: &mut Function, s: Block, layout: &mut Vec<Block>| -> Block {
            if let Some(&(_, e)) = made.iter().find(|(t, _)| *t == s) {
                return e;
            }
            let e = func.new_block();
            let d = depths.get_or_insert_with(|| EdgeDepths::new(func, &old_layout));
            func.blocks[e.index()].loop_depth = d.edge(func, p, s);
            func.append_inst(
                e,
                InstData::Jump {
                    dest: BlockCall::new(s),
                },
                srcloc,
            );
            layout.push(e);
            made.push((s, e));
            e
        };
        match func.insts[term.index()].clone() {
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                let mut dests = [then_dest, else_dest];
                for d in &mut dests {
                    if incoming[d.block.index()] > 1 {
                        debug_assert!(d.args.is_empty(), "split_critical_edges needs non-SSA form");
                        *d = BlockCall::new(edge_to(func, d.block, &mut layout));
                        changed = true;
                    }
                }
                func.insts[term.index()] = InstData::Brif {
                    cond,
                    then_dest: dests[0],
                    else_dest: dests[1],
                };
            }
            InstData::BrTable { table, .. } => {
                let targets = func.jump_tables[table.index()].clone();
                if targets.len() < 2 {
                    continue;
                }
                let mut new_targets = targets.clone();
                for t in new_targets.iter_mut() {
                    if incoming[t.index()] > 1 {
                        *t = edge_to(func, *t, &mut layout);
                        changed = true;
                    }
                }
                func.jump_tables[table.index()] = new_targets;
            }
            _ => {}
        }
    }
    func.layout = layout;
    changed
}

/// Sequences parallel copies; its tables are indexed by value and kept
/// clean between groups, so each group costs time linear in its size.
#[derive(Default)]
struct Sequencer {
    /// Per value: how many pending moves of the group read it.
    readers: Vec<u32>,
    /// Per value: the index + 1 of the move of the group that writes it (0:
    /// none).
    writer: Vec<u32>,
}

impl Sequencer {
    /// The copies that assign `dest`'s arguments to its block's parameters,
    /// as new instructions (not placed in any block).
    fn copies(&mut self, func: &mut Function, dest: &BlockCall, srcloc: u32) -> Vec<Inst> {
        let params = &func.blocks[dest.block.index()].params;
        let args = func.values(dest.args);
        debug_assert_eq!(params.len(), args.len(), "branch to {}", dest.block);
        // (dst, current source); self-copies dropped.
        let mut moves: Vec<(Value, Value)> = params
            .iter()
            .zip(args)
            .filter(|(p, a)| p != a)
            .map(|(&p, &a)| (p, a))
            .collect();
        let mut out = Vec::with_capacity(moves.len());
        if moves.is_empty() {
            return out;
        }
        let n = func.num_values();
        if self.readers.len() < n {
            self.readers.resize(n, 0);
            self.writer.resize(n, 0);
        }
        for (i, &(d, s)) in moves.iter().enumerate() {
            self.readers[s.index()] += 1;
            self.writer[d.index()] = i as u32 + 1;
        }
        let mut done = vec![false; moves.len()];
        let mut ready: Vec<usize> = (0..moves.len())
            .filter(|&i| self.readers[moves[i].0.index()] == 0)
            .collect();
        let mut emitted = 0;
        let mut next_pending = 0;
        let mut emit = |func: &mut Function, dst: Value, src: Value| {
            out.push(func.new_inst(InstData::Copy { dst, src }, srcloc));
        };
        while emitted < moves.len() {
            while let Some(i) = ready.pop() {
                let (d, s) = moves[i];
                emit(func, d, s);
                done[i] = true;
                emitted += 1;
                // `s` may have been a fresh temporary, outside the tables.
                if let Some(r) = self.readers.get_mut(s.index()) {
                    *r -= 1;
                    if *r == 0 {
                        let w = self.writer[s.index()];
                        if w != 0 && !done[w as usize - 1] {
                            ready.push(w as usize - 1);
                        }
                    }
                }
            }
            // Only cycles remain: each pending move's destination is read by
            // exactly one pending move. Save one destination in a temporary.
            while next_pending < moves.len() && done[next_pending] {
                next_pending += 1;
            }
            if next_pending == moves.len() {
                break;
            }
            let i = next_pending;
            let d = moves[i].0;
            // Walk the cycle backwards to the move that reads `d`.
            let mut m = i;
            loop {
                let k = self.writer[moves[m].1.index()] as usize - 1;
                if k == i {
                    break;
                }
                m = k;
            }
            let tmp = func.new_value(func.value_type(d));
            emit(func, tmp, d);
            moves[m].1 = tmp;
            self.readers[d.index()] -= 1;
            debug_assert_eq!(self.readers[d.index()], 0);
            ready.push(i);
        }
        for &(d, _) in &moves {
            self.writer[d.index()] = 0;
            self.readers[d.index()] = 0;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::{Outcome, run};
    use crate::parser::parse_function;
    use crate::testing::env_for_tests;
    use crate::verifier::verify;

    fn check(text: &str, inputs: &[&[u64]]) -> Function {
        let f = parse_function(text).unwrap_or_else(|e| panic!("{e}"));
        verify(&f, true).unwrap();
        let mut g = f.clone();
        destruct(&mut g);
        verify(&g, false).unwrap_or_else(|e| panic!("{e}\n{g}"));
        for &b in &g.layout[1..] {
            assert!(g.blocks[b.index()].params.is_empty());
        }
        for &args in inputs {
            let a = run(&f, args, &mut env_for_tests(), 10_000);
            let b = run(&g, args, &mut env_for_tests(), 100_000);
            assert!(matches!(a, Outcome::Returned(_)), "{a:?}");
            assert_eq!(a, b, "args {args:?}\n{f}\n{g}");
        }
        g
    }

    fn count_copies(f: &Function) -> usize {
        f.layout
            .iter()
            .flat_map(|b| &f.blocks[b.index()].insts)
            .filter(|i| matches!(f.insts[i.index()], InstData::Copy { .. }))
            .count()
    }

    #[test]
    fn edge_blocks_run_as_often_as_their_edge() {
        // Two loops one after the other; the first one's exit is a critical
        // edge into the second one's header. Depths as the frontend gives
        // them: 1 in the loops.
        let mut f = parse_function(
            "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    jump block1(v0)
block1(v2: i32):
    v3 = isub.i32 v2, v1
    brif v3, block1(v3), block2(v3)
block2(v4: i32):
    v5 = isub.i32 v4, v1
    brif v5, block2(v5), block3
block3:
    return v5
}",
        )
        .unwrap();
        for (b, d) in [(1, 1), (2, 1)] {
            f.blocks[b].loop_depth = d;
        }
        destruct(&mut f);
        verify(&f, false).unwrap_or_else(|e| panic!("{e}\n{f}"));
        // (edge block, its target, the depth it must have): the back edges
        // run in their loops; the edge from one loop into the next runs
        // once.
        let depth_of = |target: u32, after: u32| {
            let k = f.layout.iter().position(|b| b.0 == after).unwrap();
            let e = f.layout[k + 1..]
                .iter()
                .find(|e| {
                    matches!(f.insts[f.terminator(**e).unwrap().index()],
                        InstData::Jump { dest } if dest.block.0 == target && e.0 >= 4)
                })
                .expect("edge block");
            f.blocks[e.index()].loop_depth
        };
        assert_eq!(depth_of(1, 1), 1, "{f}");
        assert_eq!(depth_of(2, 1), 0, "{f}");
        assert_eq!(depth_of(2, 2), 1, "{f}");
    }

    #[test]
    fn swap_through_a_back_edge_needs_a_temporary() {
        let g = check(
            "function %swap(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    v2 = iconst.i32 2
    jump block1(v0, v1, v2)
block1(v3: i32, v4: i32, v5: i32):
    brif v3, block2, block3
block2:
    v6 = iconst.i32 1
    v7 = isub.i32 v3, v6
    jump block1(v7, v5, v4)
block3:
    v8 = iconst.i32 10
    v9 = imul.i32 v4, v8
    v10 = iadd.i32 v9, v5
    return v10
}",
            &[&[0], &[1], &[2], &[7]],
        );
        // 3 copies on entry, 3 + 1 temporary on the back edge; no new blocks.
        assert_eq!(count_copies(&g), 7);
        assert_eq!(g.layout.len(), 4);
    }

    #[test]
    fn three_cycle_on_a_critical_back_edge() {
        let g = check(
            "function %rot(i32) -> i64 {
block0(v0: i32):
    v1 = iconst.i64 1
    v2 = iconst.i64 2
    v3 = iconst.i64 3
    jump block1(v0, v1, v2, v3)
block1(v4: i32, v5: i64, v6: i64, v7: i64):
    v8 = iconst.i32 1
    v9 = isub.i32 v4, v8
    brif v9, block1(v9, v6, v7, v5), block2
block2:
    v10 = iconst.i64 100
    v11 = imul.i64 v5, v10
    v12 = iconst.i64 10
    v13 = imul.i64 v6, v12
    v14 = iadd.i64 v11, v13
    v15 = iadd.i64 v14, v7
    return v15
}",
            &[&[1], &[2], &[3], &[4], &[5]],
        );
        // The back edge leaves a brif into a two-entry block: split.
        assert_eq!(g.layout.len(), 4);
        let e = g.layout[2];
        assert_eq!(g.blocks[e.index()].loop_depth, 0);
        assert_eq!(g.blocks[e.index()].insts.len(), 6); // 4 + temp + jump
    }

    #[test]
    fn single_entry_targets_get_copies_at_their_start() {
        let g = check(
            "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1(v1, v0), block2(v0)
block1(v2: i32, v3: i32):
    v4 = isub.i32 v2, v3
    return v4
block2(v5: i32):
    return v5
}",
            &[&[0, 5], &[3, 10]],
        );
        assert_eq!(g.layout.len(), 3);
        let b1 = &g.blocks[1].insts;
        assert!(matches!(g.insts[b1[0].index()], InstData::Copy { .. }));
    }

    #[test]
    fn both_arms_to_one_block_and_critical_edges_are_split() {
        let g = check(
            "function %f(i32, i64, i64) -> i64 {
block0(v0: i32, v1: i64, v2: i64):
    brif v0, block1(v1), block1(v2)
block1(v3: i64):
    v4 = wrap.i32 v3
    brif v4, block2(v3), block3
block3:
    v5 = iconst.i64 7
    jump block2(v5)
block2(v6: i64):
    return v6
}",
            &[&[0, 1, 2], &[1, 1, 2], &[1, 0, 2], &[0, 5, 0]],
        );
        // block0's two edges and block1 -> block2 are split.
        assert_eq!(g.layout.len(), 4 + 3);
    }

    #[test]
    fn br_table_edges_and_entry_targets() {
        check(
            "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    jump block4(v1)
block4(v2: i32):
    br_table v0, [block1, block2, block1]
block1:
    return v2
block2:
    v3 = iconst.i32 5
    v4 = iadd.i32 v0, v3
    brif v0, block3, block3
block3:
    return v4
}",
            &[&[0], &[1], &[2], &[9]],
        );
        // A branch back to the entry assigns the function's parameters.
        let g = check(
            "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1, block2
block1:
    v2 = iconst.i32 1
    v3 = isub.i32 v0, v2
    v4 = iadd.i32 v1, v0
    brif v3, block0(v3, v4), block2
block2:
    return v1
}",
            &[&[0, 0], &[4, 1]],
        );
        assert_eq!(g.blocks[g.layout[0].index()].params.len(), 2);
        assert_eq!(g.layout[1], Block(0));
    }
}
