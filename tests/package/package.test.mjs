// The npm package as people install it: `npm pack` of target/npm/wscore (built
// by `make npm-package`), then publint and arethetypeswrong on the tarball, a
// TypeScript consumer (--strict, skipLibCheck false) and plain Node consumers
// (ESM import, CommonJS require) of the unpacked tarball. Tools pinned in
// package.json / package-lock.json here. Everything in a temporary directory.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ROOT = here('../../');
const PKG = join(ROOT, 'target/npm/wscore');
const bin = (name) => here(`node_modules/.bin/${name}`);
const TIMEOUT = 60_000; // per tool run

let work;
let tarball;
let consumer; // an app directory with the tarball unpacked as node_modules/wscore

// Runs a command; returns { status, out } (stdout and stderr together).
function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: TIMEOUT });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'wscore-pack-'));
  const name = execFileSync('npm', ['pack', PKG, '--pack-destination', work, '--loglevel=error'], {
    cwd: work, encoding: 'utf8', timeout: TIMEOUT,
  }).trim().split('\n').at(-1);
  tarball = join(work, name);
  consumer = join(work, 'app');
  mkdirSync(join(consumer, 'node_modules'), { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', work], { timeout: TIMEOUT });
  cpSync(join(work, 'package'), join(consumer, 'node_modules/wscore'), { recursive: true });
  symlinkSync(here('node_modules/@types'), join(consumer, 'node_modules/@types'));
});
after(() => rmSync(work, { recursive: true, force: true }));

test('publint --strict: no error, warning or suggestion', () => {
  const { status, out } = run(bin('publint'), ['run', '--strict', tarball], work);
  assert.equal(status, 0, out);
  assert.match(out, /All good!/, out);
});

// ESM only (see the README): CommonJS resolution is not attw's to judge, so the
// esm-only profile; every ESM mode (node16, bundler) must resolve with its types.
test('arethetypeswrong (esm-only profile): no problem', () => {
  const { status, out } = run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped'], work);
  assert.equal(status, 0, out);
  assert.doesNotMatch(out, /💀|❌|🥴|🐛|❗️/u, out);
});

test('package.json: version from Cargo, repository, homepage, bugs, license files in the tarball', () => {
  const meta = JSON.parse(readFileSync(join(consumer, 'node_modules/wscore/package.json'), 'utf8'));
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  const version = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(cargo)?.[1];
  assert.ok(version, 'the workspace version in Cargo.toml');
  assert.equal(meta.version, version);
  assert.match(meta.repository.url, /github\.com\/wscore-rs\/wscore/);
  assert.ok(meta.homepage && meta.bugs);
  const listing = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  for (const file of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md', 'adapter.js', 'adapter.d.ts']) {
    assert.ok(listing.includes(`package/${file}`), `${file} in the tarball`);
  }
  assert.equal(
    readFileSync(join(consumer, 'node_modules/wscore/LICENSE-MIT'), 'utf8'),
    readFileSync(join(ROOT, 'LICENSE-MIT'), 'utf8'),
  );
});

test('a TypeScript consumer compiles with --strict and skipLibCheck false', () => {
  for (const f of ['consumer.ts', 'tsconfig.json', 'package.json']) cpSync(here(`consumer/${f}`), join(consumer, f));
  const { status, out } = run(bin('tsc'), ['-p', '.'], consumer);
  assert.equal(status, 0, out);
});

const ESM_SMOKE = `
import { Connection, version } from 'wscore';
import { WebSocketServer, connect, errors } from 'wscore/node';
const c = Connection.server();
c.free();
console.log(JSON.stringify([typeof WebSocketServer, typeof connect, errors.InvalidUtf8Error.name, version()]));
`;

test('ESM: import wscore and wscore/node', () => {
  writeFileSync(join(consumer, 'smoke.mjs'), ESM_SMOKE);
  const { status, out } = run(process.execPath, ['smoke.mjs'], consumer);
  assert.equal(status, 0, out);
  assert.match(out, /\["function","function","InvalidUtf8Error","\d+\.\d+\.\d+/);
});

// What the README says: require() works where Node can require ES modules
// (20.19+, 22.12+: process.features.require_module), since the Node entries
// have no top-level await; older Node throws ERR_REQUIRE_ESM (use import()).
test('CommonJS: require works exactly where Node can require ES modules', () => {
  writeFileSync(join(consumer, 'smoke.cjs'), `
const { Connection } = require('wscore');
const { WebSocketServer } = require('wscore/node');
Connection.server().free();
console.log(typeof WebSocketServer);
`);
  const { status, out } = run(process.execPath, ['smoke.cjs'], consumer);
  if (process.features.require_module) {
    assert.equal(status, 0, out);
    assert.match(out, /^function$/m);
  } else {
    assert.notEqual(status, 0);
    assert.match(out, /ERR_REQUIRE_ESM/);
  }
});
