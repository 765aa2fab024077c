// Live collaboration in three browser contexts (an editor-admin, an editor and a viewer):
// simultaneous typing converges, named cursors and avatars show, the viewer cannot type,
// tree changes appear in the other browser, an offline edit merges after reconnecting,
// and the latency of a keystroke to the other browser is measured.
import { keystrokeLatencies, login, median, percentile, until, VIEWPORT } from './lib.mjs';

/// The editor's text, without the remote carets' name labels drawn inside it.
const text = (page) =>
  page.locator('.cm-content').evaluate((el) => {
    const c = el.cloneNode(true);
    c.querySelectorAll('.cm-ySelectionCaret, .cm-placeholder').forEach((n) => n.remove());
    return [...c.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n');
  });
const status = (page) => page.getByRole('status', { name: 'Connection' });

/// How many updates y-indexeddb holds for the item in this page's browser.
function storedUpdates(page, item) {
  return page.evaluate(async (item) => {
    const found = (await indexedDB.databases()).find((d) => d.name?.endsWith(`:${item}`));
    if (!found) return -1;
    return await new Promise((resolve, reject) => {
      const open = indexedDB.open(found.name);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const count = db.transaction('updates', 'readonly').objectStore('updates').count();
        count.onsuccess = () => {
          resolve(count.result);
          db.close();
        };
        count.onerror = () => reject(count.error);
      };
    });
  }, item);
}

async function connected(page, what) {
  await until(what, async () => {
    const s = await status(page).innerText();
    return { ok: s === 'Connected', seen: [s, await status(page).getAttribute('title')] };
  });
}

async function openItem(page, base, f, who) {
  await page.goto(`${base}/projects/${f.project}/items/${f.story}`);
  await connected(page, `the editor is connected for ${who}`);
  await page.locator('.cm-content').waitFor();
}

export async function collab({ browser, base, fixture: f, shots }) {
  const a = await login(browser, base, f.admin);
  const b = await login(browser, base, f.editor);
  const v = await login(browser, base, f.viewer);
  await openItem(a.page, base, f, 'Admin');
  await openItem(b.page, base, f, 'Bea');

  // Both type at once into the description; both end with the same text holding both.
  await a.page.locator('.cm-content').click();
  await b.page.locator('.cm-content').click();
  await Promise.all([a.page.keyboard.type('Alice was here. '), b.page.keyboard.type('Bea too. ')]);
  let seen = [];
  await until('both browsers hold the same text with both edits', async () => {
    const [ta, tb] = await Promise.all([text(a.page), text(b.page)]);
    seen = [ta, tb, await status(a.page).innerText(), await status(b.page).innerText()];
    return ta === tb && ta.includes('Alice was here. ') && ta.includes('Bea too. ');
  }).catch((e) => {
    throw new Error(`${e.message}; last seen ${JSON.stringify(seen)}`);
  });

  // The title too, through its plain input.
  await a.page.getByLabel('Title', { exact: true }).fill('Pay by card, live');
  await until('the title reaches the other browser', async () =>
    (await b.page.getByLabel('Title', { exact: true }).inputValue()) === 'Pay by card, live',
  );

  // Each sees the other's named cursor and avatar.
  await until("Admin's cursor shows in Bea's editor", async () =>
    (await b.page.locator('.cm-ySelectionInfo').allInnerTexts()).includes(f.admin.name),
  );
  await until("Bea's cursor shows in Admin's editor", async () =>
    (await a.page.locator('.cm-ySelectionInfo').allInnerTexts()).includes(f.editor.name),
  );
  await until("Bea's avatar shows for Admin", () =>
    a.page.getByRole('list', { name: 'People on this item' }).getByLabel(f.editor.name).isVisible(),
  );

  // Acceptance criteria: added by one, checked by the other.
  await a.page.getByLabel('New criterion').fill('Card is charged once');
  await a.page.getByRole('button', { name: 'Add', exact: true }).click();
  await until('the criterion reaches Bea', async () =>
    (await b.page.getByLabel('Criterion 1', { exact: true }).inputValue()) === 'Card is charged once',
  );
  await b.page.getByLabel('Criterion 1 done').check();
  await until('the check reaches Admin', () => a.page.getByLabel('Criterion 1 done').isChecked());
  await a.page.getByLabel('Status', { exact: true }).selectOption('in_progress');
  await until('the status reaches Bea', async () => (await b.page.getByLabel('Status', { exact: true }).inputValue()) === 'in_progress');

  if (shots) {
    // A wide monitor: the description and its preview side by side, Bea's named cursor.
    await a.page.setViewportSize({ width: 1920, height: 1000 });
    await b.page.locator('.cm-content').click();
    await b.page.keyboard.press('Control+Home');
    await b.page.keyboard.press('Shift+End');
    await a.page.locator('.title-input').click();
    await until("Bea's selection shows", () => a.page.locator('.cm-ySelection').first().isVisible());
    await a.page.screenshot({ path: `${shots}/editor-wide.png` });
    await a.page.setViewportSize(VIEWPORT);
    await a.page.goto(`${base}/orgs/${f.org}`);
    await a.page.getByRole('table', { name: 'Members' }).getByText('Vic Viewer').waitFor();
    await a.page.screenshot({ path: `${shots}/organization.png` });
    await openItem(a.page, base, f, 'Admin');
  }

  // The viewer gets a read-only editor: typing changes nothing, here or for the others.
  await openItem(v.page, base, f, 'Vic');
  await v.page.getByText('read only').waitFor();
  // Nor comment: the team does not let viewers comment, so no comment box is offered.
  await v.page.getByText('your role does not allow commenting').waitFor();
  if (await v.page.getByLabel('Comment on the item').count()) throw new Error('the viewer was offered a comment box');
  const editable = await v.page.locator('.cm-content').getAttribute('contenteditable');
  if (editable !== 'false') throw new Error(`viewer's editor is contenteditable=${editable}`);
  const before = await text(a.page);
  await v.page.locator('.cm-content').click();
  await v.page.keyboard.type('viewer text');
  await v.page.getByLabel('Title', { exact: true }).press('X');
  // A round trip from Admin proves the viewer's keystrokes would have arrived by now.
  await a.page.locator('.cm-content').click();
  await a.page.keyboard.press('End');
  await a.page.keyboard.type('!');
  await until('the probe edit reaches the viewer', async () => (await text(v.page)).includes('!'));
  for (const p of [a.page, v.page]) {
    if ((await text(p)).includes('viewer text')) throw new Error('the viewer could type');
  }
  if ((await text(a.page)).length !== before.length + 1) throw new Error('unexpected change besides the probe');

  // A change in the tree appears in the other browser without reload.
  await b.page.goto(`${base}/projects/${f.project}`);
  await b.page.getByRole('treeitem', { name: `epic ${f.epicTitle}` }).waitFor();
  await until('Bea sees the event stream live', async () => (await b.page.getByRole('status', { name: 'Tree updates' }).innerText()) === 'live');
  const epicRow = a.page.getByRole('treeitem', { name: `epic ${f.epicTitle}` });
  await epicRow.focus();
  await a.page.keyboard.press('a');
  await a.page.getByLabel('Title of the new item').fill('Refunds, added live');
  await a.page.keyboard.press('Enter');
  await b.page.getByRole('treeitem', { name: 'feature Refunds, added live' }).waitFor();
  // Inline rename by keyboard (F2), seen by the other browser.
  const newRow = a.page.getByRole('treeitem', { name: 'feature Refunds, added live' });
  await newRow.focus();
  await a.page.keyboard.press('F2');
  await a.page.getByLabel('New title').fill('Refunds, renamed live');
  await a.page.keyboard.press('Enter');
  await b.page.getByRole('treeitem', { name: 'feature Refunds, renamed live' }).waitFor();
  // Delete (Manager and up) moves it to the trash; restoring brings it back for both.
  await a.page.getByRole('treeitem', { name: 'feature Refunds, renamed live' }).focus();
  await a.page.keyboard.press('Delete');
  await until('the trashed item leaves Bea\'s tree', async () =>
    (await b.page.getByRole('treeitem', { name: 'feature Refunds, renamed live' }).count()) === 0,
  );
  await a.page.getByRole('link', { name: 'Trash' }).click();
  await a.page.getByRole('button', { name: 'Restore Refunds, renamed live' }).click();
  await b.page.getByRole('treeitem', { name: 'feature Refunds, renamed live' }).waitFor();
  await a.page.goto(`${base}/projects/${f.project}/items/${f.story}`);
  await epicRow.waitFor();
  // Rows are draggable once Admin's role has loaded (the tree may be drawn before it).
  await a.page.getByRole('button', { name: 'New epic' }).waitFor();
  // A refused move (an epic under its own feature) shows the server's message.
  const target = a.page.getByRole('treeitem', { name: 'feature Refunds, renamed live' });
  await epicRow.dragTo(target);
  await a.page.getByRole('alert').waitFor();
  const refusal = await a.page.getByRole('alert').innerText();
  if (shots) {
    // A laptop screen: the tree with the refusal, and the editor beside it.
    await a.page.setViewportSize({ width: 1280, height: 800 });
    await a.page.screenshot({ path: `${shots}/tree-laptop.png` });
    await a.page.setViewportSize(VIEWPORT);
  }

  // Keystroke latency: from the keydown in Admin's page to the text in Bea's editor.
  await b.page.goto(`${base}/projects/${f.project}/items/${f.story}`);
  await connected(b.page, 'Bea is connected again');
  await a.page.goto(`${base}/projects/${f.project}/items/${f.story}`);
  await connected(a.page, 'Admin is connected again');
  const latencies = await keystrokeLatencies(a.page, b.page, 30);

  // Offline: Bea's edits stay local (and in IndexedDB) and merge on reconnect.
  await b.context.setOffline(true);
  await until('Bea shows offline', async () => (await status(b.page).innerText()).startsWith('Offline'));
  // A panel whose code cannot be fetched offline says so; the editor stays usable.
  await b.page.getByRole('tab', { name: 'History' }).click();
  await b.page.getByText('Could not show the history').waitFor();
  await b.page.getByRole('tab', { name: 'Comments' }).click();
  await b.page.locator('.cm-content').click();
  await b.page.keyboard.press('End');
  await b.page.keyboard.type(' [offline edit]');
  await a.page.keyboard.type(' [online edit]');
  await a.page.waitForTimeout(300);
  if ((await text(a.page)).includes('[offline edit]')) throw new Error('an offline edit left the browser');
  await b.context.setOffline(false);
  await until('both converge after reconnecting', async () => {
    const [ta, tb] = await Promise.all([text(a.page), text(b.page)]);
    return ta === tb && ta.includes('[offline edit]') && ta.includes('[online edit]');
  });

  // Offline, then the tab closes: the edit waits in IndexedDB and merges on the next visit.
  await b.context.setOffline(true);
  await until('Bea shows offline again', async () => (await status(b.page).innerText()).startsWith('Offline'));
  const stored = await storedUpdates(b.page, f.story);
  await b.page.locator('.cm-content').click();
  await b.page.keyboard.press('End');
  await b.page.keyboard.type(' [kept in IndexedDB]');
  await until('the offline edit is in IndexedDB', async () => {
    const now = await storedUpdates(b.page, f.story);
    return { ok: now > stored, seen: [stored, now] };
  });
  await b.page.close();
  await b.context.setOffline(false);
  const b2 = await b.context.newPage();
  await openItem(b2, base, f, 'Bea after closing');
  await until('the stored offline edit reaches Admin', async () => (await text(a.page)).includes('[kept in IndexedDB]'));

  return {
    keystrokeMs: { median: median(latencies), p95: percentile(latencies, 95), max: Math.max(...latencies), n: latencies.length },
    refusal,
  };
}
