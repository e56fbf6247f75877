#!/usr/bin/env python3
"""Benchmark suite: strata's tiers against native code, node (V8) and wasmtime.

Usage (from the repository root, after `cargo build --release`):

    python3 benches/suite/run.py [--strata target/release/strata] [--reps 3]
                                 [--only NAME,NAME...] [--timeout SECONDS]

Each benches/suite/*.c program takes its size from argv[1] and prints a
checksum. The script builds every program with clang -O2 natively and for
wasm32-wasi (wasi-libc), caching the outputs in target/suite/ (rebuilt when the
source is newer than the output), then runs each program on

    native                 the native build
    strata baseline        strata run --tier baseline
    strata optimizing      strata run --tier optimizing
    strata tiered          strata run --tier tiered (baseline code first, hot
                           functions and loops recompiled by the optimizing tier)
    node                   node's WASI (V8 default: Liftoff, then TurboFan)
    node liftoff           node --liftoff --no-wasm-tier-up
    node turbofan          node --no-liftoff
    wasmtime               wasmtime run -C cache=n (its default compiler, Cranelift)
    wasmtime winch         wasmtime run -C compiler=winch -C cache=n (baseline compiler)

(the wasmtime engines only if `wasmtime` is on PATH or in target/wasmtime/bin,
where benches/install-wasmtime.sh puts it; a wasmtime build without
Winch shows up as a failed "wasmtime winch" column)

interleaved (rep by rep, program by program, engine by engine), --reps times,
and takes medians. Every run's stdout must equal the native run's; a mismatch
is reported loudly, recorded as a failure, and makes the script exit 1. A run
that fails (exit status, trap, timeout, mismatch) is recorded in the table as
"fail: reason" and that program/engine pair is not run again; the rest goes on.

Writes benches/suite/RESULTS.md (median wall-clock times, ratios to native,
geometric-mean row, command line, date, machine) and benches/suite/results.svg
(bar chart of ratio to native, log scale). Times are whole-process wall clock,
so they include process start-up and compilation; programs are sized to run
roughly 0.3-1 s natively. Compare ratios from one run, never absolute times
across machines.

Needs clang, lld, wasi-libc and libclang-rt-dev-wasm32 (Debian package names),
and node >= 20 for the node columns (skipped with a note when absent).
"""

import argparse
import datetime
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def find_wasmtime():
    """`wasmtime` on PATH, else the one benches/install-wasmtime.sh builds."""
    local = os.path.join(ROOT, "target", "wasmtime", "bin", "wasmtime")
    return shutil.which("wasmtime") or (local if os.access(local, os.X_OK) else None)
NODE_RUNNER = os.path.join(HERE, "node_wasi.cjs")

# program -> argv[1] (sized for roughly 0.3-1 s natively on a 2020s x86-64 core)
PROGRAMS = {
    "matmul": 1400,
    "lu": 1600,
    "stencil": 1600,
    "crc32": 200,
    "sha256": 100,
    "hashtable": 15000000,
    "sort": 3000000,
    "interp": 200000,
    "recursion": 40,
    "nbody": 5000000,
    "spectral": 3000,
    "mandelbrot": 4000,
    "bintrees": 17,
    "strings": 24576,
}


def engines(args):
    """(name, function wasm/native path, argv1 -> command) for available engines; notes for skipped ones."""
    out, notes = [], []
    out.append(("native", lambda exe, wasm, a: [exe, a]))
    out.append(("strata baseline", lambda exe, wasm, a: [args.strata, "run", "--tier", "baseline", wasm, a]))
    out.append(("strata optimizing", lambda exe, wasm, a: [args.strata, "run", "--tier", "optimizing", wasm, a]))
    out.append(("strata tiered", lambda exe, wasm, a: [args.strata, "run", "--tier", "tiered", wasm, a]))
    node = shutil.which("node")
    if node:
        # --no-turbo-fast-api-calls: node 20's WASI calls through V8's fast
        # API path let the garbage collector finalize the WASI object during
        # an fd_write that allocates, which aborts or crashes the process at
        # random after the program's output (seen on matmul, stencil and sort
        # at these sizes). It changes only how WASI host calls are entered,
        # not the code compiled for the Wasm functions.
        base = [node, "--no-warnings", "--no-turbo-fast-api-calls"]
        out.append(("node", lambda exe, wasm, a: base + [NODE_RUNNER, wasm, a]))
        out.append(("node liftoff", lambda exe, wasm, a: base + ["--liftoff", "--no-wasm-tier-up", NODE_RUNNER, wasm, a]))
        out.append(("node turbofan", lambda exe, wasm, a: base + ["--no-liftoff", NODE_RUNNER, wasm, a]))
    else:
        notes.append("node not found on PATH: node columns skipped.")
    wasmtime = find_wasmtime()
    if wasmtime:
        # `-C cache=n`: every run compiles, as strata's and node's do.
        out.append(("wasmtime", lambda exe, wasm, a: [wasmtime, "run", "-C", "cache=n", wasm, a]))
        out.append(("wasmtime winch", lambda exe, wasm, a: [wasmtime, "run", "-C", "compiler=winch", "-C", "cache=n", wasm, a]))
    else:
        notes.append("wasmtime not found (on PATH or in target/wasmtime/bin, where benches/install-wasmtime.sh builds it): wasmtime columns (Cranelift, Winch) skipped.")
    return out, notes


def build(out_dir, clang, names):
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        src = os.path.join(HERE, name + ".c")
        exe = os.path.join(out_dir, name)
        wasm = exe + ".wasm"
        jobs = [
            (exe, [clang, "-O2", src, "-o", exe, "-lm"]),
            (wasm, [clang, "--target=wasm32-wasi", "-O2", src, "-o", wasm]),
        ]
        for target, cmd in jobs:
            if os.path.exists(target) and os.path.getmtime(target) >= os.path.getmtime(src):
                continue
            print("build:", " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
            subprocess.run(cmd, check=True)


def timed(cmd, timeout):
    """Returns (seconds, stdout, None) or (None, None, reason)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None, f"timeout after {timeout:g} s"
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        err = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1][:120]
        return None, None, f"exit {proc.returncode}: {err}"
    return elapsed, proc.stdout, None


def machine_info():
    # The model name, and the family and model numbers: a VM's model name
    # can be as vague as "AMD EPYC", and code placement effects differ
    # between microarchitectures (README, "Loop placement").
    model = "unknown"
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    if "model name" in fields:
        model = fields["model name"]
        if "cpu family" in fields and "model" in fields:
            model += f" (family {fields['cpu family']}, model {fields['model']})"
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    info = [f"CPU: {model}", f"nproc: {nproc}", f"OS: {platform.system()} {platform.release()} {platform.machine()}"]
    for tool, cmd in (("clang", ["clang", "--version"]), ("node", ["node", "--version"]), ("wasmtime", [find_wasmtime() or "wasmtime", "--version"])):
        if shutil.which(cmd[0]):
            v = subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()
            if v:
                info.append(f"{tool}: {v[0]}")
    rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if rev.returncode == 0:
        dirty = subprocess.run(["git", "--no-optional-locks", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        info.append(f"strata commit: {rev.stdout.strip()}{' (with local changes)' if dirty else ''}")
    return info


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def write_markdown(path, names, engine_names, medians, failures, notes, cmdline, info, reps):
    lines = ["# strata benchmark suite results", ""]
    lines.append(f"Generated by `{cmdline}` on {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}.")
    lines.append("")
    lines += [f"- {i}" for i in info]
    lines.append("")
    lines.append(f"Median wall-clock time of {reps} interleaved runs (whole process: start-up, compilation and run), "
                 "and in parentheses the ratio to native (lower is better). Every run's output was checked against native's.")
    lines.append("")
    header = ["program", "arg"] + engine_names
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] * 2 + ["---:"] * len(engine_names)) + "|")
    ratios = {e: [] for e in engine_names}
    for name in names:
        row = [name, str(PROGRAMS[name])]
        nat = medians.get((name, "native"))
        for e in engine_names:
            if (name, e) in failures:
                row.append("fail: " + failures[(name, e)].replace("|", "\\|"))
            elif (name, e) in medians:
                t = medians[(name, e)]
                if e == "native":
                    row.append(f"{t:.3f} s")
                elif nat:
                    r = t / nat
                    ratios[e].append(r)
                    row.append(f"{t:.3f} s ({r:.2f}x)")
                else:
                    row.append(f"{t:.3f} s")
            else:
                row.append("-")
        lines.append("| " + " | ".join(row) + " |")
    geo = ["**geomean**", ""]
    for e in engine_names:
        if e == "native":
            geo.append("1.00x")
            continue
        g = geomean(ratios[e])
        n_ok = len(ratios[e])
        geo.append("-" if g is None else f"**{g:.2f}x**" + ("" if n_ok == len(names) else f" (of {n_ok})"))
    lines.append("| " + " | ".join(geo) + " |")
    lines.append("")
    if notes:
        lines += [f"Note: {n}" for n in notes]
        lines.append("")
    lines.append("Chart: [results.svg](results.svg) (ratio to native, log scale).")
    lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"]


def write_svg(path, names, engine_names, medians, failures):
    engs = [e for e in engine_names if e != "native"]
    ratio = {}
    for n in names:
        nat = medians.get((n, "native"))
        for e in engs:
            if nat and (n, e) in medians:
                ratio[(n, e)] = medians[(n, e)] / nat
    groups = names + ["geomean"]
    for e in engs:
        g = geomean([ratio[(n, e)] for n in names if (n, e) in ratio])
        if g:
            ratio[("geomean", e)] = g
    lo = 0.5
    hi = max([2.0] + list(ratio.values())) * 1.15
    left, right, top, bottom = 60, 20, 40, 110
    bar_w, gap = 9, 14
    group_w = bar_w * len(engs) + gap
    plot_w = group_w * len(groups)
    plot_h = 360
    width, height = left + plot_w + right, top + plot_h + bottom

    def y(v):
        v = min(max(v, lo), hi)
        return top + plot_h - (math.log(v / lo) / math.log(hi / lo)) * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">'
           'Time relative to native (log scale, lower is better)</text>']
    tick = 0.5
    ticks = []
    while tick <= hi:
        ticks.append(tick)
        tick *= 2
    for t in ticks:
        yy = y(t)
        out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" '
                   f'stroke="{"#444" if t == 1 else "#ddd"}" stroke-width="{1.5 if t == 1 else 1}"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{t:g}x</text>')
    for gi, n in enumerate(groups):
        x0 = left + gi * group_w + gap / 2
        for ei, e in enumerate(engs):
            x = x0 + ei * bar_w
            if (n, e) in ratio:
                r = ratio[(n, e)]
                yy = y(r)
                base = y(lo)
                out.append(f'<rect x="{x:.1f}" y="{yy:.1f}" width="{bar_w - 1}" height="{base - yy:.1f}" '
                           f'fill="{COLORS[ei % len(COLORS)]}"><title>{n} / {e}: {r:.2f}x</title></rect>')
            elif n != "geomean":
                reason = failures.get((n, e), "not run")
                out.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4}" text-anchor="middle" '
                           f'fill="#c00" font-weight="bold">x<title>{n} / {e}: {reason}</title></text>')
        cx = x0 + (group_w - gap) / 2
        weight = ' font-weight="bold"' if n == "geomean" else ""
        out.append(f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="end"{weight} '
                   f'transform="rotate(-40 {cx:.1f} {top + plot_h + 14})">{n}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444"/>')
    lx, ly = left, height - 18
    for ei, e in enumerate(engs):
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{COLORS[ei % len(COLORS)]}"/>')
        out.append(f'<text x="{lx + 14}" y="{ly}">{e}</text>')
        lx += 14 + 7 * len(e) + 18
    out.append(f'<text x="{width - right}" y="{height - 4}" text-anchor="end" fill="#888" font-size="9">'
               'red x = failed run (see RESULTS.md)</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--strata", default=os.path.join(ROOT, "target", "release", "strata"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--clang", default="clang")
    ap.add_argument("--only", help="comma-separated program names")
    ap.add_argument("--timeout", type=float, default=120.0, help="per-run timeout in seconds")
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "target", "suite"))
    args = ap.parse_args()
    args.strata = os.path.abspath(args.strata)

    names = list(PROGRAMS)
    if args.only:
        names = [n for n in args.only.split(",") if n]
        unknown = [n for n in names if n not in PROGRAMS]
        if unknown:
            ap.error(f"unknown programs: {', '.join(unknown)}")
    if not os.path.exists(args.strata):
        ap.error(f"{args.strata} not found (cargo build --release?)")

    build(args.out_dir, args.clang, names)
    engs, notes = engines(args)
    for n in notes:
        print("note:", n, file=sys.stderr)
    engine_names = [e for e, _ in engs]

    times = {}       # (program, engine) -> [seconds]
    failures = {}    # (program, engine) -> reason
    expected = {}    # program -> native stdout
    mismatch = False
    for rep in range(args.reps):
        for name in names:
            exe = os.path.join(args.out_dir, name)
            wasm = exe + ".wasm"
            arg = str(PROGRAMS[name])
            for ename, mk in engs:
                key = (name, ename)
                if key in failures or (ename != "native" and name not in expected):
                    continue
                t, out, err = timed(mk(exe, wasm, arg), args.timeout)
                if err is None and ename != "native" and out != expected[name]:
                    err = "checksum mismatch"
                    mismatch = True
                    print(f"\n!!! CHECKSUM MISMATCH: {name} on {ename}\n!!! native:   {expected[name]!r}"
                          f"\n!!! {ename}: {out!r}\n", file=sys.stderr)
                if err is not None:
                    failures[key] = err
                    times.pop(key, None)
                    print(f"rep {rep + 1} {name:<11} {ename:<18} FAIL: {err}", file=sys.stderr)
                    continue
                if ename == "native":
                    expected.setdefault(name, out)
                    if out != expected[name]:
                        failures[key] = "native output not deterministic"
                        mismatch = True
                        continue
                times.setdefault(key, []).append(t)
                print(f"rep {rep + 1} {name:<11} {ename:<18} {t:8.3f} s", file=sys.stderr)

    medians = {k: statistics.median(v) for k, v in times.items() if k not in failures}
    cmdline = "python3 " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
    md = os.path.join(HERE, "RESULTS.md")
    svg = os.path.join(HERE, "results.svg")
    write_markdown(md, names, engine_names, medians, failures, notes, cmdline, machine_info(), args.reps)
    write_svg(svg, names, engine_names, medians, failures)
    print(open(md).read())
    if failures:
        print(f"{len(failures)} program/engine pair(s) failed; see RESULTS.md", file=sys.stderr)
    if mismatch:
        print("CHECKSUM MISMATCH(ES): see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
