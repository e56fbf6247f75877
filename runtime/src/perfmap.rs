//! Linux `perf` map files: with [`Config::perf_map`](crate::Config::perf_map)
//! on, every Wasm function whose code strata places in memory gets a line
//! `START SIZE NAME` (hexadecimal address and length) in
//! `/tmp/perf-PID.map`, the file `perf report` reads to name addresses in
//! code it cannot find in an ELF file. So `perf record` of a process that
//! runs Wasm attributes its samples to Wasm functions and tiers.
//!
//! Lines are written when code is placed: at `Module::new` for eagerly
//! compiled modules, at the first call for lazily compiled ones, and when
//! optimized code (a function or an OSR variant) is ready in the tiered
//! engine. NAME is the function's name from the name section (else
//! `wasm-function[INDEX]`) and the code's kind in brackets:
//! `[baseline]`, `[optimizing]` or `[osr loop L]`. Code freed with its
//! module keeps its lines (perf reads the file after the process ends;
//! a later module may reuse the addresses and append its own lines, which
//! perf takes over the earlier ones).

use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

use strata_frontend::module::ModuleEnv;

use crate::traphandlers::FuncRange;

/// The process's map file, opened on first use (`None` inside: it could
/// not be created, and nothing more is tried).
static FILE: Mutex<Option<Option<File>>> = Mutex::new(None);

/// The path of this process's map file.
pub fn path() -> std::path::PathBuf {
    std::path::PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
}

/// Appends a line per function of `funcs` (offsets from `base`) of module
/// `env`, compiled as `kind` (`baseline`, `optimizing`, `osr loop 3`).
pub(crate) fn record(base: usize, funcs: &[FuncRange], env: &ModuleEnv, kind: &str) {
    if funcs.is_empty() {
        return;
    }
    let mut text = String::new();
    for f in funcs {
        use std::fmt::Write as _;
        let start = base + f.start as usize;
        let size = f.end.saturating_sub(f.start);
        let _ = match env.func_name(f.func_index) {
            // Perf takes the rest of the line as the name; a line break
            // inside one would start a bogus line.
            Some(name) => writeln!(
                text,
                "{start:x} {size:x} {} [{kind}]",
                name.replace(['\n', '\r'], " ")
            ),
            None => writeln!(
                text,
                "{start:x} {size:x} wasm-function[{}] [{kind}]",
                f.func_index
            ),
        };
    }
    let mut file = FILE.lock().unwrap_or_else(|e| e.into_inner());
    let file =
        file.get_or_insert_with(|| File::options().create(true).append(true).open(path()).ok());
    if let Some(f) = file {
        // One write per batch: lines of concurrent compiles do not mix. A
        // failed write loses names for the profiler, nothing else.
        let _ = f.write_all(text.as_bytes());
    }
}
