// Writes the npm package's package.json: wasm/npm/package.json with the version
// of the wscore-wasm crate (Cargo's, the one source of truth; never kept by hand).
//   node wasm/tools/package-json.mjs OUT_DIR
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) throw new Error('usage: package-json.mjs OUT_DIR');
const meta = JSON.parse(execFileSync('cargo', ['metadata', '--no-deps', '--format-version', '1', '--offline'], {
  encoding: 'utf8', maxBuffer: 64 << 20,
}));
const crate = meta.packages.find((p) => p.name === 'wscore-wasm');
if (!crate) throw new Error('cargo metadata lists no wscore-wasm');
const source = JSON.parse(readFileSync(new URL('../npm/package.json', import.meta.url), 'utf8'));
if ('version' in source) throw new Error('wasm/npm/package.json must not carry a version: it is Cargo\'s');
// The version right after the name, where npm puts it.
const { name, ...rest } = source;
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name, version: crate.version, ...rest }, null, 2)}\n`);
