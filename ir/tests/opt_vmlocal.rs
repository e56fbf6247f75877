//! VMContext reads made local: golden tests (`tests/golden/vmlocal/*.ir` →
//! `*.expected`, rewritten with `STRATA_BLESS=1`) and equivalence on random
//! functions after GVN and LICM (which give a function one `vmctx` and
//! hoist it, the shape this pass undoes).

use std::cell::Cell;

use strata_ir::opt::{gvn, licm, vmlocal};
use strata_ir::{Function, InstData};

#[path = "golden/harness.rs"]
mod harness;

#[test]
fn golden_vmlocal() {
    harness::golden_cases("vmlocal", 5, vmlocal::run);
}

/// The blocks that use each `vmctx` value besides the one defining it.
fn outside_uses(f: &Function) -> usize {
    let mut home = vec![None; f.num_values()];
    for &b in &f.layout {
        for &i in &f.blocks[b.index()].insts {
            if let InstData::Vmctx { dst } = f.insts[i.index()] {
                home[dst.index()] = Some(b);
            }
        }
    }
    let mut n = 0;
    for &b in &f.layout {
        for &i in &f.blocks[b.index()].insts {
            f.for_each_use(i, |v| {
                if home[v.index()].is_some_and(|h| h != b) {
                    n += 1;
                }
            });
        }
    }
    n
}

#[test]
fn random_functions_keep_their_behaviour() {
    let localized = Cell::new(0usize);
    let stats = harness::check_equivalence(0, 3000, &|f: &mut Function| {
        let merged = gvn::run(f) | licm::run(f);
        let before = outside_uses(f);
        let changed = vmlocal::run(f);
        assert_eq!(changed, before > 0, "{f}");
        assert_eq!(outside_uses(f), 0, "{f}");
        localized.set(localized.get() + usize::from(changed));
        merged | changed
    });
    assert!(
        stats.compared > 6000,
        "only {} runs compared",
        stats.compared
    );
    // GVN leaves one `vmctx` where a dominating block has one: the pass
    // has work in a good share of the functions.
    assert!(localized.get() > 300, "only {} functions", localized.get());
}
