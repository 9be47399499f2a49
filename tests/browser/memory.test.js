// Memory stays flat over 1,000 reconnects: JS heap after gc() and wasm linear memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useBrowser } from './fixtures.js';
import { startEcho } from './harness.js';

const ctx = useBrowser();
const RECONNECTS = 1000;

test(`memory is flat over ${RECONNECTS} reconnects`, async (t) => {
  const echo = await startEcho();
  const { page, errors } = await ctx.page();
  try {
    const r = await page.evaluate(async ({ url, n }) => {
      const ws = new SafeWebSocket(url, null, { reconnect: true, heartbeat: { intervalMs: 60000 } });
      const cycle = async (count) => {
        for (let i = 0; i < count; i++) {
          const opened = new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
          ws.reconnect();
          await Promise.race([opened, sleep(5000).then(() => { throw new Error(`reconnect ${i} did not open`); })]);
        }
      };
      const measure = async () => {
        for (let i = 0; i < 3; i++) { gc(); await sleep(50); }
        return { heap: performance.memory.usedJSHeapSize, wasm: wscore.wasmMemoryBytes() };
      };
      await until(() => ws.readyState === 1, 5000, 'open');
      await cycle(100); // warm-up: JIT, pools
      const start = await measure();
      const t0 = performance.now();
      await cycle(n / 2);
      const half = await measure();
      await cycle(n / 2);
      const ms = performance.now() - t0;
      const end = await measure();
      const opens = ws.stats.opens;
      ws.close();
      return { start, half, end, ms, opens };
    }, { url: echo.url, n: RECONNECTS });
    const heapDelta = r.end.heap - r.start.heap;
    const secondHalf = r.end.heap - r.half.heap;
    const wasmDelta = r.end.wasm - r.start.wasm;
    t.diagnostic(`${RECONNECTS} reconnects in ${Math.round(r.ms)} ms; JS heap after gc ${r.start.heap} -> ${r.half.heap} -> ${r.end.heap} B; wasm memory ${r.start.wasm} -> ${r.end.wasm} B`);
    assert.equal(r.opens, RECONNECTS + 101);
    // A leak grows with every reconnect: 128 KiB over 500 would be 262 B each.
    assert.ok(heapDelta < 512 * 1024, `JS heap grew by ${heapDelta} B over ${RECONNECTS} reconnects`);
    assert.ok(secondHalf < 128 * 1024, `JS heap grew by ${secondHalf} B over the last ${RECONNECTS / 2} reconnects`);
    assert.equal(wasmDelta, 0, 'wasm linear memory did not grow');
    assert.deepEqual(await errors(), []);
  } finally {
    await echo.stop();
  }
});
