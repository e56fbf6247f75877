//! A workload of real Rust code for strata's tests: rustc's output for
//! crates that do varied work, not a kernel of ours.
//!
//! For each seed, wasm-smith generates a module from pseudo-random bytes,
//! wasmparser validates it and reads every operator, and wasmi (an
//! interpreter) instantiates it and calls its exported functions; then the
//! regex crate searches generated text and serde_json prints and parses a
//! generated document. Everything printed depends only on the arguments
//! (`SEEDS [FIRST]`), so the program's output under any engine must equal
//! its native build's output.
//!
//! NaNs: the generated modules canonicalize them (wasm-smith's
//! `canonicalize_nans`), and float results print NaN as `nan`, so that no
//! NaN payload (which Wasm leaves nondeterministic) reaches the output.

use std::fmt::Write as _;

use arbitrary::Unstructured;

/// SplitMix64: the bytes wasm-smith reads, the arguments and the text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// FNV-1a, 64-bit.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn str(&mut self, s: &str) {
        self.write(s.as_bytes());
        self.write(&[0xff]);
    }
}

/// The most elements a table of a generated module may grow to.
const TABLE_ELEMENTS_LIMIT: usize = 100_000;

fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        tail_call_enabled: false,
        exceptions_enabled: false,
        memory64_enabled: false,
        gc_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        max_imports: 0,
        max_memories: 1,
        max_memory32_bytes: 8 * 65536,
        memory_max_size_required: true,
        min_types: 1,
        min_funcs: 2,
        max_funcs: 16,
        max_instructions: 400,
        export_everything: true,
        canonicalize_nans: true,
        ..wasm_smith::Config::default()
    }
}

fn show(v: &wasmi::Val) -> String {
    match v {
        wasmi::Val::I32(x) => format!("{x}"),
        wasmi::Val::I64(x) => format!("{x}L"),
        wasmi::Val::F32(x) if f32::from(*x).is_nan() => "nan".into(),
        wasmi::Val::F32(x) => format!("{:#x}f", x.to_bits()),
        wasmi::Val::F64(x) if f64::from(*x).is_nan() => "nan".into(),
        wasmi::Val::F64(x) => format!("{:#x}d", x.to_bits()),
        wasmi::Val::FuncRef(r) => format!("funcref(null={})", r.is_null()),
        wasmi::Val::ExternRef(r) => format!("externref(null={})", r.is_null()),
        _ => "other".into(),
    }
}

fn arg(rng: &mut Rng, ty: wasmi::ValType) -> wasmi::Val {
    use wasmi::ValType as T;
    // Small values and edge values as often as arbitrary ones.
    let raw = match rng.below(4) {
        0 => rng.below(16),
        1 => [0, 1, u64::MAX, 1 << 31, 1 << 63, 0x7fff_ffff][rng.below(6) as usize],
        _ => rng.next(),
    };
    match ty {
        T::I32 => wasmi::Val::I32(raw as i32),
        T::I64 => wasmi::Val::I64(raw as i64),
        T::F32 => wasmi::Val::F32(wasmi::F32::from(raw as u32 as f32 / 7.0)),
        T::F64 => wasmi::Val::F64(wasmi::F64::from(raw as i64 as f64 / 3.0)),
        _ => wasmi::Val::default(ty),
    }
}

/// Generates, validates, reads and runs the module of `seed`; one line.
fn wasm_round(seed: u64) -> String {
    let mut rng = Rng(seed);
    let data = rng.bytes(8000);
    let mut u = Unstructured::new(&data);
    let mut module = match wasm_smith::Module::new(smith_config(), &mut u) {
        Ok(m) => m,
        Err(e) => return format!("seed {seed}: no module ({e})"),
    };
    if let Err(e) = module.ensure_termination(2000) {
        return format!("seed {seed}: no termination ({e})");
    }
    let wasm = module.to_bytes();
    let mut line = format!("seed {seed}: {} bytes", wasm.len());

    let mut validator = wasmparser::Validator::new();
    if let Err(e) = validator.validate_all(&wasm) {
        let _ = write!(line, ", invalid: {e}");
        return line;
    }

    // Every operator, and the exports in their section's order.
    let mut ops = Fnv::new();
    let (mut num_ops, mut funcs) = (0u64, 0u64);
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        match payload {
            Ok(wasmparser::Payload::CodeSectionEntry(body)) => {
                funcs += 1;
                let Ok(mut reader) = body.get_operators_reader() else {
                    continue;
                };
                while !reader.eof() {
                    match reader.read() {
                        Ok(op) => {
                            ops.str(&format!("{op:?}"));
                            num_ops += 1;
                        }
                        Err(e) => {
                            ops.str(&e.to_string());
                            break;
                        }
                    }
                }
            }
            Ok(wasmparser::Payload::ExportSection(reader)) => {
                for e in reader.into_iter().flatten() {
                    exports.push((e.name.to_string(), e.kind));
                }
            }
            Ok(_) => {}
            Err(e) => ops.str(&e.to_string()),
        }
    }
    let _ = write!(
        line,
        ", {funcs} functions, {num_ops} operators {:016x}",
        ops.0
    );

    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    let engine = wasmi::Engine::new(&config);
    let module = match wasmi::Module::new(&engine, &wasm) {
        Ok(m) => m,
        Err(e) => {
            let _ = write!(line, ", wasmi rejects it: {e}");
            return line;
        }
    };
    // Bounded tables: a `table.grow` by millions of elements fails the same
    // way natively and in Wasm (otherwise it would succeed natively and
    // run out of a 32-bit address space in Wasm).
    let limits = wasmi::StoreLimitsBuilder::new()
        .table_elements(TABLE_ELEMENTS_LIMIT)
        .build();
    let mut store = wasmi::Store::new(&engine, limits);
    store.limiter(|limits| limits);
    let instance = match wasmi::Instance::new(&mut store, &module, &[]) {
        Ok(i) => i,
        Err(e) => {
            let _ = write!(line, ", instantiation: {e}");
            return line;
        }
    };
    let mut out = Fnv::new();
    let (mut calls, mut traps) = (0u32, 0u32);
    for (name, kind) in &exports {
        match kind {
            wasmparser::ExternalKind::Func => {
                let Some(f) = instance.get_func(&store, name) else {
                    continue;
                };
                let ty = f.ty(&store);
                for _ in 0..2 {
                    let params: Vec<wasmi::Val> =
                        ty.params().iter().map(|&t| arg(&mut rng, t)).collect();
                    let mut results: Vec<wasmi::Val> = ty
                        .results()
                        .iter()
                        .map(|&t| wasmi::Val::default(t))
                        .collect();
                    calls += 1;
                    match f.call(&mut store, &params, &mut results) {
                        Ok(()) => {
                            for r in &results {
                                out.str(&show(r));
                            }
                        }
                        Err(e) => {
                            traps += 1;
                            out.str(&e.to_string());
                        }
                    }
                }
            }
            wasmparser::ExternalKind::Global => {
                if let Some(g) = instance.get_global(&store, name) {
                    out.str(&show(&g.get(&store)));
                }
            }
            wasmparser::ExternalKind::Memory => {
                if let Some(m) = instance.get_memory(&store, name) {
                    out.write(m.data(&store));
                }
            }
            _ => {}
        }
    }
    let _ = write!(
        line,
        ", {calls} calls, {traps} traps, outcome {:016x}",
        out.0
    );
    line
}

/// Text from a small vocabulary, with numbers, dates and addresses in it.
fn text(rng: &mut Rng, words: usize) -> String {
    const VOCAB: [&str; 16] = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "strata",
        "wasm",
        "linear",
        "scan",
        "Ünïcode",
        "naïve",
        "register",
        "spill",
        "loop",
        "header",
        "fold",
        "value",
    ];
    let mut s = String::new();
    for i in 0..words {
        match rng.below(10) {
            0 => {
                let _ = write!(s, "{}", rng.below(100_000));
            }
            1 => {
                let _ = write!(
                    s,
                    "20{:02}-{:02}-{:02}",
                    rng.below(30),
                    1 + rng.below(12),
                    1 + rng.below(28)
                );
            }
            2 => {
                let _ = write!(
                    s,
                    "{}@{}.org",
                    VOCAB[rng.below(16) as usize],
                    VOCAB[rng.below(16) as usize]
                );
            }
            _ => s.push_str(VOCAB[rng.below(16) as usize]),
        }
        s.push(if i % 13 == 12 { '\n' } else { ' ' });
    }
    s
}

fn regex_round(seed: u64) -> String {
    let mut rng = Rng(seed ^ 0x5eed);
    let haystack = text(&mut rng, 20_000);
    const PATTERNS: [&str; 6] = [
        r"\b(\d{4})-(\d{2})-(\d{2})\b",
        r"(?i)\bSTRATA\b",
        r"[\w.]+@(\w+)\.org",
        r"(?m)^\w+ \w+$",
        r"\b\w*[äöüïÜ]\w*\b",
        r"(spill|fold)\s+(loop|value)",
    ];
    let mut h = Fnv::new();
    let mut line = String::from("regex:");
    for p in PATTERNS {
        let re = regex::Regex::new(p).expect("pattern compiles");
        let mut n = 0;
        for caps in re.captures_iter(&haystack) {
            n += 1;
            for g in caps.iter().flatten() {
                h.str(g.as_str());
                h.write(&(g.start() as u64).to_le_bytes());
            }
        }
        let _ = write!(line, " {n}");
    }
    let replaced = regex::Regex::new(r"(\d+)")
        .expect("pattern compiles")
        .replace_all(&haystack, "<$1>");
    h.str(&replaced);
    let _ = write!(line, ", {} bytes replaced, {:016x}", replaced.len(), h.0);
    line
}

fn json_value(rng: &mut Rng, depth: u32) -> serde_json::Value {
    use serde_json::Value;
    match rng.below(if depth > 4 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 1),
        2 => Value::from(rng.next() as i64 >> rng.below(64)),
        3 => Value::from((rng.next() as i64 >> 11) as f64 / (1 + rng.below(1000)) as f64),
        4 => {
            let words = 1 + rng.below(5) as usize;
            Value::String(text(rng, words).replace('\n', "\t\"\\"))
        }
        5 | 6 => {
            let n = rng.below(6);
            Value::Array((0..n).map(|_| json_value(rng, depth + 1)).collect())
        }
        _ => {
            let n = rng.below(6);
            let mut m = serde_json::Map::new();
            for i in 0..n {
                m.insert(
                    format!("k{i}_{}", rng.below(100)),
                    json_value(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
    }
}

fn json_round(seed: u64) -> String {
    let mut rng = Rng(seed ^ 0x15_0a);
    let docs: Vec<serde_json::Value> = (0..200).map(|_| json_value(&mut rng, 0)).collect();
    let doc = serde_json::Value::Array(docs);
    let compact = serde_json::to_string(&doc).expect("serializes");
    let pretty = serde_json::to_string_pretty(&doc).expect("serializes");
    let back: serde_json::Value = serde_json::from_str(&pretty).expect("parses");
    let again = serde_json::to_string(&back).expect("serializes");
    let mut h = Fnv::new();
    h.str(&compact);
    h.str(&again);
    format!(
        "json: {} bytes compact, {} pretty, round trip {}, {:016x}",
        compact.len(),
        pretty.len(),
        if again == compact { "same" } else { "differs" },
        h.0
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(20);
    let first: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut total = Fnv::new();
    let mut emit = |line: String| {
        total.str(&line);
        println!("{line}");
    };
    for seed in first..first + seeds {
        emit(wasm_round(seed));
    }
    emit(regex_round(first));
    emit(json_round(first));
    println!("total {:016x}", total.0);
}
