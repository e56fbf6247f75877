//! The shape of on-stack-replacement variants: a loop nested in others is
//! entered through the enclosing loops' headers, so that the variant keeps
//! the loop nest (each loop entered at its header only); a loop with
//! parameters in the nest falls back to a jump straight to the OSR loop.

use strata_frontend::module::{translate_module, wasm2_features};
use strata_frontend::ssa::SsaTranslator;
use strata_frontend::vmoffsets::VMOffsets;
use strata_ir::opt::domtree::{DomTree, LoopInfo};
use strata_ir::verifier::verify;
use strata_ir::{Function, InstData};

/// Three nested loops (numbered 0, 1, 2 from the outside), each writing
/// locals, an operand-stack entry below the middle loop.
const NEST: &str = r#"(module
  (func (param $n i32) (result i32) (local $i i32) (local $j i32) (local $k i32) (local $acc i32)
    (loop $a
      (local.set $j (i32.const 0))
      (i32.const 3)
      (loop $b
        (local.set $k (i32.const 0))
        (loop $c
          (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $j) (local.get $k))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $c (i32.lt_u (local.get $k) (local.get $n))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $b (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $acc (i32.add (local.get $acc)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $a (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#;

/// The OSR variant of the module's first function for loop `l`, verified.
fn osr_variant(wat: &str, l: u32) -> Function {
    let bytes = wat::parse_str(wat).unwrap();
    let env = translate_module(&bytes, wasm2_features()).unwrap();
    let offsets = VMOffsets::new(&env);
    let mut func = Function::new();
    SsaTranslator::new()
        .translate_osr(&env, &offsets, &bytes, 0, l, &mut func)
        .unwrap();
    verify(&func, true).unwrap_or_else(|e| panic!("{e}\n{func}"));
    func
}

/// The block the entry block jumps to.
fn entry_target(f: &Function) -> strata_ir::Block {
    let entry = f.layout[0];
    let last = *f.blocks[entry.index()].insts.last().unwrap();
    match f.insts[last.index()] {
        InstData::Jump { dest } => dest.block,
        ref other => panic!("entry ends in {other:?}\n{f}"),
    }
}

#[test]
fn osr_into_an_inner_loop_keeps_the_loop_nest() {
    for l in 0..3u32 {
        let f = osr_variant(NEST, l);
        let li = LoopInfo::compute(&f, &DomTree::compute(&f));
        // Three loops, nested: depths 1, 2 and 3.
        let mut depths: Vec<u32> = li.loops().map(|x| li.depth(x)).collect();
        depths.sort();
        assert_eq!(depths, [1, 2, 3], "loop {l}\n{f}");
        // The entry goes to the outermost loop's header.
        let target = entry_target(&f);
        assert_eq!(li.block_depth(target), 1, "loop {l}\n{f}");
        assert!(li.loops().any(|x| li.header(x) == target), "loop {l}\n{f}");
    }
}

#[test]
fn a_loop_with_parameters_in_the_nest_is_entered_directly() {
    // The middle loop takes a parameter: the entry jumps to the inner
    // loop's header, which then heads the enclosing cycles too.
    let wat = r#"(module
      (type $p (func (param i32) (result i32)))
      (func (param $n i32) (result i32) (local $i i32) (local $k i32)
        (i32.const 0)
        (loop $b (type $p)
          (local.set $k (i32.const 0))
          (loop $c
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $c (i32.lt_u (local.get $k) (local.get $n))))
          (i32.add (local.get $k))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $b (i32.lt_u (local.get $i) (local.get $n))))))"#;
    let f = osr_variant(wat, 1);
    let li = LoopInfo::compute(&f, &DomTree::compute(&f));
    let target = entry_target(&f);
    assert!(li.loops().any(|x| li.header(x) == target), "{f}");
    assert_eq!(li.len(), 1, "the two cycles share the inner header\n{f}");
}
