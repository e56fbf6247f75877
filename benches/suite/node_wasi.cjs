// Runs a WASI preview 1 command module under node's WASI for run.py:
//   node [V8 flags] node_wasi.cjs FILE [ARGS...]
// stdio is inherited; the exit status is the program's.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { WASI } = require('node:wasi');

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [path.basename(file), ...args], env: {}, returnOnExit: true });
const wasm = new WebAssembly.Module(fs.readFileSync(file));
const instance = new WebAssembly.Instance(wasm, wasi.getImportObject());
process.exitCode = wasi.start(instance);
