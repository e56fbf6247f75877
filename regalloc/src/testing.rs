//! Test support (hidden from the docs): a plain [`Function`] implementation
//! ([`TestFunc`], built with [`FuncBuilder`]), a small test machine
//! ([`test_env`]) and a generator of random valid programs ([`random_func`])
//! with loops, all operand constraint kinds, calls with clobbers and high
//! register pressure. ISA crates may reuse these to test their clients.

use crate::{
    Block, Function, Inst, InstRange, MachineEnv, Operand, OperandConstraint, OperandKind,
    OperandPos, PReg, PRegSet, RegClass, VReg,
};

/// What ends (or does not end) a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestInstKind {
    /// An ordinary instruction.
    Op,
    /// A plain copy (`def = use`), see [`Function::is_move`].
    Move,
    /// A branch to the block's successors.
    Branch,
    /// A return.
    Ret,
}

/// One instruction of a [`TestFunc`].
#[derive(Clone, Debug)]
pub struct TestInst {
    /// Its operands.
    pub operands: Vec<Operand>,
    /// The registers it clobbers.
    pub clobbers: PRegSet,
    /// Op, branch or return.
    pub kind: TestInstKind,
}

/// One block of a [`TestFunc`].
#[derive(Clone, Debug)]
pub struct TestBlock {
    /// Its instructions.
    pub insts: InstRange,
    /// Successors.
    pub succs: Vec<Block>,
    /// Predecessors.
    pub preds: Vec<Block>,
    /// Loop depth.
    pub loop_depth: u32,
}

/// A function given by plain vectors.
#[derive(Clone, Debug, Default)]
pub struct TestFunc {
    /// Instructions, blocks' ranges index into it.
    pub insts: Vec<TestInst>,
    /// Blocks in layout order.
    pub blocks: Vec<TestBlock>,
    /// Number of virtual registers.
    pub num_vregs: usize,
    /// Per vreg (missing = `None`): the constant it holds, for
    /// [`Function::remat_constant`]. Such a vreg must have one definition.
    pub consts: Vec<Option<u64>>,
}

impl Function for TestFunc {
    fn num_insts(&self) -> usize {
        self.insts.len()
    }
    fn num_blocks(&self) -> usize {
        self.blocks.len()
    }
    fn block_insns(&self, b: Block) -> InstRange {
        self.blocks[b.index()].insts
    }
    fn block_succs(&self, b: Block) -> &[Block] {
        &self.blocks[b.index()].succs
    }
    fn block_preds(&self, b: Block) -> &[Block] {
        &self.blocks[b.index()].preds
    }
    fn is_ret(&self, i: Inst) -> bool {
        self.insts[i.index()].kind == TestInstKind::Ret
    }
    fn is_branch(&self, i: Inst) -> bool {
        self.insts[i.index()].kind == TestInstKind::Branch
    }
    fn is_move(&self, i: Inst) -> bool {
        self.insts[i.index()].kind == TestInstKind::Move
    }
    fn inst_operands(&self, i: Inst) -> &[Operand] {
        &self.insts[i.index()].operands
    }
    fn inst_clobbers(&self, i: Inst) -> PRegSet {
        self.insts[i.index()].clobbers
    }
    fn num_vregs(&self) -> usize {
        self.num_vregs
    }
    fn block_loop_depth(&self, b: Block) -> u32 {
        self.blocks[b.index()].loop_depth
    }
    fn remat_constant(&self, vreg: VReg) -> Option<u64> {
        self.consts.get(vreg.index()).copied().flatten()
    }
}

/// An integer vreg.
pub const fn vi(n: usize) -> VReg {
    VReg::new(n, RegClass::Int)
}

/// A float vreg.
pub const fn vf(n: usize) -> VReg {
    VReg::new(n, RegClass::Float)
}

/// Integer register number `n`.
pub const fn pi(n: u8) -> PReg {
    PReg::new(n, RegClass::Int)
}

/// Float register number `n`.
pub const fn pf(n: u8) -> PReg {
    PReg::new(n, RegClass::Float)
}

/// Integer registers `0..n` as a set (a clobber set for calls).
pub fn int_regs(n: u8) -> PRegSet {
    (0..n).fold(PRegSet::empty(), |s, r| s.with(pi(r)))
}

/// A test machine: per class, registers `0..n_regs` are allocatable and 14,
/// 15 are scratch (the first `n_scratch` of them).
pub fn test_env(n_regs: u8, n_scratch: usize) -> MachineEnv {
    let mk = |c: RegClass| -> (Vec<PReg>, Vec<PReg>) {
        let regs = (0..n_regs).map(|i| PReg::new(i, c)).collect();
        let scratch = [14, 15]
            .iter()
            .take(n_scratch)
            .map(|&i| PReg::new(i, c))
            .collect();
        (regs, scratch)
    };
    let (ri, si) = mk(RegClass::Int);
    let (rf, sf) = mk(RegClass::Float);
    MachineEnv {
        regs: [ri, rf],
        scratch: [si, sf],
    }
}

/// Builds a [`TestFunc`] block by block, in layout order.
#[derive(Default)]
pub struct FuncBuilder {
    insts: Vec<TestInst>,
    /// (first inst, successors by index, loop depth)
    blocks: Vec<(u32, Vec<u32>, u32)>,
}

impl FuncBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }
    /// Starts the next block (its index is returned).
    pub fn block(&mut self, loop_depth: u32) -> u32 {
        self.blocks
            .push((self.insts.len() as u32, Vec::new(), loop_depth));
        self.blocks.len() as u32 - 1
    }
    /// Appends an ordinary instruction.
    pub fn op(&mut self, operands: &[Operand]) {
        self.op_clobbers(operands, PRegSet::empty());
    }
    /// Appends an ordinary instruction with clobbers.
    pub fn op_clobbers(&mut self, operands: &[Operand], clobbers: PRegSet) {
        self.insts.push(TestInst {
            operands: operands.to_vec(),
            clobbers,
            kind: TestInstKind::Op,
        });
    }
    /// Appends a copy `dst = src` (both in any register).
    pub fn copy(&mut self, dst: VReg, src: VReg) {
        self.insts.push(TestInst {
            operands: vec![Operand::reg_def(dst), Operand::reg_use(src)],
            clobbers: PRegSet::empty(),
            kind: TestInstKind::Move,
        });
    }
    /// Ends the current block with a branch to `succs` (block indices).
    pub fn branch(&mut self, operands: &[Operand], succs: &[u32]) {
        self.insts.push(TestInst {
            operands: operands.to_vec(),
            clobbers: PRegSet::empty(),
            kind: TestInstKind::Branch,
        });
        self.blocks.last_mut().expect("a block").1 = succs.to_vec();
    }
    /// Ends the current block with a return.
    pub fn ret(&mut self, operands: &[Operand]) {
        self.insts.push(TestInst {
            operands: operands.to_vec(),
            clobbers: PRegSet::empty(),
            kind: TestInstKind::Ret,
        });
    }
    /// Finishes: computes predecessors and the number of vregs.
    pub fn finish(self) -> TestFunc {
        let n = self.insts.len() as u32;
        let mut blocks: Vec<TestBlock> = self
            .blocks
            .iter()
            .enumerate()
            .map(|(b, (first, succs, depth))| {
                let last = self.blocks.get(b + 1).map_or(n, |x| x.0);
                TestBlock {
                    insts: InstRange {
                        first: Inst(*first),
                        last: Inst(last),
                    },
                    succs: succs.iter().map(|&s| Block(s)).collect(),
                    preds: Vec::new(),
                    loop_depth: *depth,
                }
            })
            .collect();
        for b in 0..blocks.len() {
            for s in blocks[b].succs.clone() {
                blocks[s.index()].preds.push(Block(b as u32));
            }
        }
        let num_vregs = self
            .insts
            .iter()
            .flat_map(|i| &i.operands)
            .map(|o| o.vreg.index() + 1)
            .max()
            .unwrap_or(0);
        TestFunc {
            insts: self.insts,
            blocks,
            num_vregs,
            consts: Vec::new(),
        }
    }
}

/// A small deterministic random number generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Parameters of [`random_func`].
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Blocks before critical-edge splitting (at least 1).
    pub blocks: usize,
    /// Virtual registers (at least 1).
    pub vregs: usize,
    /// Maximum ordinary instructions per block.
    pub max_insts: usize,
    /// Allocatable registers per class of the target [`test_env`]; fixed
    /// constraints use these and the non-allocatable register 5.
    pub regs: u8,
    /// Calls clobber every allocatable register (not just the first two),
    /// so nothing stays in a register across a call.
    pub clobber_all: bool,
    /// The percentage of vregs that are constants (see [`TestFunc::consts`]):
    /// their only definition is the one in the entry block.
    pub consts: usize,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            blocks: 4,
            vregs: 8,
            max_insts: 6,
            regs: 3,
            clobber_all: false,
            consts: 0,
        }
    }
}

/// A random valid program: every vreg is defined in the entry block, the CFG
/// has forward and backward edges (loops) with critical edges split, and the
/// instructions mix all constraint kinds, two-address defs, early defs, calls
/// with clobbers and fixed results, and divisions with fixed inputs/outputs.
pub fn random_func(seed: u64, cfg: &GenConfig) -> TestFunc {
    let mut rng = Rng::new(seed);
    let nb = cfg.blocks.max(1);
    let nv = cfg.vregs.max(1);
    let classes: Vec<RegClass> = (0..nv)
        .map(|v| {
            if v == 0 || rng.chance(70) {
                RegClass::Int
            } else {
                RegClass::Float
            }
        })
        .collect();
    let vreg = |v: usize| VReg::new(v, classes[v]);
    // CFG.
    let mut succs: Vec<Vec<usize>> = (0..nb)
        .map(|b| {
            if b + 1 == nb {
                return vec![];
            }
            let mut s = vec![b + 1];
            if nb > 2 && rng.chance(45) {
                let j = 1 + rng.below(nb - 1);
                if j != b + 1 {
                    s.push(j);
                }
            }
            s
        })
        .collect();
    let mut depth = vec![0u32; nb];
    for b in 0..nb {
        for &s in &succs[b] {
            if s <= b {
                for d in &mut depth[s..=b] {
                    *d += 1;
                }
            }
        }
    }
    // Split critical edges.
    let mut npreds = vec![0usize; nb];
    for s in succs.iter().flatten() {
        npreds[*s] += 1;
    }
    for b in 0..nb {
        if succs[b].len() < 2 {
            continue;
        }
        for k in 0..succs[b].len() {
            let s = succs[b][k];
            if npreds[s] > 1 {
                let n = succs.len();
                succs.push(vec![s]);
                depth.push(depth[s].min(depth[b]));
                succs[b][k] = n;
            }
        }
    }
    let total = succs.len();
    let fixed_pool = |c: RegClass| -> Vec<PReg> {
        let mut v: Vec<PReg> = (0..cfg.regs).map(|i| PReg::new(i, c)).collect();
        v.push(PReg::new(5, c));
        v
    };
    let mut fb = FuncBuilder::new();
    for b in 0..total {
        fb.block(depth[b]);
        if b == 0 {
            for v in 0..nv {
                let c = match rng.below(4) {
                    0 => OperandConstraint::Any,
                    1 => {
                        let pool = fixed_pool(vreg(v).class());
                        OperandConstraint::FixedReg(pool[rng.below(pool.len())])
                    }
                    _ => OperandConstraint::Reg,
                };
                fb.op(&[Operand::new_def(vreg(v), c)]);
            }
        }
        for _ in 0..rng.below(cfg.max_insts + 1) {
            if rng.chance(10) {
                let (d, u) = (rng.below(nv), rng.below(nv));
                if d != u && vreg(d).class() == vreg(u).class() {
                    fb.copy(vreg(d), vreg(u));
                    continue;
                }
            }
            let (ops, clobbers) = random_inst(&mut rng, cfg, nv, &vreg, &fixed_pool);
            fb.op_clobbers(&ops, clobbers);
        }
        if succs[b].is_empty() {
            let mut ops = Vec::new();
            if rng.chance(70) {
                let v = rng.below(nv);
                let p = PReg::new(0, classes[v]);
                ops.push(Operand::fixed_use(vreg(v), p));
            }
            fb.ret(&ops);
        } else {
            let mut ops = Vec::new();
            if succs[b].len() > 1 {
                for _ in 0..1 + rng.below(2) {
                    let v = rng.below(nv);
                    let c = if rng.chance(60) {
                        OperandConstraint::Reg
                    } else {
                        OperandConstraint::Any
                    };
                    ops.push(Operand::new_use(vreg(v), c));
                }
            }
            let s: Vec<u32> = succs[b].iter().map(|&s| s as u32).collect();
            fb.branch(&ops, &s);
        }
    }
    let mut f = fb.finish();
    f.num_vregs = nv;
    if cfg.consts > 0 {
        make_consts(&mut f, seed, cfg.consts);
    }
    f
}

/// Marks about `percent`% of the vregs of a [`random_func`] program as
/// constants; every definition of one but the first (instruction `v` of the
/// entry block) is redirected to a fresh vreg that is never used.
fn make_consts(f: &mut TestFunc, seed: u64, percent: usize) {
    let mut rng = Rng::new(seed ^ 0x5eed_c0de_c0de_5eed);
    let nv = f.num_vregs;
    let is_const: Vec<bool> = (0..nv).map(|_| rng.chance(percent)).collect();
    for (i, inst) in f.insts.iter_mut().enumerate() {
        for op in &mut inst.operands {
            let v = op.vreg.index();
            if op.kind == OperandKind::Def && v < nv && is_const[v] && i != v {
                op.vreg = VReg::new(f.num_vregs, op.vreg.class());
                f.num_vregs += 1;
            }
        }
    }
    f.consts = (0..nv)
        .map(|v| is_const[v].then(|| 0x1000 + v as u64 * 0x10001))
        .collect();
}

fn random_inst(
    rng: &mut Rng,
    cfg: &GenConfig,
    nv: usize,
    vreg: &dyn Fn(usize) -> VReg,
    fixed_pool: &dyn Fn(RegClass) -> Vec<PReg>,
) -> (Vec<Operand>, PRegSet) {
    let mut ops: Vec<Operand> = Vec::new();
    let mut clobbers = PRegSet::empty();
    let pick_class = |rng: &mut Rng, c: RegClass| loop {
        let v = rng.below(nv);
        if vreg(v).class() == c {
            return vreg(v);
        }
    };
    let has_float = (0..nv).any(|v| vreg(v).class() == RegClass::Float);
    match rng.below(12) {
        // A call: fixed arguments, clobbers, fixed results.
        0 => {
            let mut used = PRegSet::empty();
            for _ in 0..rng.below(3) {
                let v = rng.below(nv);
                let pool = fixed_pool(vreg(v).class());
                let p = pool[rng.below(pool.len())];
                if !used.contains(p) && !ops.iter().any(|o| o.vreg == vreg(v)) {
                    used.add(p);
                    ops.push(Operand::fixed_use(vreg(v), p));
                }
            }
            let n = if cfg.clobber_all {
                cfg.regs
            } else {
                cfg.regs.min(2)
            };
            for c in RegClass::ALL {
                for i in 0..n {
                    clobbers.add(PReg::new(i, c));
                }
                clobbers.add(PReg::new(5, c));
            }
            let d = rng.below(nv);
            ops.push(Operand::fixed_def(vreg(d), PReg::new(0, vreg(d).class())));
        }
        // A division: dividend and quotient in r0, remainder early in r1.
        1 if cfg.regs >= 2 => {
            let x = pick_class(rng, RegClass::Int);
            let z = pick_class(rng, RegClass::Int);
            let q = pick_class(rng, RegClass::Int);
            let r = pick_class(rng, RegClass::Int);
            if q == r || z == r || x == r {
                return (ops, clobbers);
            }
            ops.push(Operand::fixed_use(x, pi(0)));
            ops.push(Operand::reg_use(z));
            ops.push(Operand::fixed_def(q, pi(0)));
            ops.push(Operand::new_early_def(
                r,
                OperandConstraint::FixedReg(pi(1)),
            ));
        }
        // A shift: two-address, count in the non-allocatable r5.
        2 => {
            let a = pick_class(rng, RegClass::Int);
            let c = pick_class(rng, RegClass::Int);
            let d = pick_class(rng, RegClass::Int);
            ops.push(Operand::reg_use(a));
            ops.push(Operand::fixed_use(c, pi(5)));
            ops.push(Operand::reuse_def(d, 0));
        }
        // A select: three register uses and a two-address def.
        3 => {
            let cls = if has_float && rng.chance(30) {
                RegClass::Float
            } else {
                RegClass::Int
            };
            for _ in 0..3 {
                ops.push(Operand::reg_use(pick_class(rng, cls)));
            }
            ops.push(Operand::reuse_def(pick_class(rng, cls), 0));
        }
        // A generic instruction.
        _ => {
            // At most four register operands (what real instructions need).
            let nuses = rng.below(4);
            let ndefs = rng.below(3).min(4 - nuses);
            let mut fixed_uses: Vec<(PReg, VReg)> = Vec::new();
            for _ in 0..nuses {
                let v = vreg(rng.below(nv));
                let c = match rng.below(6) {
                    0 | 1 => OperandConstraint::Any,
                    2 => {
                        let pool = fixed_pool(v.class());
                        let p = pool[rng.below(pool.len())];
                        if fixed_uses.iter().any(|&(q, w)| q == p && w != v) {
                            OperandConstraint::Reg
                        } else {
                            fixed_uses.push((p, v));
                            OperandConstraint::FixedReg(p)
                        }
                    }
                    _ => OperandConstraint::Reg,
                };
                ops.push(Operand::new_use(v, c));
            }
            let nu = ops.len();
            let mut fixed_defs = PRegSet::empty();
            let mut reused = vec![false; nu];
            for _ in 0..ndefs {
                let v = vreg(rng.below(nv));
                if ops[nu..].iter().any(|o| o.vreg == v) {
                    continue;
                }
                let used_here = ops[..nu].iter().any(|o| o.vreg == v);
                let early = !used_here && rng.chance(20);
                let mut c = match rng.below(6) {
                    0 => OperandConstraint::Any,
                    1 => {
                        let pool = fixed_pool(v.class());
                        OperandConstraint::FixedReg(pool[rng.below(pool.len())])
                    }
                    2 | 3 => {
                        let cands: Vec<usize> = (0..nu)
                            .filter(|&k| !reused[k] && ops[k].vreg.class() == v.class())
                            .collect();
                        if cands.is_empty() || early {
                            OperandConstraint::Reg
                        } else {
                            OperandConstraint::Reuse(cands[rng.below(cands.len())] as u8)
                        }
                    }
                    _ => OperandConstraint::Reg,
                };
                // The register a def occupies because of a fixed constraint.
                let fixed_reg = match c {
                    OperandConstraint::FixedReg(p) => Some(p),
                    OperandConstraint::Reuse(n) => match ops[usize::from(n)].constraint {
                        OperandConstraint::FixedReg(p) => Some(p),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(p) = fixed_reg {
                    let clash_use = early && fixed_uses.iter().any(|&(q, _)| q == p);
                    if fixed_defs.contains(p) || clash_use {
                        c = OperandConstraint::Reg;
                    } else {
                        fixed_defs.add(p);
                    }
                }
                if let OperandConstraint::Reuse(n) = c {
                    reused[usize::from(n)] = true;
                }
                ops.push(Operand {
                    vreg: v,
                    constraint: c,
                    kind: OperandKind::Def,
                    pos: if early {
                        OperandPos::Early
                    } else {
                        OperandPos::Late
                    },
                });
            }
        }
    }
    (ops, clobbers)
}

/// A random program with Wasm-like structured control flow: nested loops
/// (back edges from anywhere inside, to any enclosing loop), if/else
/// diamonds and blocks left early, laid out in source order as the
/// frontends lay theirs out, with virtual registers defined several times
/// (like locals), first defined at any depth, and used wherever a def
/// reaches on every path. Every conditional branch goes to two blocks of
/// one predecessor each (no critical edges). `cfg.blocks` bounds the number
/// of constructs, `cfg.vregs` the vregs, `cfg.max_insts` the instructions
/// of each straight-line piece.
pub fn structured_func(seed: u64, cfg: &GenConfig) -> TestFunc {
    let mut g = Structured {
        rng: Rng::new(seed),
        blocks: vec![(Vec::new(), None)],
        labels: Vec::new(),
        targets: Vec::new(),
        undefined: (0..cfg.vregs.max(1)).rev().collect(),
        budget: cfg.blocks.max(1),
        max_insts: cfg.max_insts,
        depth: 0,
    };
    let mut defined = Vec::new();
    // The entry defines a few values, like parameters.
    g.def_fresh(&mut defined);
    g.def_fresh(&mut defined);
    g.seq(&mut defined);
    let uses: Vec<Operand> = defined
        .iter()
        .take(2)
        .map(|&v| Operand::reg_use(vreg_of(v)))
        .collect();
    g.end_block(TestInstKind::Ret, uses, Vec::new());
    g.blocks.pop();
    let mut fb = FuncBuilder::new();
    let n = g.blocks.len();
    for (insts, term) in g.blocks {
        fb.block(0);
        for ops in insts {
            fb.op(&ops);
        }
        match term.expect("every block ends") {
            (TestInstKind::Ret, ops, _) => fb.ret(&ops),
            (_, ops, succs) => {
                let succs: Vec<u32> = succs
                    .iter()
                    .map(|&l| g.labels[l].expect("every label is placed"))
                    .collect();
                debug_assert!(succs.iter().all(|&s| (s as usize) < n));
                fb.branch(&ops, &succs);
            }
        }
    }
    fb.finish()
}

/// The class of vreg `v` in [`structured_func`]: every third one is a float.
fn vreg_of(v: usize) -> VReg {
    VReg::new(
        v,
        if v % 3 == 2 {
            RegClass::Float
        } else {
            RegClass::Int
        },
    )
}

/// A block: its instructions' operands and its terminator (kind, operands,
/// successor labels), set when it ends.
type SBlock = (
    Vec<Vec<Operand>>,
    Option<(TestInstKind, Vec<Operand>, Vec<usize>)>,
);

/// [`structured_func`]'s state.
struct Structured {
    rng: Rng,
    blocks: Vec<SBlock>,
    /// Per label, its block once placed.
    labels: Vec<Option<u32>>,
    /// The labels branches may go to, innermost last: a loop's header or a
    /// block's end.
    targets: Vec<usize>,
    /// Vregs never defined yet (popped when first defined).
    undefined: Vec<usize>,
    budget: usize,
    max_insts: usize,
    depth: u32,
}

impl Structured {
    fn label(&mut self) -> usize {
        self.labels.push(None);
        self.labels.len() - 1
    }

    /// Ends the current block and starts the next one.
    fn end_block(&mut self, kind: TestInstKind, ops: Vec<Operand>, succs: Vec<usize>) {
        self.blocks.last_mut().expect("a block").1 = Some((kind, ops, succs));
        self.blocks.push((Vec::new(), None));
    }

    /// Binds `l` to the current block, which must be empty.
    fn place(&mut self, l: usize) {
        self.labels[l] = Some(self.blocks.len() as u32 - 1);
    }

    /// Ends the current block with a jump to a label placed at the next one.
    fn fall_into(&mut self, l: usize) {
        self.end_block(TestInstKind::Branch, Vec::new(), vec![l]);
        self.place(l);
    }

    /// A conditional branch to `target`, through a block of its own; code
    /// continues in the next block.
    fn cond(&mut self, defined: &[usize], target: usize) {
        let (landing, next) = (self.label(), self.label());
        let c = defined[self.rng.below(defined.len())];
        let ops = vec![Operand::reg_use(vreg_of(c))];
        self.end_block(TestInstKind::Branch, ops, vec![landing, next]);
        self.place(landing);
        self.end_block(TestInstKind::Branch, Vec::new(), vec![target]);
        self.place(next);
    }

    fn def_fresh(&mut self, defined: &mut Vec<usize>) {
        if let Some(v) = self.undefined.pop() {
            self.blocks
                .last_mut()
                .expect("a block")
                .0
                .push(vec![Operand::reg_def(vreg_of(v))]);
            defined.push(v);
        }
    }

    /// Straight-line code: each instruction reads up to two defined vregs
    /// and writes a new vreg or redefines one.
    fn straight(&mut self, defined: &mut Vec<usize>) {
        for _ in 0..self.rng.below(self.max_insts + 1) {
            let mut ops = Vec::new();
            for _ in 0..self.rng.below(3) {
                let v = defined[self.rng.below(defined.len())];
                if !ops.iter().any(|o: &Operand| o.vreg.index() == v) {
                    let c = if self.rng.chance(25) {
                        OperandConstraint::Any
                    } else {
                        OperandConstraint::Reg
                    };
                    ops.push(Operand::new_use(vreg_of(v), c));
                }
            }
            let fresh = self.rng.chance(40) && !self.undefined.is_empty();
            let d = if fresh {
                let v = self.undefined.pop().expect("checked");
                defined.push(v);
                v
            } else {
                defined[self.rng.below(defined.len())]
            };
            // (A late def may rewrite a vreg the instruction reads.)
            ops.push(Operand::reg_def(vreg_of(d)));
            self.blocks.last_mut().expect("a block").0.push(ops);
        }
    }

    /// A sequence of constructs; `defined` holds the vregs defined on every
    /// path to here, and on return those defined on every path to the end.
    fn seq(&mut self, defined: &mut Vec<usize>) {
        loop {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            match self.rng.below(if self.depth > 8 { 3 } else { 7 }) {
                0 => return,
                1 | 2 => self.straight(defined),
                3 if !self.targets.is_empty() => {
                    // An early exit or `continue` to an enclosing construct.
                    let t = self.targets
                        [self.targets.len() - 1 - self.rng.below(self.targets.len().min(3))];
                    self.cond(defined, t);
                }
                3 | 4 => {
                    // A loop: the body runs at least once, so its defs reach
                    // the code after it (`continue`s are conditional
                    // branches to its header from inside).
                    let head = self.label();
                    self.fall_into(head);
                    self.targets.push(head);
                    self.depth += 1;
                    self.seq(defined);
                    self.straight(defined);
                    // (A Wasm loop need not end with its back edge: then
                    // its last one may sit inside an inner loop.)
                    if self.rng.chance(60) {
                        self.cond(defined, head);
                    }
                    self.depth -= 1;
                    self.targets.pop();
                }
                5 => {
                    // if/else: what both arms define reaches the join.
                    let (els, end) = (self.label(), self.label());
                    self.cond(defined, els);
                    self.depth += 1;
                    let mut then = defined.clone();
                    self.seq(&mut then);
                    self.end_block(TestInstKind::Branch, Vec::new(), vec![end]);
                    self.place(els);
                    let mut other = defined.clone();
                    self.seq(&mut other);
                    self.depth -= 1;
                    self.fall_into(end);
                    let both: Vec<usize> = then
                        .iter()
                        .filter(|v| other.contains(v) && !defined.contains(v))
                        .copied()
                        .collect();
                    defined.extend(both);
                }
                _ => {
                    // A block that may be left early: only what was defined
                    // before it surely reaches its end.
                    let end = self.label();
                    self.targets.push(end);
                    self.depth += 1;
                    let mut inner = defined.clone();
                    self.seq(&mut inner);
                    self.depth -= 1;
                    self.targets.pop();
                    self.fall_into(end);
                }
            }
        }
    }
}
