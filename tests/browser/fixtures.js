// Per-file set-up: one Chromium, a static server for the page, a control `ws` server.
import { after, afterEach, before } from 'node:test';
import { launchChromium, openPage, ROOT, startControl, startStatic } from './harness.js';

export function useBrowser() {
  const ctx = {};
  before(async () => {
    ctx.browser = await launchChromium();
    ctx.static = await startStatic(ROOT);
    ctx.control = await startControl();
  });
  const pages = [];
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.static?.stop();
    await ctx.control?.stop();
  });
  /** A fresh page with the package loaded; `errors()` lists anything uncaught on it. */
  ctx.page = async () => {
    const opened = await openPage(ctx.browser, `${ctx.static.url}/tests/browser/page/index.html`);
    pages.push(opened.page);
    await opened.page.waitForFunction(() => window.pageReady === true, null, { timeout: 10000 });
    return opened;
  };
  return ctx;
}
