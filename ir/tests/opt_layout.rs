//! Block layout: golden tests (`tests/golden/layout/*.ir` → `*.expected`,
//! rewritten with `STRATA_BLESS=1`), the pass's guarantees on random
//! functions with shuffled layouts, and equivalence.

use strata_ir::Function;
use strata_ir::opt::domtree::{DomTree, LoopInfo};
use strata_ir::opt::layout;
use strata_ir::testing::{GenConfig, Rng, random_function};

#[path = "golden/harness.rs"]
mod harness;

#[test]
fn golden_layout() {
    harness::golden_cases("layout", 5, layout::run);
}

#[test]
fn random_functions_keep_their_behaviour() {
    let stats = harness::check_equivalence(0, 2000, &layout::run);
    assert!(
        stats.compared > 4000,
        "only {} runs compared",
        stats.compared
    );
}

/// The layout's position of each block.
fn positions(f: &Function) -> Vec<usize> {
    let mut pos = vec![usize::MAX; f.blocks.len()];
    for (k, b) in f.layout.iter().enumerate() {
        pos[b.index()] = k;
    }
    pos
}

/// What the pass promises, checked on `after` (made from `before`): the
/// same blocks with the same entry; every loop one contiguous range that
/// starts at its header; and, when `forward` is set, every edge that went
/// forward in `before`'s layout and is not a back edge still goes forward.
fn check_guarantees(before: &Function, after: &Function, forward: bool, what: &str) {
    let mut a = before.layout.clone();
    let mut b = after.layout.clone();
    assert_eq!(a[0], b[0], "{what}: the entry moved\n{after}");
    a.sort();
    b.sort();
    assert_eq!(a, b, "{what}: not a permutation of the blocks\n{after}");
    let dt = DomTree::compute(after);
    let li = LoopInfo::compute(after, &dt);
    let pos = positions(after);
    for l in li.loops() {
        let body = li.body(l);
        let first = body.iter().map(|b| pos[b.index()]).min().unwrap();
        let last = body.iter().map(|b| pos[b.index()]).max().unwrap();
        assert_eq!(
            first,
            pos[li.header(l).index()],
            "{what}: loop headed by {} does not start with its header\n{after}",
            li.header(l)
        );
        assert_eq!(
            last - first + 1,
            body.len(),
            "{what}: loop headed by {} is not contiguous\n{after}",
            li.header(l)
        );
    }
    if forward {
        let old = positions(before);
        let mut succs = Vec::new();
        for &p in &after.layout {
            after.successors(p, &mut succs);
            for &s in &succs {
                let back = dt.is_reachable(p) && dt.dominates(s, p);
                if old[p.index()] < old[s.index()] && !back {
                    assert!(
                        pos[p.index()] < pos[s.index()],
                        "{what}: edge {p} -> {s} now goes backward\n{after}"
                    );
                }
            }
        }
    }
}

#[test]
fn loops_end_up_contiguous_whatever_the_order_before() {
    let mut changed = 0;
    for seed in 0..1500u64 {
        let mut rng = Rng::new(seed);
        let cfg = GenConfig {
            max_blocks: 24,
            ..GenConfig::default()
        };
        let f = random_function(&mut rng, &cfg);
        // As generated: structured, so forward edges must stay forward.
        let mut g = f.clone();
        layout::run(&mut g);
        check_guarantees(&f, &g, true, &format!("seed {seed}"));
        // Shuffled (entry kept first): anything goes but the loops.
        let mut s = f.clone();
        for k in (2..s.layout.len()).rev() {
            let j = 1 + rng.below(k as u64) as usize;
            s.layout.swap(k, j);
        }
        let mut t = s.clone();
        if layout::run(&mut t) {
            changed += 1;
        }
        check_guarantees(&s, &t, false, &format!("seed {seed}, shuffled"));
        strata_ir::verifier::verify(&t, true).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{t}"));
    }
    assert!(changed > 300, "only {changed} shuffled layouts changed");
}

/// 2,000 nested loops: loop `d` is its header `block{d}` (which enters
/// loop `d + 1`, or leaves loop `d` for the latch of loop `d - 1`) and its
/// latch `block{2000 + d}`. The latches follow all the headers in the old
/// layout, outermost first, so every loop but the innermost has the
/// latches of the loops around it in the way. Laid out in one linear pass
/// (no deep recursion, no walk per level), every loop contiguous.
#[test]
fn deeply_nested_loops() {
    let depth = 2000;
    let ret = 2 * depth;
    let mut text = String::from("function %f(i32) -> i32 {\nblock0(v0: i32):\n    jump block1\n");
    for d in 1..depth {
        let out = if d == 1 { ret } else { depth + d - 1 };
        text += &format!("block{d}:\n    brif v0, block{}, block{out}\n", d + 1);
    }
    text += &format!(
        "block{depth}:\n    brif v0, block{depth}, block{}\n",
        2 * depth - 1
    );
    for d in 1..depth {
        text += &format!("block{}:\n    jump block{d}\n", depth + d);
    }
    text += &format!("block{ret}:\n    return v0\n}}\n");
    let f = strata_ir::parser::parse_function(&text).expect("parses");
    let dt = DomTree::compute(&f);
    assert_eq!(LoopInfo::compute(&f, &dt).len(), depth as usize);
    let mut g = f.clone();
    assert!(layout::run(&mut g));
    check_guarantees(&f, &g, false, "nested");
}

/// 5,000 loops one after the other, each leaving through a block that
/// leads to the next loop, and each with a second exit to one shared block
/// (5,001 predecessors) placed last. After each loop the shared block is a
/// candidate to pull up; looking through its predecessors every time would
/// be quadratic, and a block with more than `MAX_PULL_PREDS` is left where
/// it is. Every loop ends up contiguous and the shared block last.
#[test]
fn many_loops_sharing_an_exit() {
    let n = 5_000;
    let exit = 3 * n + 1;
    let mut text = String::from("function %f(i32) -> i32 {\nblock0(v0: i32):\n    jump block1\n");
    for k in 0..n {
        let (h, l, c) = (1 + 3 * k, 2 + 3 * k, 3 + 3 * k);
        let next = if k + 1 < n { 1 + 3 * (k + 1) } else { exit };
        text += &format!(
            "block{h}:\n    brif v0, block{l}, block{c}\n\
             block{l}:\n    brif v0, block{h}, block{exit}\n\
             block{c}:\n    jump block{next}\n"
        );
    }
    text += &format!("block{exit}:\n    return v0\n}}\n");
    let f = strata_ir::parser::parse_function(&text).expect("parses");
    let mut g = f.clone();
    layout::run(&mut g);
    check_guarantees(&f, &g, false, "many loops");
    assert_eq!(g.layout.last(), f.layout.last());
}
