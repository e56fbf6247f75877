//! End-to-end tests of the `strata` binary: `run`, `wast` and `compile`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn strata(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run the strata binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that the command failed with exactly one `error:` line and no panic.
fn assert_one_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert!(!out.status.success(), "expected failure, stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("error: "), "got: {err}");
    assert!(lines[0].contains(needle), "expected {needle:?} in: {err}");
}

/// A scratch file under the target dir, unique per test.
fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

#[test]
fn run_fib() {
    let out = strata(&["run", "examples/fib.wat", "--invoke", "fib", "20"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "6765\n");
}

#[test]
fn run_with_lazy_compilation() {
    for tier in ["baseline", "tiered"] {
        let out = strata(&[
            "run",
            "--tier",
            tier,
            "--lazy",
            "examples/fib.wat",
            "--invoke",
            "fib",
            "20",
        ]);
        assert!(out.status.success(), "stderr: {}", stderr(&out));
        assert_eq!(stdout(&out), "6765\n");
        let out = strata(&[
            "run",
            "--tier",
            tier,
            "--lazy",
            "examples/trap.wat",
            "--invoke",
            "div",
            "1",
            "0",
        ]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("integer divide by zero"), "stderr: {err}");
        assert!(err.contains("wasm backtrace:"), "stderr: {err}");
    }
}

#[test]
fn run_binary_module() {
    let wasm = wat::parse_file(root().join("examples/fib.wat")).expect("fib.wat parses");
    let path = scratch("fib.wasm", &wasm);
    let out = strata(&["run", path.to_str().unwrap(), "--invoke", "fib", "10"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "55\n");
}

#[test]
fn run_floats() {
    let out = strata(&["run", "examples/floats.wat", "--invoke", "mul", "1.5", "-2"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "-3\n");
    let out = strata(&[
        "run",
        "examples/floats.wat",
        "--invoke",
        "div32",
        "-inf",
        "nan",
    ]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "nan\n");
    let out = strata(&["run", "examples/floats.wat", "--invoke", "div32", "1", "0"]);
    assert_eq!(stdout(&out), "inf\n");
}

#[test]
fn run_without_invoke_does_nothing() {
    let out = strata(&["run", "examples/fib.wat"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn run_calls_start() {
    let path = scratch(
        "start.wat",
        b"(module (func (export \"_start\") unreachable))",
    );
    let out = strata(&["run", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).starts_with("error: "),
        "stderr: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("unreachable"),
        "stderr: {}",
        stderr(&out)
    );
}

#[test]
fn trap_prints_message_and_fails() {
    let out = strata(&["run", "examples/trap.wat", "--invoke", "div", "1", "0"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert!(err.contains("integer divide by zero"), "stderr: {err}");
    let out = strata(&["run", "examples/trap.wat", "--invoke", "boom"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unreachable"),
        "stderr: {}",
        stderr(&out)
    );
}

#[test]
fn malformed_module() {
    let path = scratch("bad.wasm", b"\0asm\x01\0\0\0\x01\xff");
    assert_one_error(&strata(&["run", path.to_str().unwrap()]), "bad.wasm");
    let path = scratch("bad.wat", b"(module (func (i32.bogus)))");
    assert_one_error(&strata(&["run", path.to_str().unwrap()]), "bad.wat:1:");
    let path = scratch("invalid.wat", b"(module (func (result i32) (i64.const 1)))");
    assert_one_error(&strata(&["run", path.to_str().unwrap()]), "invalid.wat");
}

#[test]
fn unreadable_file() {
    assert_one_error(
        &strata(&["run", "examples/does-not-exist.wat"]),
        "does-not-exist.wat",
    );
}

#[test]
fn missing_export() {
    assert_one_error(
        &strata(&["run", "examples/fib.wat", "--invoke", "nope"]),
        "nope",
    );
}

#[test]
fn bad_arguments() {
    assert_one_error(
        &strata(&["run", "examples/fib.wat", "--invoke", "fib", "x"]),
        "\"x\"",
    );
    assert_one_error(
        &strata(&["run", "examples/fib.wat", "--invoke", "fib"]),
        "argument",
    );
    assert_one_error(
        &strata(&["run", "examples/fib.wat", "--invoke", "fib", "1", "2"]),
        "argument",
    );
    assert_one_error(
        &strata(&["run", "examples/fib.wat", "--invoke", "fib", "99999999999"]),
        "99999999999",
    );
}

#[test]
fn negative_and_hex_arguments() {
    let out = strata(&["run", "examples/fib.wat", "--invoke", "fib", "-3"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "-3\n");
    let out = strata(&["run", "examples/fib.wat", "--invoke", "fib", "0xa"]);
    assert_eq!(stdout(&out), "55\n");
}

#[test]
fn imports_are_unknown() {
    let path = scratch("import.wat", b"(module (import \"env\" \"f\" (func)))");
    assert_one_error(
        &strata(&["run", path.to_str().unwrap()]),
        "unknown import: env::f",
    );
}

#[test]
fn wast_smoke() {
    let out = strata(&["wast", "tests/wast/smoke.wast"]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "stdout: {text}\nstderr: {}",
        stderr(&out)
    );
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(" passed, 0 failed"),
        "last line: {last}\n{text}"
    );
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert_eq!(passed, 15, "{text}");
}

#[test]
fn wast_failure_exits_non_zero() {
    let path = scratch(
        "fail.wast",
        b"(module (func (export \"f\") (result i32) (i32.const 1)))\n(assert_return (invoke \"f\") (i32.const 2))\n",
    );
    let out = strata(&["wast", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let text = stdout(&out);
    assert!(
        text.lines().last().unwrap_or_default() == "0 passed, 1 failed",
        "{text}"
    );
    assert!(text.contains("fail.wast:2:"), "{text}");
}

#[test]
fn compile_ir_and_asm() {
    for emit in ["ir", "asm", "size"] {
        let out = strata(&["compile", "--emit", emit, "examples/fib.wat"]);
        assert!(out.status.success(), "--emit {emit}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(!text.trim().is_empty(), "--emit {emit} printed nothing");
        assert!(
            text.contains("fib") || text.contains("func0") || text.contains("function"),
            "--emit {emit}: {text}"
        );
    }
}

/// `--function NAME` prints only the named functions, in module order,
/// in either form; names may hold `:` and `(` (the name section's); a
/// name the module lacks is an error that lists the module's functions.
#[test]
fn compile_prints_only_the_functions_asked_for() {
    let path = scratch(
        "named_funcs.wat",
        br#"(module
  (func $a:b (export "x") (param i32) (result i32) local.get 0)
  (func $"f(1)" (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func (param i32) (result i32) local.get 0 i32.const 2 i32.add))"#,
    );
    let path = path.to_str().unwrap();
    let headers_of = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("function "))
            .map(String::from)
            .collect()
    };
    for (emit, open) in [("ir", "(i32) -> i32 {"), ("asm", ":")] {
        let out = strata(&["compile", "--emit", emit, "--function", "f2", path]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let headers = headers_of(&text);
        assert_eq!(headers, [format!("function %f2{open}")], "{text}");
        let out = strata(&[
            "compile",
            "--emit",
            emit,
            "--function",
            "f2",
            "--function",
            "a:b",
            "--function",
            "f(1)",
            path,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let headers = headers_of(&text);
        assert_eq!(
            headers,
            [
                format!("function %a:b{open}"),
                format!("function %f(1){open}"),
                format!("function %f2{open}")
            ],
            "{text}"
        );
        // The whole listing is the three functions' texts.
        let all = stdout(&strata(&["compile", "--emit", emit, path]));
        assert_eq!(text, all, "--emit {emit}");
        let out = strata(&["compile", "--emit", emit, "--function", "f", path]);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(stdout(&out).is_empty());
        assert!(
            stderr(&out).contains("no function named `f` (its functions: a:b, f(1), f2)"),
            "{}",
            stderr(&out)
        );
    }
}

/// `--emit size` prints one line per function, `function %NAME: C bytes of
/// code, D bytes of data`: C ends within one instruction after the last
/// instruction of the assembly listing, D counts the listing's data rows'
/// bytes, and `--function` finds names that hold `: ` and `:`.
#[test]
fn compile_sizes() {
    let path = scratch(
        "sized_funcs.wat",
        br#"(module
  (func $a:b (export "x") (param i32) (result i32) local.get 0)
  (func $"c: d" (param f64) (result f64) local.get 0 f64.const 1.5 f64.add)
  (func (param i32) (result i32)
    (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 1)))
      (return (i32.const 2)))
    i32.const 3))"#,
    );
    let path = path.to_str().unwrap();
    for tier in ["baseline", "optimizing"] {
        let sizes = stdout(&strata(&[
            "compile", "--tier", tier, "--emit", "size", path,
        ]));
        let asm = stdout(&strata(&["compile", "--tier", tier, "--emit", "asm", path]));
        let lines: Vec<&str> = sizes.lines().collect();
        assert_eq!(lines.len(), 3, "{sizes}");
        for (line, name) in lines.iter().zip(["a:b", "c: d", "f2"]) {
            let rest = line
                .strip_prefix(&format!("function %{name}: "))
                .unwrap_or_else(|| panic!("{tier}: {line}"));
            let (code, data) = rest
                .strip_suffix(" bytes of data")
                .and_then(|r| r.split_once(" bytes of code, "))
                .unwrap_or_else(|| panic!("{tier}: {line}"));
            let code: u64 = code.parse().unwrap();
            let data: u64 = data.parse().unwrap();
            // The function's listing: instructions, then data rows.
            let start = asm.find(&format!("function %{name}:\n")).unwrap();
            let body = asm[start..].split("\n\n").next().unwrap();
            let mut last_inst = 0;
            let mut data_bytes = 0;
            for l in body.lines().skip(1) {
                let (off, text) = l.trim().split_once(": ").unwrap();
                match text.strip_prefix(".bytes") {
                    Some(bytes) => data_bytes += bytes.split_whitespace().count() as u64,
                    None => last_inst = u64::from_str_radix(off, 16).unwrap(),
                }
            }
            assert!(
                last_inst < code && code <= last_inst + 15,
                "{tier} {name}: {code} bytes of code, last instruction at {last_inst:#x}"
            );
            assert_eq!(data, data_bytes, "{tier} {name}");
        }
        let out = strata(&[
            "compile",
            "--tier",
            tier,
            "--emit",
            "size",
            "--function",
            "c: d",
            "--function",
            "a:b",
            path,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), format!("{}\n{}\n", lines[0], lines[1]));
    }
}

/// A reader that stops early (`strata compile ... | head`) ends the
/// listing quietly: exit status 0, nothing on stderr, no panic.
#[test]
fn compile_into_a_closed_pipe_is_quiet() {
    use std::io::Read;
    use std::process::Stdio;
    // Enough functions that the listing overflows the pipe buffer.
    let mut wat = String::from("(module");
    for k in 0..400 {
        wat += &format!(
            "(func (param i32) (result i32) local.get 0 i32.const {k} i32.add i32.const 3 i32.mul)"
        );
    }
    wat.push(')');
    let path = scratch("many_funcs.wat", wat.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["compile", "--emit", "asm"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the strata binary");
    let mut first = [0u8; 64];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the listing starts");
    // (The read end is dropped here.)
    let out = child.wait_with_output().expect("wait");
    let err = stderr(&out);
    assert!(
        out.status.success(),
        "status {:?}, stderr: {err}",
        out.status
    );
    assert!(err.is_empty(), "stderr: {err}");
    assert!(String::from_utf8_lossy(&first).starts_with("function %"));
}

// ---------------------------------------------------------------- WASI

/// A command that writes its arguments (`what` = "args") or its environment
/// (`what` = "environ"), one per line, to stdout.
fn wasi_print_strings(what: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "{what}_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "{what}_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32) (local $n i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 1024) (i32.const 4096)))
    (local.set $n (i32.load (i32.const 4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (if (i32.eqz (i32.load8_u offset=4096 (local.get $i)))
        (then (i32.store8 offset=4096 (local.get $i) (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 16) (i32.const 4096))
    (i32.store (i32.const 20) (local.get $n))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))"#
    )
}

/// A command that opens `path` in the first preopened directory (fd 3),
/// copies it to stdout, and exits with the errno when the open fails.
fn wasi_cat(path: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "{path}")
  (func (export "_start") (local $errno i32)
    (local.set $errno (call $open (i32.const 3) (i32.const 0) (i32.const 256) (i32.const {len})
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0)))
    (if (local.get $errno) (then (call $exit (local.get $errno))))
    (i32.store (i32.const 16) (i32.const 4096))
    (i32.store (i32.const 20) (i32.const 4096))
    (drop (call $read (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 20) (i32.load (i32.const 8)))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))"#,
        len = path.len()
    )
}

#[test]
fn wasi_args_after_the_module() {
    let path = scratch("print-args.wat", wasi_print_strings("args").as_bytes());
    let out = strata(&[
        "run",
        path.to_str().unwrap(),
        "one",
        "two words",
        "--dir",
        "-x",
    ]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    // argv[0] is the module's file name; flags after the module are the program's.
    assert_eq!(stdout(&out), "print-args.wat\none\ntwo words\n--dir\n-x\n");
}

#[test]
fn wasi_env() {
    let path = scratch("print-env.wat", wasi_print_strings("environ").as_bytes());
    let file = path.to_str().unwrap();
    let out = strata(&["run", "--env", "A=1", "--env", "B=x=y", "--env", "C=", file]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "A=1\nB=x=y\nC=\n");
    // Nothing of the host's environment leaks in.
    let out = strata(&["run", file]);
    assert_eq!(stdout(&out), "");
    assert_one_error(&strata(&["run", "--env", "NOEQUALS", file]), "NOEQUALS");
    assert_one_error(&strata(&["run", "--env", "=v", file]), "KEY=VALUE");
}

#[test]
fn wasi_dir() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-wasi-dir");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("granted")).unwrap();
    std::fs::write(dir.join("granted/f.txt"), "granted contents\n").unwrap();
    std::fs::write(dir.join("secret.txt"), "secret\n").unwrap();
    let granted = dir.join("granted");
    let granted = granted.to_str().unwrap();
    let guest = format!("{granted}::/data");
    for tier in ["baseline", "optimizing"] {
        let path = scratch("cat-f.wat", wasi_cat("f.txt").as_bytes());
        let file = path.to_str().unwrap();
        let out = strata(&["run", "--tier", tier, "--dir", granted, file]);
        assert!(out.status.success(), "{tier}: {}", stderr(&out));
        assert_eq!(stdout(&out), "granted contents\n");
        let out = strata(&["run", "--tier", tier, "--dir", &guest, file]);
        assert_eq!(stdout(&out), "granted contents\n", "{tier}: HOST::GUEST");
        // Without --dir there is no fd 3: EBADF (8).
        let out = strata(&["run", "--tier", tier, file]);
        assert_eq!(out.status.code(), Some(8), "{tier}: {}", stderr(&out));
        // Escapes fail with EPERM (63) or ENOTCAPABLE (76).
        let path = scratch("cat-up.wat", wasi_cat("../secret.txt").as_bytes());
        let out = strata(&[
            "run",
            "--tier",
            tier,
            "--dir",
            granted,
            path.to_str().unwrap(),
        ]);
        assert!(
            matches!(out.status.code(), Some(63 | 76)),
            "{tier}: {:?} {}",
            out.status,
            stdout(&out)
        );
        assert_eq!(stdout(&out), "");
    }
    let path = scratch("cat-f.wat", wasi_cat("f.txt").as_bytes());
    let missing = dir.join("missing");
    assert_one_error(
        &strata(&[
            "run",
            "--dir",
            missing.to_str().unwrap(),
            path.to_str().unwrap(),
        ]),
        "missing",
    );
}

#[test]
fn wasi_exit_code() {
    let path = scratch(
        "exit.wat",
        br#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "_start") (call $exit (i32.const 42)) unreachable))"#,
    );
    for tier in ["baseline", "optimizing"] {
        let out = strata(&["run", "--tier", tier, path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(42), "{tier}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{tier}");
    }
    let path = scratch(
        "exit0.wat",
        br#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "_start") (call $exit (i32.const 0)) unreachable))"#,
    );
    let out = strata(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `_start` returning is exit code 0.
    let path = scratch("return.wat", b"(module (func (export \"_start\")))");
    let out = strata(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn wasi_reactor_invoke() {
    let path = scratch(
        "reactor.wat",
        br#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (global $base (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $base (i32.const 100)))
  (func (export "add") (param i32) (result i32) (i32.add (global.get $base) (local.get 0))))"#,
    );
    let file = path.to_str().unwrap();
    let out = strata(&["run", "--invoke", "add", file, "5"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "105\n");
    let out = strata(&["run", file, "--invoke", "add", "7"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "107\n");
    // Without --invoke a reactor only initializes.
    let out = strata(&["run", file]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn wasi_unknown_function_and_other_modules() {
    let path = scratch(
        "bad-wasi.wat",
        b"(module (import \"wasi_snapshot_preview1\" \"no_such_fn\" (func)))",
    );
    assert_one_error(&strata(&["run", path.to_str().unwrap()]), "no_such_fn");
    let path = scratch(
        "mixed.wat",
        b"(module (import \"wasi_snapshot_preview1\" \"proc_exit\" (func (param i32))) (import \"env\" \"g\" (func)))",
    );
    assert_one_error(
        &strata(&["run", path.to_str().unwrap()]),
        "unknown import: env::g",
    );
}

#[test]
fn tier_log_reports_tier_up_and_osr() {
    let wat = scratch(
        "tier-log.wat",
        br#"(module
  (func $count (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))"#,
    );
    let wat = wat.to_str().unwrap();
    let out = strata(&[
        "run",
        "--tier-log",
        "--tier-up-budget",
        "10",
        "--osr-poll",
        "10",
        "--tier-up-sync",
        "--invoke",
        "count",
        wat,
        "100000",
    ]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "100000\n");
    let err = stderr(&out);
    assert!(
        err.lines().any(
            |l| l.starts_with("tier-up: function 0 (count) baseline -> optimizing")
                && l.contains("entered through OSR at loop 0")
        ),
        "{err}"
    );
    // Forced tiers never tier up.
    for tier in ["baseline", "optimizing"] {
        let out = strata(&[
            "run",
            "--tier",
            tier,
            "--tier-log",
            "--tier-up-budget",
            "1",
            "--invoke",
            "count",
            wat,
            "1000",
        ]);
        assert!(out.status.success(), "stderr: {}", stderr(&out));
        assert_eq!(stdout(&out), "1000\n");
        assert_eq!(stderr(&out), "");
    }
}

/// `--perf-map` writes `/tmp/perf-PID.map`: a line `START SIZE NAME [KIND]`
/// per piece of code placed, for lazily compiled baseline code, tier-ups and
/// OSR variants in the tiered engine, and for eager compiles of each tier.
#[test]
fn perf_map_names_every_compiled_function_and_its_tier() {
    let wat = scratch(
        "perf-map.wat",
        br#"(module
  (func $count (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (call 1 (local.get $n)))))
    (local.get $i))
  (func (param i32) (result i32) (local.get 0)))"#,
    );
    let wat = wat.to_str().unwrap();
    let run = |args: &[&str]| -> Vec<(u64, u64, String)> {
        let child = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .args(["--perf-map", "--invoke", "count", wat, "1000"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run strata");
        let map = PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "stderr: {}", stderr(&out));
        assert_eq!(stdout(&out), "1000\n");
        let text = std::fs::read_to_string(&map).expect("the perf map");
        std::fs::remove_file(&map).unwrap();
        text.lines()
            .map(|l| {
                let mut parts = l.splitn(3, ' ');
                let mut hex = || u64::from_str_radix(parts.next().unwrap(), 16).unwrap();
                let (start, size) = (hex(), hex());
                (start, size, parts.next().unwrap().to_string())
            })
            .collect()
    };
    let names = |lines: &[(u64, u64, String)]| -> Vec<String> {
        for (start, size, name) in lines {
            assert!(*start > 0 && *size > 0, "{name}: {start:x} {size:x}");
        }
        lines.iter().map(|l| l.2.clone()).collect()
    };
    // Tiered (lazy): baseline code on first call, then the optimized
    // function and the OSR variant of its loop (both inline the callee,
    // which never runs its budget out).
    let tiered = run(&[
        "run",
        "--tier-up-budget",
        "5",
        "--osr-poll",
        "1",
        "--tier-up-sync",
    ]);
    assert_eq!(
        names(&tiered),
        [
            "count [baseline]",
            "wasm-function[1] [baseline]",
            "count [optimizing]",
            "count [osr loop 0]",
        ]
    );
    // The optimized function lies elsewhere than its baseline code.
    assert_ne!(tiered[0].0, tiered[2].0);
    for tier in ["baseline", "optimizing"] {
        let eager = run(&["run", "--tier", tier]);
        assert_eq!(
            names(&eager),
            [
                format!("count [{tier}]"),
                format!("wasm-function[1] [{tier}]")
            ]
        );
        // Eager code: one piece, the second function after the first.
        assert!(eager[0].0 + eager[0].1 <= eager[1].0);
    }
}

/// `--no-bmi2`: a rotate that keeps its input is `rol` after a copy, not
/// BMI2's `rorx`, whatever the host.
#[test]
fn compile_without_bmi2() {
    let wat = scratch(
        "rotl.wat",
        br#"(module (func (export "f") (param i32) (result i32)
              (i32.xor (i32.rotl (local.get 0) (i32.const 7)) (local.get 0))))"#,
    );
    let path = wat.to_str().unwrap();
    let out = strata(&[
        "compile",
        "--tier",
        "optimizing",
        "--no-bmi2",
        "--emit",
        "asm",
        path,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("rol ") && !text.contains("rorx"), "{text}");
    let out = strata(&["run", "--no-bmi2", "--invoke", "f", path, "1"]);
    assert_eq!(stdout(&out).trim(), ((1u32 << 7) ^ 1).to_string());
}

/// `--no-avx`: a float addition whose input lives on is `addsd` after a
/// copy, not AVX's three-operand `vaddsd`, whatever the host.
#[test]
fn compile_without_avx() {
    let wat = scratch(
        "fadd.wat",
        br#"(module (func (export "f") (param f64 f64) (result f64)
              (f64.mul (f64.add (local.get 0) (local.get 1)) (local.get 0))))"#,
    );
    let path = wat.to_str().unwrap();
    let out = strata(&[
        "compile",
        "--tier",
        "optimizing",
        "--no-avx",
        "--emit",
        "asm",
        path,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(": addsd ") && !text.contains("vaddsd"),
        "{text}"
    );
    let out = strata(&["run", "--no-avx", "--invoke", "f", path, "1.5", "2.25"]);
    assert_eq!(stdout(&out).trim(), ((1.5f64 + 2.25) * 1.5).to_string());
}

/// `--memory-limit-pages` caps every memory: `memory.grow` fails past it,
/// a memory that starts above it fails to instantiate, 65536 (the whole
/// 4 GiB) turns the folding of negative address offsets off, and a value
/// above 65536 is refused.
#[test]
fn memory_limit_pages_flag() {
    let wat = scratch(
        "memory_limit.wat",
        br#"(module (memory 2)
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "field") (param i32) (result i32)
                (i32.load (i32.add (local.get 0) (i32.const -8)))))"#,
    );
    let wat = wat.to_str().unwrap();
    let grow = |limit: Option<&str>, by: &str| {
        let mut args = vec!["run"];
        if let Some(l) = limit {
            args.extend(["--memory-limit-pages", l]);
        }
        args.extend(["--invoke", "grow", wat, by]);
        let out = strata(&args);
        assert!(out.status.success(), "{limit:?} {by}: {}", stderr(&out));
        stdout(&out).trim().to_string()
    };
    assert_eq!(grow(None, "8"), "2");
    assert_eq!(grow(Some("10"), "8"), "2");
    assert_eq!(grow(Some("10"), "9"), "-1");
    let out = strata(&[
        "run",
        "--memory-limit-pages",
        "1",
        "--invoke",
        "grow",
        wat,
        "0",
    ]);
    assert_one_error(&out, "above the engine's limit of 1 pages");
    let asm = |limit: &str| {
        let out = strata(&[
            "compile",
            "--tier",
            "baseline",
            "--memory-limit-pages",
            limit,
            "--emit",
            "asm",
            wat,
        ]);
        assert!(out.status.success(), "{limit}: {}", stderr(&out));
        stdout(&out)
    };
    assert!(asm("65535").contains("[r15+rdi-8]"), "{}", asm("65535"));
    assert!(!asm("65536").contains("[r15+rdi-8]"), "{}", asm("65536"));
    let out = strata(&["run", "--memory-limit-pages", "65537", wat]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("65537"), "{}", stderr(&out));
}
