// Runs a WASI preview 1 command module under node's WASI, as a second
// reference for the strata CLI:
//   node --no-warnings node_wasi.cjs [--dir HOST::GUEST]... [--env K=V]... FILE [ARGS...]
// argv[0] is FILE's base name, stdio is inherited, the exit status is the
// program's.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { WASI } = require('node:wasi');

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
while (argv.length && argv[0].startsWith('--')) {
  const flag = argv.shift();
  const value = argv.shift();
  if (flag === '--dir') {
    const [host, guest] = value.includes('::') ? value.split('::') : [value, value];
    preopens[guest] = host;
  } else if (flag === '--env') {
    const eq = value.indexOf('=');
    env[value.slice(0, eq)] = value.slice(eq + 1);
  } else {
    throw new Error(`unknown flag ${flag}`);
  }
}
const file = argv.shift();
const wasi = new WASI({
  version: 'preview1',
  args: [path.basename(file), ...argv],
  env,
  preopens,
  returnOnExit: true,
});
const wasm = new WebAssembly.Module(fs.readFileSync(file));
const instance = new WebAssembly.Instance(wasm, wasi.getImportObject());
process.exitCode = wasi.start(instance);
