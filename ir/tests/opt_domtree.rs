//! Dominator tree and loop analysis: diamonds, loops, nested loops,
//! irreducible cycles, unreachable blocks, and a 10,000-deep chain.

use strata_ir::opt::domtree::{DomTree, LoopInfo};
use strata_ir::parser::parse_function;
use strata_ir::{Block, BlockCall, Function, InstData, Type};

fn b(i: usize) -> Block {
    Block::new(i)
}

fn analyse(text: &str) -> (Function, DomTree, LoopInfo) {
    let f = parse_function(text).expect("parses");
    let dt = DomTree::compute(&f);
    let li = LoopInfo::compute(&f, &dt);
    (f, dt, li)
}

const DIAMOND: &str = "
function %d(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    jump block3(v0)
block2:
    jump block3(v0)
block3(v1: i32):
    return v1
}
";

#[test]
fn diamond() {
    let (_, dt, li) = analyse(DIAMOND);
    assert_eq!(dt.idom(b(0)), None);
    assert_eq!(dt.idom(b(1)), Some(b(0)));
    assert_eq!(dt.idom(b(2)), Some(b(0)));
    assert_eq!(dt.idom(b(3)), Some(b(0)));
    assert!(dt.dominates(b(0), b(3)));
    assert!(dt.dominates(b(3), b(3)));
    assert!(!dt.dominates(b(1), b(3)));
    assert!(!dt.dominates(b(3), b(0)));
    assert_eq!(dt.children(b(0)).len(), 3);
    assert_eq!(dt.rpo()[0], b(0));
    assert_eq!(*dt.rpo().last().unwrap(), b(3));
    assert_eq!(dt.preorder().len(), 4);
    assert_eq!(dt.preorder()[0], b(0));
    assert_eq!(dt.cfg().preds(b(3)), [b(1), b(2)]);
    assert!(li.is_empty());
    assert_eq!(li.block_depth(b(3)), 0);
}

#[test]
fn branch_with_both_arms_to_one_block_has_one_edge() {
    let (_, dt, _) = analyse(
        "function %e(i32) {\nblock0(v0: i32):\n    brif v0, block1, block1\nblock1:\n    return\n}\n",
    );
    assert_eq!(dt.cfg().preds(b(1)), [b(0)]);
    assert_eq!(dt.cfg().succs(b(0)), [b(1)]);
}

const NESTED: &str = "
function %n(i32) -> i32 {
block0(v0: i32):
    jump block1
block1:
    jump block2
block2:
    brif v0, block2, block3
block3:
    brif v0, block1, block4
block4:
    brif v0, block5, block6
block5:
    jump block4
block6:
    return v0
}
";

#[test]
fn nested_loops() {
    let (_, dt, li) = analyse(NESTED);
    assert_eq!(li.len(), 3);
    let inner = li.innermost(b(2)).unwrap();
    let outer = li.innermost(b(1)).unwrap();
    let second = li.innermost(b(5)).unwrap();
    assert_eq!(li.header(inner), b(2));
    assert_eq!(li.header(outer), b(1));
    assert_eq!(li.header(second), b(4));
    assert_eq!(li.parent(inner), Some(outer));
    assert_eq!(li.parent(outer), None);
    assert_eq!(li.parent(second), None);
    assert_eq!(li.depth(inner), 2);
    assert_eq!(li.depth(outer), 1);
    assert_eq!(li.block_depth(b(3)), 1);
    assert_eq!(li.block_depth(b(2)), 2);
    assert_eq!(li.block_depth(b(6)), 0);
    assert!(li.contains(outer, b(2)));
    assert!(li.contains(outer, b(3)));
    assert!(!li.contains(inner, b(3)));
    assert!(!li.contains(outer, b(4)));
    let mut body = li.body(outer);
    body.sort();
    assert_eq!(body, [b(1), b(2), b(3)]);
    assert_eq!(li.data(inner).latches, [b(2)]);
    assert_eq!(li.data(outer).latches, [b(3)]);
    assert_eq!(li.data(outer).children, [inner]);
    // Innermost first: a loop is numbered before its parent.
    assert!(inner < outer);
    // Preheaders: block0 jumps only to block1; block1 only to block2;
    // block4 has block3 (a branch) as its outside predecessor.
    assert_eq!(li.preheader(outer, &dt), Some(b(0)));
    assert_eq!(li.preheader(inner, &dt), Some(b(1)));
    assert_eq!(li.preheader(second, &dt), None);
    assert!(dt.dominates(b(1), b(6)));
    assert!(!dt.dominates(b(2), b(1)));
}

#[test]
fn loop_with_two_latches_is_one_loop() {
    let (_, _, li) = analyse(
        "function %t(i32) {
block0(v0: i32):
    jump block1
block1:
    brif v0, block2, block3
block2:
    brif v0, block1, block4
block3:
    jump block1
block4:
    return
}
",
    );
    assert_eq!(li.len(), 1);
    let l = li.innermost(b(3)).unwrap();
    assert_eq!(li.data(l).latches.len(), 2);
    assert!(li.contains(l, b(2)));
    assert!(!li.contains(l, b(4)));
}

#[test]
fn irreducible_cycle_is_not_a_natural_loop() {
    // block1 <-> block2, each entered from block0: neither dominates the other.
    let (_, dt, li) = analyse(
        "function %i(i32) {
block0(v0: i32):
    brif v0, block1, block2
block1:
    brif v0, block2, block3
block2:
    brif v0, block1, block3
block3:
    return
}
",
    );
    assert_eq!(dt.idom(b(1)), Some(b(0)));
    assert_eq!(dt.idom(b(2)), Some(b(0)));
    assert_eq!(dt.idom(b(3)), Some(b(0)));
    assert!(!dt.dominates(b(1), b(2)));
    assert!(li.is_empty());
}

#[test]
fn irreducible_cycle_inside_a_natural_loop() {
    let (_, dt, li) = analyse(
        "function %j(i32) {
block0(v0: i32):
    jump block1
block1:
    brif v0, block2, block3
block2:
    brif v0, block3, block4
block3:
    brif v0, block2, block4
block4:
    brif v0, block1, block5
block5:
    return
}
",
    );
    assert_eq!(li.len(), 1);
    let l = li.innermost(b(2)).unwrap();
    assert_eq!(li.header(l), b(1));
    for x in 1..5 {
        assert!(li.contains(l, b(x)), "block{x}");
    }
    assert_eq!(dt.idom(b(4)), Some(b(1)));
}

#[test]
fn unreachable_blocks_are_outside_everything() {
    let (_, dt, li) = analyse(
        "function %u() {
block0:
    return
block1:
    jump block1
}
",
    );
    assert!(!dt.is_reachable(b(1)));
    assert_eq!(dt.idom(b(1)), None);
    assert!(!dt.dominates(b(0), b(1)));
    assert!(dt.dominates(b(1), b(1)));
    assert_eq!(dt.rpo(), [b(0)]);
    assert!(li.is_empty());
}

/// 10,000 blocks in a chain, each also branching back to the first: deep
/// tree, long loop, no recursion.
#[test]
fn ten_thousand_deep_chain() {
    let n = 10_000;
    let mut f = Function::new();
    f.signature.params = vec![Type::I32];
    let blocks: Vec<_> = (0..n).map(|_| f.new_block()).collect();
    let c = f.append_block_param(blocks[0], Type::I32);
    for (k, &bk) in blocks.iter().enumerate() {
        f.append_block_to_layout(bk);
        let data = if k == 0 {
            InstData::Jump {
                dest: BlockCall::new(blocks[1]),
            }
        } else if k + 1 < n {
            InstData::Brif {
                cond: c,
                then_dest: BlockCall::new(blocks[k + 1]),
                else_dest: BlockCall::new(blocks[1]),
            }
        } else {
            InstData::Return {
                args: Default::default(),
            }
        };
        f.append_inst(bk, data, 0);
    }
    let dt = DomTree::compute(&f);
    assert_eq!(dt.rpo().len(), n);
    for k in 1..n {
        assert_eq!(dt.idom(blocks[k]), Some(blocks[k - 1]));
    }
    assert!(dt.dominates(blocks[0], blocks[n - 1]));
    assert!(!dt.dominates(blocks[n - 1], blocks[1]));
    assert_eq!(dt.preorder().len(), n);
    let li = LoopInfo::compute(&f, &dt);
    assert_eq!(li.len(), 1);
    let l = li.innermost(blocks[5000]).unwrap();
    assert_eq!(li.header(l), blocks[1]);
    assert_eq!(li.data(l).latches.len(), n - 2);
    assert!(!li.contains(l, blocks[n - 1]));
    assert_eq!(li.preheader(l, &dt), Some(blocks[0]));
}
