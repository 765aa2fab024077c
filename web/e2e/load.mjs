// First page load, cold: a fresh browser context (empty cache) opens `/` and waits until
// the first page's heading is there (log-in, or setup on a fresh instance); repeated to report the median and the worst run. Also
// sums the JavaScript the route loaded, gzip-compressed.
import { median, percentile, VIEWPORT } from './lib.mjs';

export async function load({ browser, base, gzipSize }) {
  const runs = [];
  let jsGzipBytes = 0;
  for (let i = 0; i < 10; i++) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const scripts = [];
    page.on('response', (r) => r.request().resourceType() === 'script' && scripts.push(r));
    const started = Date.now();
    await page.goto(`${base}/`);
    await page.locator('h1').waitFor();
    const visibleMs = Date.now() - started;
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
    runs.push({ visibleMs, loadEventEnd: nav });
    if (i === 0) for (const r of scripts) jsGzipBytes += gzipSize(await r.body());
    await context.close();
  }
  const v = runs.map((r) => r.visibleMs);
  const l = runs.map((r) => r.loadEventEnd);
  return {
    runs: runs.length,
    firstPageMs: { median: median(v), p90: percentile(v, 90), max: Math.max(...v) },
    loadEventEndMs: { median: median(l), max: Math.max(...l) },
    jsGzipBytes,
  };
}
