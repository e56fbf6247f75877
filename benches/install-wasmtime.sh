#!/bin/sh
# Builds Wasmtime's command-line tool from crates.io into target/wasmtime/bin,
# where the benchmarks look for it when `wasmtime` is not on PATH: the
# reference for Cranelift (Wasmtime's optimizing compiler) and Winch (its
# baseline compiler) in benches/suite/run.py, benches/kernels/report.py and
# `cargo bench --bench startup`. 48.0.8 is the newest release that builds with
# the project's rustc (1.95; 49 and later need newer). About 10 minutes on
# 2 cores; not needed by the tests or CI.
set -eu
cd "$(dirname "$0")/.."
cargo install wasmtime-cli@48.0.8 --locked --root target/wasmtime
echo "installed: $(target/wasmtime/bin/wasmtime --version)"
