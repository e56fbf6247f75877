//! Builds a Cargo program of `tests/programs/` (its own workspace and lock
//! file) in release mode. Shared, through `#[path]`, by
//! `tests/wasi_programs.rs` and `benches/startup.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether the rustup target `target` is installed for the `rustc` on PATH.
pub fn have_target(target: &str) -> bool {
    Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|s| s.join("lib/rustlib").join(target).exists())
}

/// Builds `programs/NAME` into `target_dir` for `target` (the host when
/// `None`) and returns the binary (`NAME.wasm` for a Wasm target), or
/// cargo's error output.
pub fn build(
    programs: &Path,
    name: &str,
    target: Option<&str>,
    target_dir: &Path,
) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--locked", "--manifest-path"])
        .arg(programs.join(name).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET");
    if let Some(target) = target {
        cmd.args(["--target", target]);
    }
    let out = cmd.output().map_err(|e| format!("cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build of {name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(match target {
        Some(t) => target_dir
            .join(t)
            .join("release")
            .join(format!("{name}.wasm")),
        None => target_dir.join("release").join(name),
    })
}
