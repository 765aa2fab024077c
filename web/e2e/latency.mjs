// Keystroke latency alone (for benchmarks against a seeded server, see seed.mjs): two
// people on one item, 100 keystrokes from one to the other.
import { keystrokeLatencies, login, median, percentile, until } from './lib.mjs';

export async function latency({ browser, base, fixture: f }) {
  const pages = [];
  for (const u of [f.admin, f.editor]) {
    const { page } = await login(browser, base, u);
    await page.goto(`${base}/projects/${f.project}/items/${f.story}`);
    await until('connected', async () => (await page.getByRole('status', { name: 'Connection' }).innerText()) === 'Connected');
    pages.push(page);
  }
  const ms = await keystrokeLatencies(pages[0], pages[1], 100);
  return { keystrokeMs: { median: median(ms), p95: percentile(ms, 95), p99: percentile(ms, 99), max: Math.max(...ms), n: ms.length } };
}
