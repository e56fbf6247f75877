#!/usr/bin/env python3
"""Run time of a real Rust program on every engine: tests/programs/rust-workload.

The program (wasm-smith generating modules, wasmparser validating and reading
them, wasmi interpreting them, then regex and serde_json work; about 6 MB of
Wasm from rustc at opt-level 3) is built with cargo natively and for
wasm32-wasip1 into target/rust-workload, then run with SEEDS as its argument
on each engine of the benchmark suite (benches/suite/run.py: native, strata's
tiers, node's V8 configurations, Wasmtime's Cranelift and Winch, those that
are installed), REPS interleaved times. Reported: the median whole-process
wall time (start-up and compilation included: this module is large, so they
weigh) and its ratio to native. Every run's output must equal native's.

    cargo build --release && python3 benches/rust_workload.py [--seeds N] [--reps R]

Needs the rustup target wasm32-wasip1.
"""

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "suite"))
import run as suite  # noqa: E402  (benches/suite/run.py: engines, timing)

ROOT = suite.ROOT
MANIFEST = os.path.join(ROOT, "tests", "programs", "rust-workload", "Cargo.toml")
TARGET_DIR = os.path.join(ROOT, "target", "rust-workload")


def cargo_build(target):
    """Builds the program for `target` (None: the host); returns its path."""
    cmd = ["cargo", "build", "--release", "--locked", "--manifest-path", MANIFEST,
           "--target-dir", TARGET_DIR]
    if target:
        cmd += ["--target", target]
    env = dict(os.environ)
    env.pop("RUSTFLAGS", None)
    env.pop("CARGO_BUILD_TARGET", None)
    subprocess.run(cmd, check=True, env=env)
    if target:
        return os.path.join(TARGET_DIR, target, "release", "rust-workload.wasm")
    return os.path.join(TARGET_DIR, "release", "rust-workload")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=1500, help="the program's argument: modules generated and run")
    ap.add_argument("--reps", type=int, default=3, help="interleaved runs per engine")
    ap.add_argument("--strata", default=os.path.join(ROOT, "target", "release", "strata"))
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args()
    if not os.access(args.strata, os.X_OK):
        sys.exit(f"no strata binary at {args.strata}: run `cargo build --release` first")

    exe = cargo_build(None)
    wasm = cargo_build("wasm32-wasip1")
    size = os.path.getsize(wasm)
    engines, notes = suite.engines(args)
    arg = str(args.seeds)
    expected = subprocess.run([exe, arg], check=True, capture_output=True, text=True).stdout
    times = {name: [] for name, _ in engines}
    failures = {}
    for rep in range(args.reps):
        for name, command in engines:
            if name in failures:
                continue
            secs, out, why = suite.timed(command(exe, wasm, arg), args.timeout)
            if why is None and out != expected:
                why = "output differs from native's"
            if why is not None:
                failures[name] = why
                continue
            times[name].append(secs)
            print(f"rep {rep + 1}: {name:<18} {secs:7.3f} s", file=sys.stderr)

    native = statistics.median(times["native"]) if times["native"] else None
    print(f"rust-workload, {args.seeds} seeds ({size / 1e6:.1f} MB module), "
          f"median of {args.reps} interleaved whole-process runs, output checked against native's:")
    print()
    print("| engine | median (s) | / native |")
    print("|---|---:|---:|")
    for name, _ in engines:
        if name in failures:
            print(f"| {name} | {failures[name]} | |")
            continue
        m = statistics.median(times[name])
        ratio = f"{m / native:.2f}x" if native else ""
        print(f"| {name} | {m:.3f} | {ratio} |")
    for n in notes:
        print(f"\nNote: {n}")


if __name__ == "__main__":
    main()
