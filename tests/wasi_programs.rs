//! WASI preview 1 end to end, through the `strata` CLI.
//!
//! The C programs of `tests/programs/` are built twice, for `wasm32-wasi`
//! (Debian's clang, lld, wasi-libc and libclang-rt-dev-wasm32) and natively;
//! each case runs the native build and the module on both tiers (and under
//! node's WASI when `node` is installed) in identical fresh directories, and
//! requires the same stdout, stderr, exit status and final directory
//! contents. A Rust program (`tests/programs/rust-hello`) is built for
//! `wasm32-wasip1` and run on both tiers; a larger one
//! (`tests/programs/rust-workload`) is built for `wasm32-wasip1` and for the
//! host, and must print what its native build prints on both tiers and
//! tiered with budgets of 1. The sandbox case checks that
//! escapes from a preopened directory fail with the right errno and touch
//! nothing.
//!
//! Without the toolchain each test prints which packages are missing and
//! returns: missing tools never fail the suite. Builds are cached by mtime
//! under the cargo target dir.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

#[path = "programs/cargo_build.rs"]
mod cargo_build;

/// The C programs (`tests/programs/NAME.c`).
const PROGRAMS: &[&str] = &[
    "hello",
    "cat",
    "ls",
    "files",
    "args_env",
    "clocks_random",
    "exit_code",
    "wordcount",
    "sandbox",
];

const TIERS: &[&str] = &["baseline", "optimizing"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn programs_dir() -> PathBuf {
    root().join("tests/programs")
}

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

// ---------------------------------------------------------------- building

/// How to compile C for wasm32-wasi here: the extra clang flags (a
/// `--sysroot` unless the Debian multiarch layout is installed).
fn wasi_c_flags() -> Result<Vec<String>, String> {
    let mut missing = Vec::new();
    if !succeeds(Command::new("clang").arg("--version")) {
        missing.push("clang");
    }
    if !succeeds(Command::new("wasm-ld").arg("--version")) {
        missing.push("lld");
    }
    let mut flags = Vec::new();
    if !Path::new("/usr/include/wasm32-wasi/stdio.h").exists() {
        if Path::new("/usr/share/wasi-sysroot/include/stdio.h").exists() {
            flags.push("--sysroot=/usr/share/wasi-sysroot".to_string());
        } else {
            missing.push("wasi-libc");
        }
    }
    let builtins = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("llvm-"))
        .any(|llvm| {
            std::fs::read_dir(llvm.path().join("lib/clang"))
                .into_iter()
                .flatten()
                .flatten()
                .any(|v| {
                    v.path()
                        .join("lib/wasi/libclang_rt.builtins-wasm32.a")
                        .exists()
                })
        });
    if !builtins && flags.is_empty() {
        missing.push("libclang-rt-dev-wasm32");
    }
    if missing.is_empty() {
        Ok(flags)
    } else {
        Err(format!(
            "skipped: missing package(s) {} (apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32)",
            missing.join(", ")
        ))
    }
}

/// Where the built programs go.
fn build_dir() -> PathBuf {
    tmp().join("wasi-programs")
}

/// Compiles `src` to `out` with `clang args` unless `out` is newer than
/// every input. Writes to a temporary name first so that a failed or
/// interrupted build leaves nothing that looks fresh.
fn clang(src: &Path, out: &Path, args: &[String]) {
    let inputs = [src.to_path_buf(), programs_dir().join("common.h")];
    if let Some(built) = mtime(out)
        && inputs.iter().all(|i| mtime(i).is_some_and(|m| m <= built))
    {
        return;
    }
    let partial = out.with_extension("partial");
    let output = Command::new("clang")
        .args(args)
        .args(["-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&partial)
        .arg(src)
        .output()
        .expect("run clang");
    assert!(
        output.status.success(),
        "clang {args:?} {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&partial, out).expect("move the built program into place");
}

/// The built programs, or why the tests skip.
fn built() -> Result<&'static Path, &'static str> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let flags = wasi_c_flags()?;
            let dir = build_dir();
            std::fs::create_dir_all(&dir).expect("create the build dir");
            let mut wasm_args = vec!["--target=wasm32-wasi".to_string()];
            wasm_args.extend(flags);
            for name in PROGRAMS {
                let src = programs_dir().join(format!("{name}.c"));
                clang(&src, &dir.join(format!("{name}.wasm")), &wasm_args);
                clang(&src, &dir.join(name), &[]);
            }
            Ok(dir)
        })
        .as_deref()
        .map_err(String::as_str)
}

macro_rules! require_programs {
    () => {
        match built() {
            Ok(dir) => dir,
            Err(why) => {
                eprintln!("{why}");
                return;
            }
        }
    };
}

/// Whether node (with `node:wasi` preview 1) is installed.
fn have_node() -> bool {
    static NODE: OnceLock<bool> = OnceLock::new();
    *NODE.get_or_init(|| {
        succeeds(Command::new("node").args([
            "--no-warnings",
            "-e",
            "new (require('node:wasi').WASI)({version: 'preview1'})",
        ]))
    })
}

// ---------------------------------------------------------------- running

/// What a run printed and how it ended, and the directory it left.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    dir: BTreeMap<String, String>,
}

/// A program run: arguments, environment, standard input, and the files to
/// start from (relative path → contents; a trailing `/` makes a directory).
#[derive(Default, Clone)]
struct Case {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Vec<u8>,
    files: Vec<(String, Vec<u8>)>,
    /// Lines of stdout (by prefix) left out of the comparison with node
    /// only: node's own deviations, not strata's.
    node_ignores: Vec<&'static str>,
}

impl Case {
    fn args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|s| s.to_string()).collect();
        self
    }
    fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }
    fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = bytes.to_vec();
        self
    }
    fn file(mut self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        self.files
            .push((path.to_string(), contents.as_ref().to_vec()));
        self
    }
    fn node_ignores(mut self, prefix: &'static str) -> Self {
        self.node_ignores.push(prefix);
        self
    }
}

/// A fresh, empty directory for one run.
fn fresh_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = tmp()
        .join("wasi-runs")
        .join(format!("{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a run dir");
    dir
}

fn populate(dir: &Path, case: &Case) {
    for (path, contents) in &case.files {
        if let Some(d) = path.strip_suffix('/') {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        } else {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, contents).unwrap();
        }
    }
}

/// Every entry under `dir` (symlinks not followed): path → contents, `dir/`
/// or `-> target`.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let ty = entry.file_type().unwrap();
            if ty.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel, format!("-> {}", target.display()));
            } else if ty.is_dir() {
                out.insert(rel, "dir/".to_string());
                walk(base, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(rel, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Runs `cmd` in `dir` with `case`'s standard input and collects the outcome.
fn collect(mut cmd: Command, dir: &Path, stdin: &[u8]) -> Outcome {
    let mut child = cmd
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The program may exit without reading it all.
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().expect("wait for the program");
    writer.join().unwrap();
    Outcome {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
        dir: snapshot(dir),
    }
}

/// Where a program runs: natively, on a strata tier, or under node.
#[derive(Clone, Copy, Debug)]
enum Runner {
    Native,
    Strata(&'static str),
    Node,
}

/// Runs program `name` under `runner` in a fresh directory set up from
/// `case`; a Wasm guest gets that directory preopened as ".".
fn run(runner: Runner, name: &str, case: &Case) -> Outcome {
    let bin = built().expect("programs are built");
    let dir = fresh_dir(&format!("{name}-{runner:?}").replace(['(', ')', '"'], ""));
    populate(&dir, case);
    let wasm = bin.join(format!("{name}.wasm"));
    let preopen = format!("{}::.", dir.display());
    let mut cmd = match runner {
        Runner::Native => {
            let mut cmd = Command::new(bin.join(name));
            cmd.env_clear().envs(case.env.iter().cloned());
            cmd
        }
        Runner::Strata(tier) => {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
            cmd.args(["run", "--tier", tier, "--dir", &preopen]);
            for (k, v) in &case.env {
                cmd.arg("--env").arg(format!("{k}={v}"));
            }
            cmd.arg(&wasm);
            cmd
        }
        Runner::Node => {
            let mut cmd = Command::new("node");
            cmd.arg("--no-warnings")
                .arg(programs_dir().join("node_wasi.cjs"))
                .args(["--dir", &preopen]);
            for (k, v) in &case.env {
                cmd.arg("--env").arg(format!("{k}={v}"));
            }
            cmd.arg(&wasm);
            cmd
        }
    };
    cmd.args(&case.args);
    collect(cmd, &dir, &case.stdin)
}

/// Runs `case` natively, on both tiers and under node, and requires every
/// Wasm run to match the native one. Returns the native outcome.
fn compare(name: &str, case: &Case) -> Outcome {
    let native = run(Runner::Native, name, case);
    let mut runners: Vec<Runner> = TIERS.iter().map(|t| Runner::Strata(t)).collect();
    if have_node() {
        runners.push(Runner::Node);
    } else {
        eprintln!("node not installed: no node comparison");
    }
    for runner in runners {
        let mut got = run(runner, name, case);
        let mut want = native.clone();
        if matches!(runner, Runner::Node) {
            for o in [&mut got, &mut want] {
                o.stdout = o
                    .stdout
                    .lines()
                    .filter(|l| !case.node_ignores.iter().any(|p| l.starts_with(p)))
                    .map(|l| format!("{l}\n"))
                    .collect();
            }
        }
        assert_eq!(
            got, want,
            "{name} {:?}: {runner:?} (left) differs from native (right)",
            case.args
        );
    }
    native
}

// ---------------------------------------------------------------- C programs

#[test]
fn hello() {
    require_programs!();
    let out = compare("hello", &Case::default());
    assert_eq!(out.stdout, "Hello, world!\n");
    assert_eq!(out.stderr, "hello on stderr\n");
    assert_eq!(out.code, Some(0));
}

#[test]
fn cat_files_from_a_preopen() {
    require_programs!();
    let case = Case::default()
        .file("a.txt", "alpha\n")
        .file("sub/b.txt", "beta\nwith two lines\n")
        .file("empty.txt", "");
    let out = compare(
        "cat",
        &case
            .clone()
            .args(&["a.txt", "sub/b.txt", "empty.txt", "./sub/../a.txt"]),
    );
    assert_eq!(out.stdout, "alpha\nbeta\nwith two lines\nalpha\n");
    assert_eq!(out.code, Some(0));
    let out = compare("cat", &case.args(&["a.txt", "missing.txt", "sub"]));
    assert_eq!(out.stdout, "alpha\n");
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("missing.txt: ENOENT"), "{}", out.stderr);
}

#[test]
fn cat_stdin() {
    require_programs!();
    let input: Vec<u8> = (0..20_000u32)
        .map(|i| b"0123456789\n"[i as usize % 11])
        .collect();
    let out = compare("cat", &Case::default().stdin(&input));
    assert_eq!(out.stdout.as_bytes(), &input[..]);
}

#[test]
fn list_a_directory() {
    require_programs!();
    let case = Case::default()
        .file("b.txt", "bb")
        .file("a.txt", "a")
        .file("dir/nested/deep.bin", [0u8; 1000])
        .file("dir/c", "")
        .file("empty/", "");
    let out = compare("ls", &case);
    assert_eq!(
        out.stdout,
        "a.txt 1\nb.txt 2\ndir/\n  c 0\n  nested/\n    deep.bin 1000\nempty/\n"
    );
}

#[test]
fn create_write_rename_delete() {
    require_programs!();
    let out = compare("files", &Case::default().file("existing.txt", "old"));
    assert_eq!(out.code, Some(0));
    assert!(out.stdout.contains("rename a -> b -> OK"), "{}", out.stdout);
    assert_eq!(
        out.dir.get("work/keep.txt").map(String::as_str),
        Some("kept\n")
    );
    assert_eq!(out.dir.len(), 3, "{:?}", out.dir);
}

#[test]
fn args_and_environment() {
    require_programs!();
    let case = Case::default()
        .args(&["one", "two words", "--dir", "-x", "", "ünïcödé"])
        .env("GREETING", "hello there")
        .env("EMPTY", "")
        .env("WITH_EQUALS", "a=b=c");
    let out = compare("args_env", &case);
    assert_eq!(
        out.stdout,
        "program: args_env\nargc: 7\nargv[1]: [one]\nargv[2]: [two words]\nargv[3]: [--dir]\n\
         argv[4]: [-x]\nargv[5]: []\nargv[6]: [ünïcödé]\nGREETING: hello there\n\
         STRATA_SURELY_UNSET: (unset)\nenviron: 3\n  EMPTY=\n  GREETING=hello there\n  \
         WITH_EQUALS=a=b=c\n"
    );
    let out = compare("args_env", &Case::default());
    assert!(out.stdout.contains("argc: 1\n"), "{}", out.stdout);
    assert!(out.stdout.contains("environ: 0\n"), "{}", out.stdout);
}

#[test]
fn clocks_and_random() {
    require_programs!();
    // Node's WASI sometimes wakes a 20 ms sleep a little early (its
    // monotonic clock then advanced less than 20 ms), mostly under load:
    // that line is not compared with node. strata must match native on it.
    let case = Case::default().node_ignores("monotonic advanced >= 20ms");
    let out = compare("clocks_random", &case);
    // Every check prints 1 (true) or a return value of 0; only the count of
    // missing byte values is expected to be 0.
    for line in out.stdout.lines() {
        let ok = if line.starts_with("byte values missing") {
            line.ends_with(": 0")
        } else {
            line.ends_with(": 1") || line.ends_with("-> 0") || line.ends_with("-> 0 0")
        };
        assert!(ok, "unexpected line {line:?} in:\n{}", out.stdout);
    }
    assert_eq!(out.stdout.lines().count(), 11, "{}", out.stdout);
}

#[test]
fn exit_codes() {
    require_programs!();
    for (args, code) in [
        (&["0"][..], 0),
        (&["3"][..], 3),
        (&["42"][..], 42),
        (&["255"][..], 255),
        (&["7", "return"][..], 7),
        (&["0", "return"][..], 0),
    ] {
        let out = compare("exit_code", &Case::default().args(args));
        assert_eq!(out.code, Some(code), "{args:?}");
        assert_eq!(out.stdout, format!("exiting with {}\n", args[0]));
    }
}

/// Deterministic text of about 200 KiB.
fn sample_text() -> String {
    const WORDS: &[&str] = &[
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "lazy",
        "dog",
        "wasm",
        "strata",
        "tier",
        "Baseline",
        "optimizing",
        "sandbox",
    ];
    let mut state = 0x2545_f491_u32;
    let mut text = String::new();
    for line in 0..6000 {
        for word in 0..(line % 9 + 1) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if word > 0 {
                text.push(if state.is_multiple_of(7) { '\t' } else { ' ' });
            }
            text.push_str(WORDS[state as usize % WORDS.len()]);
        }
        text.push_str(if line % 50 == 49 { ".\n\n" } else { "\n" });
    }
    text
}

#[test]
fn process_a_file_in_a_preopen() {
    require_programs!();
    let text = sample_text();
    let case = Case::default()
        .file("data/input.txt", &text)
        .args(&["data/input.txt", "data/result.txt"]);
    let out = compare("wordcount", &case);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let lines = text.matches('\n').count();
    let words = text.split_whitespace().filter(|w| *w != ".").count();
    let result = &out.dir["data/result.txt"];
    assert_eq!(result, &out.stdout);
    assert!(
        result.starts_with(&format!(
            "lines {lines}\nwords {words}\nbytes {}\n",
            text.len()
        )),
        "{result}"
    );
    // Errors: a missing input and an output in a missing directory.
    let out = compare("wordcount", &Case::default().args(&["nope.txt", "out.txt"]));
    assert_eq!(out.code, Some(1));
    let out = compare(
        "wordcount",
        &Case::default()
            .file("in.txt", "a b\n")
            .args(&["in.txt", "no/such/dir/out.txt"]),
    );
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("ENOENT"), "{}", out.stderr);
}

#[test]
fn guest_path_other_than_dot() {
    require_programs!();
    // `--dir HOST::/sandbox`: the guest names files by the guest path.
    let bin = built().unwrap();
    let dir = fresh_dir("guest-path");
    std::fs::write(dir.join("f.txt"), "contents\n").unwrap();
    for tier in TIERS {
        let out = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(["run", "--tier", tier, "--dir"])
            .arg(format!("{}::/sandbox", dir.display()))
            .arg(bin.join("cat.wasm"))
            .args(["/sandbox/f.txt", "f.txt"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "contents\n", "{tier}");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{tier}: f.txt is not in a preopen"
        );
    }
}

// ---------------------------------------------------------------- sandbox

/// errno names the sandbox program may print for each escape attempt.
fn allowed_errnos(attempt: &str) -> &'static [&'static str] {
    if attempt.contains("/etc/passwd") {
        // wasi-libc finds no preopen for the absolute path itself.
        &["ENOENT", "ENOTCAPABLE"]
    } else {
        &["ENOTCAPABLE", "EPERM"]
    }
}

#[test]
fn sandbox_escapes_fail_and_touch_nothing() {
    require_programs!();
    let bin = built().unwrap();
    // Not node: its WASI "does not provide the comprehensive file system
    // security properties" (node's docs), and indeed follows `escape-dir/x`.
    for tier in TIERS {
        let runner = Runner::Strata(tier);
        let root = fresh_dir(&format!("sandbox-{runner:?}").replace(['(', ')', '"'], ""));
        std::fs::write(root.join("x"), "outside\n").unwrap();
        let sandbox = root.join("sandbox");
        std::fs::create_dir_all(sandbox.join("sub")).unwrap();
        std::fs::write(sandbox.join("inside.txt"), "inside\n").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", sandbox.join("escape")).unwrap();
        std::os::unix::fs::symlink("../x", sandbox.join("escape-rel")).unwrap();
        std::os::unix::fs::symlink("..", sandbox.join("escape-dir")).unwrap();
        let before = snapshot(&root);
        let preopen = format!("{}::.", sandbox.display());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
        cmd.args(["run", "--tier", tier, "--dir", &preopen])
            .arg(bin.join("sandbox.wasm"));
        let out = collect(cmd, &sandbox, b"");
        assert_eq!(
            out.code,
            Some(0),
            "{runner:?} escaped:\n{}{}",
            out.stdout,
            out.stderr
        );
        assert_eq!(
            snapshot(&root),
            before,
            "{runner:?} changed the file system"
        );
        assert_eq!(
            out.stdout.lines().count(),
            12,
            "{runner:?}:\n{}",
            out.stdout
        );
        for line in out.stdout.lines() {
            let (attempt, errno) = line.split_once(" -> ").unwrap();
            assert!(
                allowed_errnos(attempt).contains(&errno),
                "{runner:?}: {attempt} failed with {errno}, expected one of {:?}",
                allowed_errnos(attempt)
            );
        }
    }
}

// ---------------------------------------------------------------- Rust

/// Builds the Cargo program `tests/programs/NAME` (see
/// [`cargo_build::build`]) for `target` (the host when `None`) under the
/// test's temporary directory. `None`, with a note, when the rustup target
/// is missing; a failed build fails the test.
fn cargo_build(name: &str, target: Option<&str>) -> Option<PathBuf> {
    if let Some(target) = target
        && !cargo_build::have_target(target)
    {
        eprintln!("skipped: missing rustup target {target} (rustup target add {target})");
        return None;
    }
    let target_dir = tmp().join(format!("{name}-target"));
    Some(
        cargo_build::build(&programs_dir(), name, target, &target_dir)
            .unwrap_or_else(|e| panic!("{e}")),
    )
}

#[test]
fn rust_program_on_both_tiers() {
    let Some(wasm) = cargo_build("rust-hello", Some("wasm32-wasip1")) else {
        return;
    };
    for tier in TIERS {
        for (args, code) in [(&["a", "b c"][..], 0), (&["exit"][..], 7)] {
            let root = fresh_dir(&format!("rust-{tier}"));
            std::fs::write(root.join("outside"), "secret").unwrap();
            let dir = root.join("box");
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("input.txt"), "one two three\nfour\n").unwrap();
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
            cmd.args(["run", "--tier", tier, "--dir"])
                .arg(format!("{}::.", dir.display()))
                .args(["--env", "NAME=strata"])
                .arg(&wasm)
                .args(args);
            let out = collect(cmd, &dir, b"");
            assert_eq!(out.code, Some(code), "{tier}: {}", out.stderr);
            let expected = format!(
                "Hello from Rust!\nargs: {args:?}\nNAME: Some(\"strata\")\nvars: 1\n\
                 input.txt: 19 bytes, 2 lines, 4 words\ndir: [\"input.txt\", \"out\"]\n\
                 ../outside: denied\nclock plausible: true\nslept >= 10ms: true\n"
            );
            assert_eq!(out.stdout, expected, "{tier}");
            assert_eq!(
                out.dir.get("out/report.txt").map(String::as_str),
                Some("words 4\n")
            );
            assert!(!out.dir.contains_key("scratch.txt"));
        }
    }
}

/// A larger Rust program (`tests/programs/rust-workload`: wasm-smith,
/// wasmparser, wasmi, regex and serde_json, about 6 MB of rustc's code at
/// opt-level 3) prints the same as its native build on both tiers and
/// tiered with budgets of 1 (every function called is optimized on the spot
/// and loops enter optimized code by OSR). Its output covers thousands of
/// generated modules validated, read and interpreted, regex captures and
/// JSON round trips, so a miscompiled function anywhere on those paths
/// shows as a differing line.
#[test]
fn rust_workload_matches_its_native_build() {
    let Some(wasm) = cargo_build("rust-workload", Some("wasm32-wasip1")) else {
        return;
    };
    let native = cargo_build("rust-workload", None).expect("host build");
    let args = ["60", "1000"];
    let expected = Command::new(&native)
        .args(args)
        .output()
        .expect("run native");
    assert!(expected.status.success());
    let expected = String::from_utf8(expected.stdout).unwrap();
    assert!(expected.contains("round trip same"), "{expected}");
    let dir = fresh_dir("rust-workload");
    let tiny = ["--tier-up-budget", "1", "--osr-poll", "1", "--tier-up-sync"];
    for (tier, extra) in [
        ("baseline", &[][..]),
        ("optimizing", &[][..]),
        ("tiered", &tiny[..]),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
        cmd.args(["run", "--tier", tier])
            .args(extra)
            .arg(&wasm)
            .args(args);
        let out = collect(cmd, &dir, b"");
        assert_eq!(out.code, Some(0), "{tier}: {}", out.stderr);
        assert!(
            !out.stderr.contains("warning: tier-up"),
            "{tier}: a tier-up failed:\n{}",
            out.stderr
        );
        let diff: Vec<_> = expected
            .lines()
            .zip(out.stdout.lines())
            .filter(|(e, g)| e != g)
            .take(3)
            .collect();
        assert!(
            diff.is_empty() && expected.lines().count() == out.stdout.lines().count(),
            "{tier} {extra:?}: output differs from the native build's (expected, got): {diff:#?}"
        );
    }
}
