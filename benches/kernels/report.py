#!/usr/bin/env python3
"""Compute-kernel report: strata's tiers against native code.

Builds each kernel of this folder with clang -O2 natively and for wasm32
(freestanding, exporting `run`, with the Wasm 2.0 features that LLVM 19 and
later enable by default: see `WASM_FEATURES`), then runs native, `strata run --tier baseline`
and `strata run --tier optimizing` on the same argument, interleaved, several
times (and, when `wasmtime` is on PATH or in target/wasmtime/bin, where
benches/install-wasmtime.sh builds it, `wasmtime run` with Cranelift and with
Winch); checks that every run prints the same result; prints a markdown table
of median times and ratios with a geometric-mean row.

Usage (from the repository root, after `cargo build --release`):

    python3 benches/kernels/report.py [--reps 3] [--strata target/release/strata]

Needs clang and lld (Debian: `apt-get install clang lld`). Times are wall
clock of whole processes, so they include process start and compilation; the
kernels are sized to run for a few hundred milliseconds natively so that this
overhead is small. Compare ratios measured in one run, never absolute times
across machines.
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Column titles of the reference engines.
TITLES = {"cranelift": "Wasmtime Cranelift", "winch": "Wasmtime Winch"}

# kernel -> argument (sized for a few hundred milliseconds natively)
KERNELS = {
    "matmul": 300,
    "sieve": 60,
    "crc32": 300,
    "nbody": 6_000_000,
    "fib": 39,
    "sort": 40,
}


# The Wasm features of LLVM's `generic` CPU since LLVM 19 (llvm-project
# commit fb6e024, "Update generic and bleeding-edge CPUs"), which strata
# supports; spelled out because Debian's clang 14 defaults to the 1.0 feature
# set. Bulk memory matters: with it, clang lowers zeroing loops to
# `memory.fill` instead of calling the byte-at-a-time `memset` in common.h.
WASM_FEATURES = [
    "-mbulk-memory",
    "-mmutable-globals",
    "-mmultivalue",
    "-mnontrapping-fptoint",
    "-mreference-types",
    "-msign-ext",
]


def build(out_dir, clang):
    os.makedirs(out_dir, exist_ok=True)
    for name in KERNELS:
        src = os.path.join(HERE, name + ".c")
        subprocess.run(
            [clang, "-O2", "-DNATIVE", src, "-o", os.path.join(out_dir, name), "-lm"],
            check=True,
        )
        subprocess.run(
            [
                clang,
                "--target=wasm32",
                "-O2",
                *WASM_FEATURES,
                "-nostdlib",
                "-Wl,--no-entry",
                "-Wl,--export=run",
                src,
                "-o",
                os.path.join(out_dir, name + ".wasm"),
            ],
            check=True,
        )


def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return elapsed, proc.stdout.strip()


def same_result(a, b):
    try:
        if (int(a) - int(b)) % (1 << 32) == 0:
            return True
    except ValueError:
        pass
    try:
        x, y = float(a), float(b)
        return x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9 * max(abs(x), abs(y))
    except ValueError:
        return a == b


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--strata", default="target/release/strata")
    p.add_argument("--clang", default=shutil.which("clang") or "clang")
    p.add_argument("--out", default="target/kernels")
    p.add_argument("--only", nargs="*", default=None)
    p.add_argument("--tiers", default="baseline,optimizing",
                   help="comma-separated strata tiers to run (the table needs both)")
    p.add_argument("--no-wasmtime", action="store_true",
                   help="leave out Wasmtime's Cranelift and Winch even when wasmtime is on PATH")
    args = p.parse_args()

    build(args.out, args.clang)
    kernels = [k for k in KERNELS if not args.only or k in args.only]
    modes = {
        "native": lambda k: [os.path.join(args.out, k), str(KERNELS[k])],
        "baseline": lambda k: [args.strata, "run", "--tier", "baseline",
                               os.path.join(args.out, k + ".wasm"), "--invoke", "run", str(KERNELS[k])],
        "optimizing": lambda k: [args.strata, "run", "--tier", "optimizing",
                                 os.path.join(args.out, k + ".wasm"), "--invoke", "run", str(KERNELS[k])],
    }
    tiers = args.tiers.split(",")
    modes = {m: c for m, c in modes.items() if m == "native" or m in tiers}
    # Wasmtime's two compilers as references, when `wasmtime` is on PATH or
    # in target/wasmtime/bin (benches/install-wasmtime.sh; `--no-wasmtime`
    # leaves them out): Cranelift (its optimizing compiler,
    # the default) and Winch (its baseline compiler), the module cache off.
    local = os.path.join(HERE, "..", "..", "target", "wasmtime", "bin", "wasmtime")
    wasmtime = None if args.no_wasmtime else (
        shutil.which("wasmtime") or (local if os.access(local, os.X_OK) else None))
    if wasmtime:
        for compiler in ("cranelift", "winch"):
            modes[compiler] = lambda k, c=compiler: [
                wasmtime, "run", "-C", f"compiler={c}", "-C", "cache=n", "--invoke", "run",
                os.path.join(args.out, k + ".wasm"), str(KERNELS[k])]
    else:
        print("no wasmtime (not on PATH nor in target/wasmtime/bin; benches/install-wasmtime.sh builds it) or --no-wasmtime: no Cranelift and Winch columns", file=sys.stderr)
    times = {k: {m: [] for m in modes} for k in kernels}
    for _ in range(args.reps):
        for k in kernels:
            expected = None
            for m, cmd in modes.items():
                t, out = timed(cmd(k))
                if expected is None:
                    expected = out
                elif not same_result(expected, out):
                    sys.exit(f"{k}: {m} printed {out!r}, native printed {expected!r}")
                times[k][m].append(t)

    if not all(m in modes for m in ("baseline", "optimizing")):
        for k in kernels:
            print(k, {m: round(statistics.median(v), 3) for m, v in times[k].items()})
        return
    refs = [m for m in ("cranelift", "winch") if m in modes]
    head = "| kernel | native (s) | baseline (s) | optimizing (s) |"
    rule = "| --- | ---: | ---: | ---: |"
    for m in refs:
        head += f" {TITLES[m]} (s) |"
        rule += " ---: |"
    head += " baseline / native | optimizing / native | baseline / optimizing |"
    rule += " ---: | ---: | ---: |"
    if refs:
        head += "".join(f" {TITLES[m]} / native |" for m in refs)
        rule += " ---: |" * len(refs)
    if len(refs) == 2:
        head += " Winch / Cranelift |"
        rule += " ---: |"
    print(head)
    print(rule)
    cols = []
    for k in kernels:
        med = {m: statistics.median(times[k][m]) for m in modes}
        n, b, o = med["native"], med["baseline"], med["optimizing"]
        row = [b / n, o / n, b / o] + [med[m] / n for m in refs]
        if len(refs) == 2:
            row.append(med["winch"] / med["cranelift"])
        cols.append(row)
        secs = "".join(f" {med[m]:.3f} |" for m in ["native", "baseline", "optimizing"] + refs)
        print(f"| {k} |{secs}" + "".join(f" {x:.2f}x |" for x in row))

    def geo(xs):
        return math.exp(sum(math.log(x) for x in xs) / len(xs))

    means = [geo([r[i] for r in cols]) for i in range(len(cols[0]))]
    print("| **geometric mean** | | | |" + " |" * len(refs) + "".join(f" **{x:.2f}x** |" for x in means))

if __name__ == "__main__":
    main()
