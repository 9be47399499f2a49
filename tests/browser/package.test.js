// The npm package as users get it: `npm pack`, install the tarball into a fresh
// project, import it from plain Node, and bundle a page with Vite that runs in Chromium.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'vite';
import { launchChromium, openPage, PKG_DIR, ROOT, startEcho, startStatic } from './harness.js';

const TSC = path.join(ROOT, 'tests/browser/node_modules/typescript/bin/tsc');

let project;
let tarball;

before(() => {
  project = mkdtempSync(path.join(tmpdir(), 'wscore-pack-'));
  const out = execFileSync('npm', ['pack', PKG_DIR, '--pack-destination', project, '--json'], { encoding: 'utf8' });
  tarball = JSON.parse(out)[0];
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'fresh', private: true, type: 'module' }));
  // The tarball has no dependencies: this install reads nothing from a registry.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', `./${tarball.filename}`], { cwd: project, stdio: 'pipe' });
});

after(() => rmSync(project, { recursive: true, force: true }));

test('npm pack ships the entries, types, wasm and README and nothing else', () => {
  const files = tarball.files.map((f) => f.path).sort();
  for (const f of ['README.md', 'codec.d.ts', 'codec.js', 'fast_path.js', 'index.d.ts', 'index.js', 'node.d.ts', 'node.js', 'package.json',
    'dist/web/wscore_browser.wasm', 'dist/full/wscore_wasm_bg.wasm', 'dist/node/wscore_wasm.js', 'dist/node/wscore_wasm_bg.wasm']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.deepEqual(files.filter((f) => !/^(dist\/|README\.md$|LICENSE-(MIT|APACHE)$|(safe_socket|fast_path)\.js$|(adapter|codec|index|node)\.(js|d\.ts)$|package\.json$)/.test(f)), []);
  assert.equal(tarball.name, 'wscore');
});

test('a plain Node import of the installed package works', () => {
  const script = `
    import * as w from 'wscore';
    import { Connection } from 'wscore/codec';
    console.log(JSON.stringify({
      keys: Object.keys(w).sort(),
      version: w.version(),
      codes: [1000, 1006, 4000, 5000].map(w.isSendableCloseCode),
      sameConnection: Connection === w.Connection,
      open: w.SafeWebSocket.OPEN,
    }));`;
  const out = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' }));
  assert.ok(out.keys.includes('SafeWebSocket') && out.keys.includes('Connection'), out.keys.join());
  assert.equal(out.version, JSON.parse(readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8')).version);
  assert.deepEqual(out.codes, [true, false, true, false]);
  assert.equal(out.sameConnection, true);
  assert.equal(out.open, 1);
});

test('a Vite build of a page importing wscore runs in Chromium against the echo server', async () => {
  writeFileSync(path.join(project, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/main.js"></script>');
  writeFileSync(path.join(project, 'main.js'), `
    import { SafeWebSocket, version } from 'wscore';
    const url = new URLSearchParams(location.search).get('ws');
    const ws = new SafeWebSocket(url);
    const early = ws.send('from vite');
    ws.onmessage = (e) => { window.result = { early, echoed: e.data, version: version(), state: ws.state }; ws.close(1000); };
  `);
  await build({ root: project, logLevel: 'error', build: { target: 'es2022', outDir: 'dist' } });
  const assets = execFileSync('ls', [path.join(project, 'dist/assets')], { encoding: 'utf8' });
  assert.match(assets, /\.wasm/);
  const echo = await startEcho();
  const site = await startStatic(path.join(project, 'dist'));
  const browser = await launchChromium();
  try {
    const { page, errors } = await openPage(browser, `${site.url}/index.html?ws=${encodeURIComponent(echo.url)}`);
    await page.waitForFunction(() => window.result, null, { timeout: 10000 });
    const result = await page.evaluate(() => window.result);
    assert.deepEqual(result, { early: 'queued', echoed: 'from vite', version: '0.1.0', state: 'open' });
    assert.deepEqual(await errors(), []);
  } finally {
    await browser.close();
    await site.stop();
    await echo.stop();
  }
});

test('the type declarations are precise, for bundlers and for Node (tsc --strict)', () => {
  writeFileSync(path.join(project, 'browser.ts'), `
    import { SafeWebSocket, type SafeWebSocketOptions, type SendResult, type CloseError, type SafeState } from 'wscore';
    const options: SafeWebSocketOptions = {
      reconnect: { initialDelayMs: 100, maxRetries: 3, stopCodes: [4001] },
      heartbeat: { message: 'ping', pong: 'pong', intervalMs: 1000, timeoutMs: 500 },
      queue: { maxMessages: 10, dropPolicy: 'reject' }, highWaterMark: 1024, binaryType: 'arraybuffer',
    };
    const ws = new SafeWebSocket('ws://127.0.0.1:1/', null, options);
    // A drop-in: wherever a DOM WebSocket is expected.
    const asDom: WebSocket = ws;
    const fromFunctions = new SafeWebSocket(async () => 'ws://127.0.0.1:1/', () => ['chat'], {
      connectionTimeoutMs: 4000, startClosed: true, reconnect: { minUptimeMs: 1000, stopCodes: [] }, WebSocket,
    });
    const reconnected: CloseError | undefined = fromFunctions.reconnect(4000, 'again');
    const open: boolean = asDom.readyState === ws.OPEN && ws instanceof EventTarget;
    ws.onclose = (e) => { const who: 'local' | 'remote' | 'transport' | undefined = e.initiator; void who; };
    const sent: SendResult = ws.send(new Uint8Array(1));
    const error: CloseError | undefined = ws.close(4000, 'bye');
    const kind: 'invalid-code' | 'reason-too-long' | 'reason-without-code' | 'code-not-allowed-in-browser' | undefined = error?.kind;
    const state: SafeState = ws.state;
    ws.addEventListener('reconnecting', (e) => { const attempt: number = e.detail.attempt; void attempt; });
    ws.addEventListener('close', (e) => { const who: 'local' | 'remote' | 'transport' = e.initiator; void who; });
    ws.onmessage = (e) => void e.data;
    // @ts-expect-error: the drop policy is a closed set
    const bad: SafeWebSocketOptions = { queue: { dropPolicy: 'drop-all' } };
    // @ts-expect-error: send returns a SendResult, not a number
    const n: number = ws.send('x');
    void [sent, kind, state, bad, n, SafeWebSocket.OPEN, reconnected, open];
  `);
  writeFileSync(path.join(project, 'node.ts'), `
    import { Connection, SafeWebSocket, version, type SendResult } from 'wscore';
    const r: SendResult = new SafeWebSocket('ws://127.0.0.1:1/').send('x');
    const v: string = version();
    void [Connection, r, v];
  `);
  // No extra lib: the declarations bring what they need (node.d.ts: esnext.disposable).
  const base = { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [] };
  writeFileSync(path.join(project, 'tsconfig.browser.json'), JSON.stringify({
    compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['browser.ts'] }));
  writeFileSync(path.join(project, 'tsconfig.node.json'), JSON.stringify({
    compilerOptions: { ...base, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['node.ts'] }));
  for (const config of ['tsconfig.browser.json', 'tsconfig.node.json']) {
    try {
      execFileSync('node', [TSC, '-p', config], { cwd: project, encoding: 'utf8' });
    } catch (e) {
      assert.fail(`tsc -p ${config}:\n${e.stdout}${e.stderr}`);
    }
  }
});

// What a page pays for SafeWebSocket: a Vite production build of an app that imports
// only it, every emitted asset (JS chunks and the wasm) gzipped at level 9.
// Issue 18's budget: 12 KB. 11.2 KB today (wasm 7.5 + JS 3.7: plain wasm exports
// and a hand-written loader, no wasm-bindgen glue).
const SIZE_BUDGET = 12 * 1024;

test(`a Vite build of an app using SafeWebSocket ships at most ${SIZE_BUDGET} B gzipped`, async (t) => {
  const app = path.join(project, 'size-app');
  mkdirSync(app, { recursive: true });
  writeFileSync(path.join(app, 'index.html'), '<!doctype html><script type="module" src="/main.js"></script>');
  writeFileSync(path.join(app, 'main.js'), "import { SafeWebSocket } from 'wscore';\nwindow.ws = new SafeWebSocket(location.href.replace(/^http/, 'ws'));\n");
  await build({ root: app, logLevel: 'error', build: { target: 'es2022', outDir: 'dist' } });
  const dir = path.join(app, 'dist/assets');
  const sizes = {};
  for (const f of readdirSync(dir)) sizes[path.extname(f).slice(1)] = (sizes[path.extname(f).slice(1)] ?? 0) + gzipSync(readFileSync(path.join(dir, f)), { level: 9 }).length;
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  t.diagnostic(`SafeWebSocket in a Vite build, gzipped: wasm ${sizes.wasm} B + JS ${sizes.js} B = ${total} B (budget ${SIZE_BUDGET} B)`);
  assert.ok(sizes.wasm > 0 && sizes.js > 0, JSON.stringify(sizes));
  assert.ok(total <= SIZE_BUDGET, `${total} B gzipped is over the ${SIZE_BUDGET} B budget`);
});
