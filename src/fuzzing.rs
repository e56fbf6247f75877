//! Fuzzing entry points whose logic must stay in the crate (the targets in
//! `fuzz/` are ten-line shims): [`compile_one`] feeds arbitrary bytes to
//! [`Module::new`] on every tier strata offers.
//!
//! The differential oracle (strata against wasmi on wasm-smith modules) needs
//! dev-only dependencies, so it lives in `tests/differential/oracle.rs`,
//! shared by `tests/differential.rs` and the `differential` fuzz target.

use std::sync::OnceLock;

use crate::{Config, Engine, ErrorKind, Module, Tier, TierUpBudget};

/// One engine per tier that [`Engine::new`] accepts on this machine. The
/// tiered engine runs with budgets of 1 and tier-ups compiled on the spot, so
/// that every function is optimized on its second call and every loop
/// enters optimized code through OSR on its first iterations, in the middle
/// of the calls being compared.
pub fn engines() -> &'static [(Tier, Engine)] {
    static ENGINES: OnceLock<Vec<(Tier, Engine)>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        [Tier::Baseline, Tier::Optimizing, Tier::Tiered]
            .into_iter()
            .filter_map(|tier| {
                let mut config = Config::new();
                config.tier(tier);
                if tier == Tier::Tiered {
                    config
                        .tier_up_budget(TierUpBudget {
                            budget: 1,
                            osr_poll: 1,
                        })
                        .tier_up_sync(true);
                }
                Engine::new(&config).ok().map(|e| (tier, e))
            })
            .collect()
    })
}

/// Compiles `data` (arbitrary bytes, binary or text) on every available
/// tier. The only acceptable outcomes are a module or an error; a panic is
/// the bug the `compile` fuzz target looks for. Also panics when the tiers
/// disagree on whether the bytes are a valid module, since validation is
/// shared and must not depend on the tier.
pub fn compile_one(data: &[u8]) {
    let mut verdict: Option<(Tier, Option<ErrorKind>)> = None;
    for (tier, engine) in engines() {
        let kind = Module::new(engine, data).err().map(|e| e.kind());
        let valid = !matches!(kind, Some(ErrorKind::Invalid));
        if let Some((first_tier, first_kind)) = verdict {
            let first_valid = !matches!(first_kind, Some(ErrorKind::Invalid));
            assert_eq!(
                first_valid, valid,
                "{first_tier:?} says {first_kind:?} but {tier:?} says {kind:?}"
            );
        } else {
            verdict = Some((*tier, kind));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_one_takes_garbage_and_modules() {
        compile_one(b"");
        compile_one(b"\0asm");
        compile_one(b"\0asm\x01\0\0\0");
        compile_one(b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0");
        compile_one(b"(module (func (export \"f\") (result i32) i32.const 1))");
        compile_one(b"(module (func unreachable i32.add))");
        // Pseudo-random bytes behind a valid header.
        let mut x = 0x1234_5678_9abc_def0u64;
        for len in [1usize, 7, 64, 300] {
            let mut bytes = b"\0asm\x01\0\0\0".to_vec();
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                bytes.push(x as u8);
            }
            compile_one(&bytes);
        }
    }
}
