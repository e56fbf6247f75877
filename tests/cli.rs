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
    for emit in ["ir", "asm"] {
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
