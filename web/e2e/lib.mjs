// Helpers shared by the scenarios.

export const VIEWPORT = { width: 1440, height: 900 };

/// Fails with `what` unless `check` turns true within `ms` (a generous deadline).
/// `check` may return `{ ok, seen }`, where `seen` describes the last state for the error.
export async function until(what, check, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const r = await check();
      if (r && typeof r === 'object') {
        if (r.ok) return;
        last = `last seen ${JSON.stringify(r.seen)}`;
      } else if (r) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting until ${what}${last ? `: ${last}` : ''}`);
}

export async function login(browser, base, user) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
  return { context, page };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/// The path and token of the newest mailed link to `to` with this path (e.g. `/verify-email`),
/// read from the embedded default's outbox folder (quoted-printable undone as a mail client
/// would), or null.
export async function mailedLink(outbox, to, path) {
  const { readdirSync, readFileSync } = await import('node:fs');
  const files = readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort().reverse();
  for (const f of files) {
    const raw = readFileSync(`${outbox}/${f}`, 'utf8');
    if (!raw.includes(`To: ${to}`)) continue;
    const body = raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    const m = body.match(new RegExp(`${path}\\?token=[A-Za-z0-9_-]+`));
    if (m) return m[0];
  }
  return null;
}

/// Keystroke latency between two pages on the same item: from the keydown in `from` to the
/// text showing in `to`'s editor, `n` times (ms; both pages read the same system clock).
export async function keystrokeLatencies(from, to, n) {
  const run = Math.random().toString(36).slice(2, 8);
  await from.evaluate(() => {
    window.__keys = [];
    document.addEventListener('keydown', (e) => window.__keys.push([e.key, Date.now()]), true);
  });
  await to.evaluate(() => {
    window.__seen = {};
    const el = document.querySelector('.cm-content');
    new MutationObserver(() => {
      for (const m of el.innerText.match(/Q[a-z0-9]+x\d+;/g) ?? []) if (!window.__seen[m]) window.__seen[m] = Date.now();
    }).observe(el, { subtree: true, childList: true, characterData: true });
  });
  await from.locator('.cm-content').click();
  await from.keyboard.press('Control+End');
  const latencies = [];
  for (let i = 0; i < n; i++) {
    const token = `Q${run}x${i};`;
    await from.keyboard.type(token);
    await until(`keystroke ${i} reaches the other browser`, () => to.evaluate((t) => !!window.__seen[t], token));
    const sent = await from.evaluate(() => window.__keys.filter((k) => k[0] === ';').at(-1)[1]);
    const seen = await to.evaluate((t) => window.__seen[t], token);
    latencies.push(seen - sent);
  }
  return latencies;
}

/// The description editor's text, without the remote carets' name labels drawn inside it.
export const editorText = (page) =>
  page.locator('.cm-content').evaluate((el) => {
    const c = el.cloneNode(true);
    c.querySelectorAll('.cm-ySelectionCaret, .cm-placeholder').forEach((n) => n.remove());
    return [...c.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n');
  });

/// Waits until the page's item editor says it is connected.
export async function editorConnected(page, what) {
  const status = page.getByRole('status', { name: 'Connection' });
  await until(what, async () => {
    const s = await status.innerText();
    return { ok: s === 'Connected', seen: s };
  });
}

/// Selects `needle` (its first occurrence) in the description by keyboard: caret to the
/// start, arrows to the text, Shift+arrows over it.
export async function selectInDescription(page, needle) {
  const at = (await editorText(page)).indexOf(needle);
  if (at < 0) throw new Error(`${JSON.stringify(needle)} is not in the description`);
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < at; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < needle.length; i++) await page.keyboard.press('Shift+ArrowRight');
}

/// The names of the IndexedDB databases the app keeps in this page's browser context.
export const storedDatabases = (page) =>
  page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.startsWith('spectree:')));
