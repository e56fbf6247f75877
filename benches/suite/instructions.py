#!/usr/bin/env python3
"""Benchmark suite, instruction counts: what each strata tier's code executes,
next to native code, counted by valgrind (callgrind) instead of timed.

Usage (from the repository root, after `cargo build --release`):

    python3 benches/suite/instructions.py [--strata target/release/strata]
                                          [--only NAME,NAME...] [--compare FILE]

Wall-clock times on a shared machine move by 10-30% from run to run; the
number of instructions a program executes does not. For each program of
benches/suite (built as run.py builds them, into target/suite/), this runs
the native build and `strata run --tier baseline|optimizing` under
`valgrind --tool=callgrind` twice: at a reduced size (SIZES below) and at a
minimal one, and reports the difference, which leaves out process start-up
and compilation (the same at both sizes). Every run's output must equal the
native run's at the same size.

Prints a Markdown table: millions of instructions per program for native,
baseline and optimizing code, and the ratios optimizing / native and
optimizing / baseline, with geometric means. With --compare FILE (a
previous run's output, saved with --save FILE), it adds the ratio of each
tier's count to that run's. Instruction counts are not speed (a `nop` and
a division count alike, SIMD does four additions in one), so they say
where code changed, not how fast it runs.

Needs valgrind, and what run.py needs to build the programs.
"""

import argparse
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the suite's build and program list)

# program -> (reduced size, minimal size): a few tenths of a second natively
# at the reduced size (callgrind runs code 50-100x slower).
SIZES = {
    "matmul": (300, 2),
    "lu": (300, 2),
    "stencil": (400, 4),
    "crc32": (20, 1),
    "sha256": (10, 1),
    "hashtable": (1000000, 10),
    "sort": (300000, 10),
    "interp": (20000, 1),
    "recursion": (27, 2),
    "nbody": (500000, 1),
    "spectral": (600, 2),
    "mandelbrot": (800, 2),
    "bintrees": (12, 4),
    "strings": (3000, 10),
}


def count(cmd):
    """(instructions, stdout) of `cmd` under callgrind."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    for line in proc.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[1].strip()), proc.stdout
    raise SystemExit(f"no callgrind count for {' '.join(cmd)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--strata", default=os.path.join(run.ROOT, "target", "release", "strata"))
    ap.add_argument("--clang", default="clang")
    ap.add_argument("--only", help="comma-separated program names")
    ap.add_argument("--out-dir", default=os.path.join(run.ROOT, "target", "suite"))
    ap.add_argument("--save", help="write the counts to this JSON file")
    ap.add_argument("--compare", help="a JSON file written by --save")
    args = ap.parse_args()
    names = [n for n in (args.only.split(",") if args.only else SIZES) if n]
    unknown = [n for n in names if n not in SIZES]
    if unknown:
        ap.error(f"unknown programs: {', '.join(unknown)}")
    if not os.path.exists(args.strata):
        ap.error(f"{args.strata} not found (cargo build --release?)")
    run.build(args.out_dir, args.clang, names)
    old = {}
    if args.compare:
        with open(args.compare) as f:
            old = json.load(f)

    engines = {
        "native": lambda exe, wasm, a: [exe, a],
        "baseline": lambda exe, wasm, a: [args.strata, "run", "--tier", "baseline", wasm, a],
        "optimizing": lambda exe, wasm, a: [args.strata, "run", "--tier", "optimizing", wasm, a],
    }
    counts = {}
    for name in names:
        exe = os.path.join(args.out_dir, name)
        wasm = exe + ".wasm"
        counts[name] = {}
        for size in SIZES[name]:
            _, want = count(engines["native"](exe, wasm, str(size)))
            for eng, mk in engines.items():
                n, out = count(mk(exe, wasm, str(size)))
                if out != want:
                    raise SystemExit(f"{name} {size}: {eng} printed {out!r}, native {want!r}")
                counts[name][eng] = counts[name].get(eng, 0) + (n if size == SIZES[name][0] else -n)
        print(name, counts[name], file=sys.stderr)
    if args.save:
        with open(args.save, "w") as f:
            json.dump(counts, f, indent=1)

    head = "| program | native (M) | baseline (M) | optimizing (M) | optimizing / native | optimizing / baseline |"
    sep = "| --- | ---: | ---: | ---: | ---: | ---: |"
    if old:
        head += " baseline / before | optimizing / before |"
        sep += " ---: | ---: |"
    print(head)
    print(sep)
    logs = {k: [] for k in ("on", "ob", "bb", "oo")}
    for name in names:
        c = counts[name]
        on, ob = c["optimizing"] / c["native"], c["optimizing"] / c["baseline"]
        logs["on"].append(math.log(on))
        logs["ob"].append(math.log(ob))
        row = (
            f"| {name} | {c['native'] / 1e6:.1f} | {c['baseline'] / 1e6:.1f} | "
            f"{c['optimizing'] / 1e6:.1f} | {on:.2f}x | {ob:.2f}x |"
        )
        if name in old:
            bb, oo = c["baseline"] / old[name]["baseline"], c["optimizing"] / old[name]["optimizing"]
            logs["bb"].append(math.log(bb))
            logs["oo"].append(math.log(oo))
            row += f" {bb:.3f} | {oo:.3f} |"
        elif old:
            row += " | |"
        print(row)
    gm = {k: math.exp(sum(v) / len(v)) for k, v in logs.items() if v}
    row = f"| **geometric mean** | | | | **{gm['on']:.2f}x** | **{gm['ob']:.2f}x** |"
    if old and "bb" in gm:
        row += f" **{gm['bb']:.3f}** | **{gm['oo']:.3f}** |"
    print(row)


if __name__ == "__main__":
    main()
