// A large project in the tree: first render of a project of 10,000+ items (all expanded),
// scrolling through it, and keyboard navigation to its far end. The tree is virtualised, so
// the DOM holds a window of rows whatever the project's size.
import { login, median, percentile, until } from './lib.mjs';

export async function bigtree({ browser, base, fixture: f, shots }) {
  const { page } = await login(browser, base, f.admin);
  const firstRender = [];
  const treeFetch = [];
  let tree;
  for (let i = 0; i < 5; i++) {
    // From navigation to the first rows on screen (the tree JSON is fetched and rendered).
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
    const started = Date.now();
    await page.goto(`${base}/projects/${f.project}`);
    await page.getByRole('treeitem').first().waitFor();
    firstRender.push(Date.now() - started);
    // Of which the tree's JSON (the server's part).
    treeFetch.push(
      await page.evaluate(() => {
        const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/tree'));
        return e ? Math.round(e.responseEnd - e.startTime) : -1;
      }),
    );
  }
  tree = page.getByRole('tree', { name: 'Spec tree' });
  const inDom = await tree.getByRole('treeitem').count();
  if (inDom > 200) {
    const seen = await page.evaluate(() => {
      const el = document.querySelector('[role=tree]');
      return { client: el.clientHeight, scroll: el.scrollHeight, top: el.scrollTop, pt: el.style.paddingTop, pb: el.style.paddingBottom, h: getComputedStyle(el).height };
    });
    throw new Error(`${inDom} rows in the DOM: the tree is not virtualised (${JSON.stringify(seen)})`);
  }

  // Scrolling: 80 steps of 900 px; each step waits two frames (the window is redrawn in the
  // frame after the scroll event) and checks that the rows at the top of the view are drawn.
  const scroll = await page.evaluate(async () => {
    const el = document.querySelector('[role=tree]');
    const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const steps = [];
    let blank = 0;
    for (let i = 0; i < 80; i++) {
      const t0 = performance.now();
      el.scrollTop += 900;
      await frames();
      steps.push(performance.now() - t0);
      const box = el.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + 40, box.top + 10);
      if (!hit?.closest('[role=treeitem]')) blank++;
    }
    return { steps, blank, scrollHeight: el.scrollHeight, scrollTop: el.scrollTop };
  });
  if (scroll.scrollTop < 80 * 900 - 30) throw new Error(`the tree did not scroll as asked: scrollTop ${scroll.scrollTop}`);
  if (scroll.blank) throw new Error(`${scroll.blank} scroll steps showed no row at the top of the view`);

  // Keyboard: End goes to the last row of the whole project, drawn and focused.
  const focused = () =>
    page.evaluate(() => {
      const el = document.querySelector('[role=tree]');
      const a = document.activeElement;
      return a?.getAttribute('aria-label') ?? `${a?.tagName} top=${el.scrollTop} rows=${[...el.querySelectorAll('[role=treeitem]')].slice(-2).map((r) => r.getAttribute('aria-label'))}`;
    });
  await tree.getByRole('treeitem').first().focus();
  await page.keyboard.press('End');
  await until('the last row is focused', async () => {
    const at = await focused();
    return { ok: at === `task ${f.lastTitle}`, seen: at };
  });
  await page.keyboard.press('Home');
  await until('the first row is focused', async () => {
    const at = await focused();
    return { ok: at === `epic ${f.firstTitle}`, seen: at };
  });
  // A title changed elsewhere (here through the API) reaches its row without the tree of
  // 11,110 items being fetched again.
  await until('the tree is live', async () => (await page.getByRole('status', { name: 'Tree updates' }).innerText()) === 'live');
  const treeFetches = () => page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/tree')).length);
  const fetchesBefore = await treeFetches();
  const renamedAt = Date.now();
  await page.evaluate(async (title) => {
    const me = await (await fetch('/api/v1/me')).json();
    const id = document.querySelector('[role=treeitem]').dataset.id;
    const r = await fetch(`/api/v1/items/${id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
      body: JSON.stringify({ title }),
    });
    if (!r.ok) throw new Error(`PATCH: ${r.status} ${await r.text()}`);
  }, `${f.firstTitle} renamed`);
  await page.getByRole('treeitem', { name: `epic ${f.firstTitle} renamed` }).waitFor();
  const renameMs = Date.now() - renamedAt;
  const refetched = (await treeFetches()) - fetchesBefore;
  if (refetched) throw new Error(`the whole tree was fetched ${refetched} time(s) for a title change`);
  if (shots) await page.screenshot({ path: `${shots}/tree-10k.png` });
  return {
    items: f.items,
    rowsInDom: inDom,
    firstRenderMs: { median: median(firstRender), max: Math.max(...firstRender), n: firstRender.length },
    treeFetchMs: { median: median(treeFetch), max: Math.max(...treeFetch) },
    scrollStepMs: {
      median: Math.round(median(scroll.steps) * 10) / 10,
      p95: Math.round(percentile(scroll.steps, 95) * 10) / 10,
      max: Math.round(Math.max(...scroll.steps) * 10) / 10,
      n: scroll.steps.length,
    },
    scrollHeight: scroll.scrollHeight,
    renameToRowMs: renameMs,
  };
}
