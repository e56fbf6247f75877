//! The `strata` command-line tool.
//!
//! - `strata run [--tier T] [--dir HOST[::GUEST]]... [--env KEY=VALUE]...
//!   [--invoke NAME] FILE [ARGS...]` runs a module with WASI preview 1
//!   linked: a command's `_start`, or a reactor's `_initialize` then the
//!   export NAME. `strata run FILE --invoke NAME [ARGS...]` also works.
//! - `strata wast [--tier T] FILE...` runs spec scripts.
//! - `strata compile [--tier T] --emit ir|asm FILE` prints the IR or the
//!   disassembly of every function.
//!
//! Every failure is reported as one `error: ...` line on stderr (a trap adds
//! its Wasm backtrace) and a non-zero exit status: 1 for a trap or a failed
//! script, 2 for bad input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use strata::wasi::{WasiCtx, WasiCtxBuilder};
use strata::wast::{FileReport, WastRunner};
use strata::{
    Config, Emit, Engine, Error, ErrorKind, Linker, Module, Store, Tier, TierUpBudget, Val, ValType,
};

#[derive(Parser)]
#[command(name = "strata", version, about = "A WebAssembly engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Instantiate a module with WASI linked and run it: a command's `_start`
    /// (exiting with the program's exit code), or an export.
    Run {
        #[command(flatten)]
        tier: TierOpt,
        /// Grant the program the host directory HOST, under the name GUEST
        /// (default: HOST). Repeatable.
        #[arg(long = "dir", value_name = "HOST[::GUEST]")]
        dirs: Vec<String>,
        /// Set an environment variable of the program. Repeatable.
        #[arg(long = "env", value_name = "KEY=VALUE")]
        envs: Vec<String>,
        /// Call this export (after a reactor's `_initialize`) with ARGS parsed
        /// by its parameter types, and print its results. `FILE --invoke NAME
        /// ARGS...` works too.
        #[arg(long, value_name = "NAME")]
        invoke: Option<String>,
        /// The module (.wasm or .wat), then the program's arguments (or the
        /// export's, with --invoke).
        #[arg(
            value_name = "FILE [ARGS]",
            required = true,
            num_args = 1..,
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        file_and_args: Vec<String>,
    },
    /// Run spec-test scripts (.wast).
    Wast {
        #[command(flatten)]
        tier: TierOpt,
        /// Print what the spectest `print*` functions receive.
        #[arg(short, long)]
        verbose: bool,
        /// The scripts.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the IR or the machine code of a module's functions.
    Compile {
        #[command(flatten)]
        tier: TierOpt,
        /// What to print.
        #[arg(long, value_enum)]
        emit: EmitArg,
        /// Print only this function (its name in the listing, after `%`:
        /// the name section's, else `f` and its index); repeat for more.
        #[arg(long = "function", value_name = "NAME")]
        functions: Vec<String>,
        /// The module (.wasm or .wat).
        file: PathBuf,
    },
}

#[derive(clap::Args)]
struct TierOpt {
    /// The compiler tier.
    #[arg(long, value_enum, default_value_t = TierArg::Tiered)]
    tier: TierArg,
    /// Print each tier-up (function, tiers, compile time, OSR) to stderr.
    /// A failed one is printed as a warning even without this flag.
    #[arg(long)]
    tier_log: bool,
    /// Write /tmp/perf-PID.map (address, size and name of each compiled
    /// Wasm function, with its tier) for Linux `perf report`.
    #[arg(long)]
    perf_map: bool,
    /// Tiered: calls plus loop iterations of a function before it is
    /// optimized.
    #[arg(long, value_name = "N")]
    tier_up_budget: Option<u32>,
    /// Tiered: loop iterations between checks for an OSR entry.
    #[arg(long, value_name = "N")]
    osr_poll: Option<u32>,
    /// Tiered: never move running loops into optimized code.
    #[arg(long)]
    no_osr: bool,
    /// Tiered: compile tier-ups on the running thread, before it continues
    /// (deterministic; with tiny budgets, a test of tier-up and OSR).
    #[arg(long)]
    tier_up_sync: bool,
    /// Threads for parallel and background compilation (default: one less
    /// than the cores, at least one).
    #[arg(long, value_name = "N")]
    compile_threads: Option<usize>,
    /// Baseline and tiered: compile each function on its first call instead
    /// of all of them before running (every function is still validated
    /// first). The default for tiered.
    #[arg(long, conflicts_with = "eager")]
    lazy: bool,
    /// Compile every function before running (the default for baseline).
    #[arg(long)]
    eager: bool,
    /// Generate code without BMI2 instructions (by default they are used
    /// when the CPU has them): the same machine code on every x86-64 host.
    #[arg(long)]
    no_bmi2: bool,
    /// Generate scalar float arithmetic without AVX's three-operand forms
    /// (by default they are used when the CPU has AVX): plain SSE4.1.
    #[arg(long)]
    no_avx: bool,
    /// The most pages a linear memory may have (default 65535, 4 GiB minus
    /// 64 KiB, which lets compiled code fold more address offsets into its
    /// addressing modes; 65536 allows the whole 4 GiB). `memory.grow` fails past it; a module
    /// whose memory starts above it fails to instantiate.
    #[arg(long, value_name = "PAGES", value_parser = clap::value_parser!(u32).range(0..=65536))]
    memory_limit_pages: Option<u32>,
}

#[derive(Clone, Copy, ValueEnum)]
enum TierArg {
    Baseline,
    Optimizing,
    Tiered,
}

#[derive(Clone, Copy, ValueEnum)]
enum EmitArg {
    Ir,
    Asm,
    /// Bytes of machine code and data per function.
    Size,
}

/// A failure of a subcommand: its message and exit status.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// Bad input: a usage or module error.
    fn input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = if matches!(e.kind(), ErrorKind::Trap | ErrorKind::Host) {
            1
        } else {
            2
        };
        Failure {
            message: e.to_string(),
            code,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // An engine panic is a bug, but it must still end as one `error:` line (the
    // wast runner also catches panics per directive). Set RUST_BACKTRACE to
    // see the default panic report.
    if std::env::var_os("RUST_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Run {
            tier,
            dirs,
            envs,
            invoke,
            file_and_args,
        } => run(&tier, &dirs, &envs, invoke, &file_and_args),
        Command::Wast {
            tier,
            verbose,
            files,
        } => wast(&tier, verbose, &files),
        Command::Compile {
            tier,
            emit,
            functions,
            file,
        } => compile(&tier, emit, &functions, &file),
    })
    .unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(Failure {
            message: format!("internal error (panic): {message}"),
            code: 101,
        })
    });
    match result {
        Ok(code) => code,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn config(opt: &TierOpt) -> Config {
    let mut config = Config::new();
    config.tier(match opt.tier {
        TierArg::Baseline => Tier::Baseline,
        TierArg::Optimizing => Tier::Optimizing,
        TierArg::Tiered => Tier::Tiered,
    });
    let defaults = TierUpBudget::default();
    config.tier_up_budget(TierUpBudget {
        budget: opt.tier_up_budget.unwrap_or(defaults.budget),
        osr_poll: opt.osr_poll.unwrap_or(defaults.osr_poll),
    });
    config.osr(!opt.no_osr);
    config.tier_up_sync(opt.tier_up_sync);
    if opt.lazy || opt.eager {
        config.lazy_compilation(opt.lazy);
    }
    if let Some(n) = opt.compile_threads {
        config.compile_threads(n);
    }
    if opt.no_bmi2 {
        config.bmi2(false);
    }
    if opt.no_avx {
        config.avx(false);
    }
    if let Some(pages) = opt.memory_limit_pages {
        config.memory_limit_pages(pages);
    }
    if opt.perf_map {
        config.perf_map(true);
    }
    // A failed tier-up (the function keeps its baseline code) is a
    // compiler bug worth seeing: printed even without `--tier-log`.
    let tier_log = opt.tier_log;
    config.on_tier_up(move |e| {
        if e.failure.is_some() {
            eprintln!("warning: {e}");
        } else if tier_log {
            eprintln!("{e}");
        }
    });
    config
}

/// Reads `path` and returns a binary module: `.wat` text is parsed here so
/// that a syntax error is one line naming the file, line and column.
fn read_module(path: &Path) -> Result<Vec<u8>, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        Failure::input(format!(
            "{}: neither a binary module nor UTF-8 text",
            path.display()
        ))
    })?;
    let located = |e: wast::Error| {
        let (line, col) = e.span().linecol_in(text);
        Failure::input(format!(
            "{}:{}:{}: {}",
            path.display(),
            line + 1,
            col + 1,
            e.message()
        ))
    };
    let buf = wast::parser::ParseBuffer::new(text).map_err(located)?;
    let mut wat = wast::parser::parse::<wast::Wat>(&buf).map_err(located)?;
    wat.encode().map_err(located)
}

fn compile_module(engine: &Engine, path: &Path) -> Result<Module, Failure> {
    let bytes = read_module(path)?;
    Module::new(engine, bytes)
        .map_err(|e| Failure::input(format!("{}: {}", path.display(), e.message())))
}

/// The module name of WASI preview 1 imports.
const WASI_MODULE: &str = "wasi_snapshot_preview1";

fn run(
    tier: &TierOpt,
    dirs: &[String],
    envs: &[String],
    invoke: Option<String>,
    file_and_args: &[String],
) -> Result<ExitCode, Failure> {
    let (file, rest) = file_and_args
        .split_first()
        .ok_or_else(|| Failure::input("no module given"))?;
    // `FILE --invoke NAME ARGS...`: the older form, kept working.
    let (invoke, args) = match (invoke, rest) {
        (None, [flag, rest @ ..]) if flag == "--invoke" => match rest {
            [name, args @ ..] => (Some(name.clone()), args),
            [] => return Err(Failure::input("--invoke needs an export name")),
        },
        (invoke, args) => (invoke, args),
    };
    let path = Path::new(file);

    let engine = Engine::new(&config(tier))?;
    let module = compile_module(&engine, path)?;
    if let Some(import) = module.imports().find(|i| i.module() != WASI_MODULE) {
        return Err(Failure::input(format!(
            "unknown import: {}::{}",
            import.module(),
            import.name()
        )));
    }

    let program = path
        .file_name()
        .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
    let mut wasi = WasiCtxBuilder::new()
        .arg(&program)
        .args(args)
        .inherit_stdio();
    for env in envs {
        let (key, value) = env
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| Failure::input(format!("--env {env:?}: expected KEY=VALUE")))?;
        wasi = wasi.env(key, value);
    }
    for dir in dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        wasi = wasi
            .preopened_dir(host, guest)
            .map_err(|e| Failure::input(format!("--dir {dir}: {}", e.message())))?;
    }

    let mut linker = Linker::new(&engine);
    strata::wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx)?;
    let mut store = Store::new(&engine, wasi.build());
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(instance) => instance,
        Err(e) => return exited(e),
    };

    let Some(name) = invoke else {
        // A command runs `_start`; a reactor only initializes itself.
        let entry = ["_start", "_initialize"]
            .into_iter()
            .find(|n| instance.get_func(&mut store, n).is_some());
        if let Some(entry) = entry {
            let func = instance.get_func(&mut store, entry).expect("found above");
            if let Err(e) = func.call(&mut store, &[], &mut []) {
                return exited(e);
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(init) = instance.get_func(&mut store, "_initialize")
        && let Err(e) = init.call(&mut store, &[], &mut [])
    {
        return exited(e);
    }
    let func = instance
        .get_func(&mut store, &name)
        .ok_or_else(|| Failure::input(format!("no exported function named `{name}`")))?;
    let ty = func.ty(&store);
    if ty.params().len() != args.len() {
        return Err(Failure::input(format!(
            "`{name}` takes {} argument(s), {} given",
            ty.params().len(),
            args.len()
        )));
    }
    let params = ty
        .params()
        .iter()
        .zip(args)
        .enumerate()
        .map(|(i, (ty, arg))| {
            parse_arg(*ty, arg).ok_or_else(|| {
                Failure::input(format!(
                    "argument {} of `{name}`: cannot parse {arg:?} as {ty}",
                    i + 1
                ))
            })
        })
        .collect::<Result<Vec<Val>, Failure>>()?;
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    if let Err(e) = func.call(&mut store, &params, &mut results) {
        return exited(e);
    }
    for r in &results {
        outln(format_args!("{}", format_val(r)));
    }
    Ok(ExitCode::SUCCESS)
}

/// The end of a run that returned `e`: the program's own exit status when it
/// called `proc_exit`, a failure otherwise.
fn exited(e: Error) -> Result<ExitCode, Failure> {
    match e.exit_code() {
        // Only the low 8 bits reach the parent, as with a native exit().
        Some(code) => Ok(ExitCode::from(code as u8)),
        None => Err(e.into()),
    }
}

/// Parses an integer as decimal (negative allowed) or `0x` hex (the bit pattern).
fn parse_int<S: std::str::FromStr, U: std::str::FromStr>(
    s: &str,
    from_bits: fn(U) -> S,
) -> Option<S> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        if neg || hex.is_empty() {
            return None;
        }
        let u = parse_radix16::<U>(hex)?;
        return Some(from_bits(u));
    }
    s.parse::<S>().ok().or_else(|| {
        if neg {
            None
        } else {
            digits.parse::<U>().ok().map(from_bits)
        }
    })
}

fn parse_radix16<U: std::str::FromStr>(hex: &str) -> Option<U> {
    // `FromStr` has no radix: go through u128 and back through the decimal text.
    let v = u128::from_str_radix(&hex.replace('_', ""), 16).ok()?;
    v.to_string().parse::<U>().ok()
}

fn parse_arg(ty: ValType, s: &str) -> Option<Val> {
    Some(match ty {
        ValType::I32 => Val::I32(parse_int::<i32, u32>(s, |u| u as i32)?),
        ValType::I64 => Val::I64(parse_int::<i64, u64>(s, |u| u as i64)?),
        ValType::F32 => Val::F32(s.parse::<f32>().ok()?.to_bits()),
        ValType::F64 => Val::F64(s.parse::<f64>().ok()?.to_bits()),
        ValType::V128 => {
            let hex = s.strip_prefix("0x")?;
            Val::V128(u128::from_str_radix(hex, 16).ok()?)
        }
        _ => return None,
    })
}

fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => format_float(
            f64::from(f32::from_bits(*b)),
            f32::from_bits(*b).to_string(),
        ),
        Val::F64(b) => format_float(f64::from_bits(*b), f64::from_bits(*b).to_string()),
        Val::V128(x) => format!("0x{x:032x}"),
        Val::FuncRef(r) => if r.is_some() { "funcref" } else { "null" }.to_string(),
        Val::ExternRef(r) => if r.is_some() { "externref" } else { "null" }.to_string(),
    }
}

fn format_float(value: f64, shown: String) -> String {
    if value.is_nan() {
        "nan".to_string()
    } else {
        shown
    }
}

fn wast(tier: &TierOpt, verbose: bool, files: &[PathBuf]) -> Result<ExitCode, Failure> {
    for file in files {
        if let Err(e) = std::fs::metadata(file) {
            return Err(Failure::input(format!(
                "cannot read {}: {e}",
                file.display()
            )));
        }
    }
    let mut runner = WastRunner::new(&config(tier))?;
    runner.set_verbose(verbose);
    let mut total = FileReport::default();
    for file in files {
        let report = runner.run_file(file);
        let mut line = format!(
            "{}: {} passed, {} failed",
            file.display(),
            report.passed,
            report.failed
        );
        if !report.skipped.is_empty() {
            line += &format!(", {} skipped", report.skipped.len());
        }
        outln(format_args!("{line}"));
        for failure in &report.failures {
            outln(format_args!("  FAIL {failure}"));
        }
        for (location, reason) in &report.skipped {
            outln(format_args!("  SKIP {location}: {reason}"));
        }
        total.merge(report);
    }
    let mut line = format!("{} passed, {} failed", total.passed, total.failed);
    if !total.skipped.is_empty() {
        line += &format!(", {} skipped", total.skipped.len());
    }
    outln(format_args!("{line}"));
    Ok(if total.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn compile(
    tier: &TierOpt,
    emit: EmitArg,
    functions: &[String],
    path: &Path,
) -> Result<ExitCode, Failure> {
    let engine = Engine::new(&config(tier))?;
    let bytes = read_module(path)?;
    let emit = match emit {
        EmitArg::Ir => Emit::Ir,
        EmitArg::Asm => Emit::Asm,
        EmitArg::Size => Emit::Size,
    };
    let listing = strata::compile_listing(&engine, &bytes, emit)
        .map_err(|e| Failure::input(format!("{}: {}", path.display(), e.message())))?;
    if functions.is_empty() {
        out(format_args!("{listing}"));
        return Ok(ExitCode::SUCCESS);
    }
    let parts = listing_functions(&listing);
    if let Some(missing) = functions
        .iter()
        .find(|f| !parts.iter().any(|(name, _)| name == f))
    {
        const SHOWN: usize = 10;
        let mut names: Vec<&str> = parts.iter().map(|(name, _)| *name).take(SHOWN).collect();
        if parts.len() > SHOWN {
            names.push("...");
        }
        return Err(Failure::input(format!(
            "{}: no function named `{missing}` (its functions: {})",
            path.display(),
            names.join(", ")
        )));
    }
    for (name, text) in &parts {
        if functions.iter().any(|f| f == name) {
            out(format_args!("{text}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Splits a listing of `compile_listing` into its functions: each starts
/// at a line `function %NAME(SIGNATURE) {` (IR: the signature's types have
/// no parentheses, so it opens at the line's last `(`), `function
/// %NAME:` (assembly) or `function %NAME: C bytes of code, D bytes of
/// data` (sizes) and runs up to the next one. Returns (NAME, the
/// function's text).
fn listing_functions(listing: &str) -> Vec<(&str, &str)> {
    let starts: Vec<usize> = listing
        .match_indices("function %")
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || listing.as_bytes()[i - 1] == b'\n')
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let end = starts.get(k + 1).copied().unwrap_or(listing.len());
            let text = &listing[i..end];
            let header = text["function %".len()..].lines().next().unwrap_or("");
            let name = match header.strip_suffix(':') {
                Some(name) => name,
                None if header.ends_with(" bytes of data") => {
                    // (The name may hold `: `; the sizes do not.)
                    let sizes = header.rfind(" bytes of code, ").unwrap_or(0);
                    let colon = header[..sizes].rfind(": ").unwrap_or(header.len());
                    &header[..colon]
                }
                None => &header[..header.rfind('(').unwrap_or(header.len())],
            };
            (name, text)
        })
        .collect()
}

/// Writes to stdout. When the reader has gone (`strata compile ... | head`)
/// the process ends quietly with success, like a tool killed by SIGPIPE
/// (Rust ignores the signal, so the write fails instead); any other write
/// error ends it with a message and failure.
fn out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to stdout: {e}");
        std::process::exit(1);
    }
}

/// [`out`] and a newline.
fn outln(args: std::fmt::Arguments<'_>) {
    out(format_args!("{args}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int::<i32, u32>("-5", |u| u as i32), Some(-5));
        assert_eq!(parse_int::<i32, u32>("0xffffffff", |u| u as i32), Some(-1));
        assert_eq!(parse_int::<i32, u32>("4294967295", |u| u as i32), Some(-1));
        assert_eq!(parse_int::<i32, u32>("4294967296", |u| u as i32), None);
        assert_eq!(parse_int::<i32, u32>("-0x1", |u| u as i32), None);
        assert_eq!(
            parse_int::<i64, u64>("0x8000000000000000", |u| u as i64),
            Some(i64::MIN)
        );
        assert_eq!(parse_int::<i32, u32>("abc", |u| u as i32), None);
    }

    #[test]
    fn floats() {
        assert_eq!(format_val(&parse_arg(ValType::F32, "inf").unwrap()), "inf");
        assert_eq!(
            format_val(&parse_arg(ValType::F64, "-inf").unwrap()),
            "-inf"
        );
        assert_eq!(format_val(&parse_arg(ValType::F64, "nan").unwrap()), "nan");
        assert_eq!(format_val(&parse_arg(ValType::F32, "0.1").unwrap()), "0.1");
        assert_eq!(
            format_val(&parse_arg(ValType::F64, "-2.5").unwrap()),
            "-2.5"
        );
    }
}
