// Discussion and history in two browsers (Admin and Bea, both editors of the item):
// a thread on selected text, with an @mention autocompleted and one of someone who cannot
// see the item; its highlight follows the text while the other person types before it;
// replies, edits, deletions, reactions, resolve and reopen reach the other browser live;
// the tree shows a title typed in the editor; a named version, a diff showing exactly the
// change made, "who wrote this", a restore that reaches the other editor; project
// snapshots; the audit log; and signing out clears the browser's offline data.
import { editorConnected, editorText, login, selectInDescription, storedDatabases, until } from './lib.mjs';

const api = (page, path) =>
  page.evaluate(async (path) => {
    const r = await fetch(path, { headers: { Accept: 'application/json' } });
    return r.json();
  }, path);

/// The text of every comment highlight in the page's description editor.
const highlights = (page) => page.locator('.cm-comment-anchor').allInnerTexts();

export async function discuss({ browser, base, fixture: f, shots }) {
  const a = await login(browser, base, f.admin);
  const b = await login(browser, base, f.editor);
  for (const p of [a.page, b.page]) {
    p.on('dialog', (d) => d.accept());
    await p.goto(`${base}/projects/${f.project}/items/${f.story}`);
    await editorConnected(p, 'the editor is connected');
    await p.locator('.cm-content').waitFor();
  }

  // The tree shows the title as it is typed in the editor (by the other person, too).
  const typedAt = Date.now();
  await b.page.getByLabel('Title', { exact: true }).fill('Pay by card, titled live');
  await a.page.getByRole('treeitem', { name: 'story Pay by card, titled live' }).waitFor();
  const treeTitleMs = Date.now() - typedAt;

  // Admin selects "saved card" and starts a thread, mentioning Bea (picked from the
  // suggestions by keyboard) and Olga, who cannot see the item.
  await selectInDescription(a.page, 'saved card');
  const box = a.page.getByLabel('Comment on the selection', { exact: true }).first();
  await box.click();
  await a.page.keyboard.type('Which cards, @be');
  await a.page.getByRole('listbox', { name: 'People to mention' }).getByRole('option', { name: 'Bea Editor @bea' }).waitFor();
  await a.page.keyboard.press('Enter');
  await a.page.keyboard.type('and @olga?');
  await a.page.keyboard.press('Control+Enter');
  const notice = await a.page.getByRole('status', { name: 'Mentions' }).innerText();
  if (!notice.includes('@olga cannot see this item')) throw new Error(`no clear answer for @olga: ${notice}`);
  await until('the highlight shows for Admin', async () => (await highlights(a.page)).join('') === 'saved card');

  // Bea sees the thread and its highlight live, then types before the anchored text.
  const thread = b.page.getByRole('listitem', { name: 'Thread by Admin on “saved card”' });
  await thread.waitFor();
  await until('the highlight shows for Bea', async () => (await highlights(b.page)).join('') === 'saved card');
  await b.page.locator('.cm-content').click();
  await b.page.keyboard.press('Control+Home');
  await b.page.keyboard.type('Intro: ');
  await until('Admin sees Bea\'s text', async () => (await editorText(a.page)).startsWith('Intro: '));
  for (const [who, p] of [['Admin', a.page], ['Bea', b.page]]) {
    await until(`the highlight still covers exactly "saved card" for ${who}`, async () => {
      const h = await highlights(p);
      return { ok: h.join('') === 'saved card', seen: h };
    });
  }
  // The server resolves the stored anchor to the same, moved, text.
  let anchor;
  await until('the server resolves the anchor to the moved text', async () => {
    const threads = await api(a.page, `/api/v1/items/${f.story}/threads`);
    anchor = threads.items[0]?.anchor;
    const desc = await editorText(a.page);
    return { ok: anchor?.text === 'saved card' && anchor.from === desc.indexOf('saved card'), seen: anchor };
  });

  // Replies, reactions, edits, deletion, resolve and reopen, live in the other browser.
  await thread.getByLabel('Reply to Admin').fill('Visa and Mastercard.');
  await thread.getByRole('button', { name: 'Reply' }).click();
  const aThread = a.page.getByRole('listitem', { name: 'Thread by Admin on “saved card”' });
  await aThread.getByRole('listitem', { name: 'Comment by Bea Editor' }).waitFor();
  await aThread.getByRole('listitem', { name: 'Comment by Bea Editor' }).getByRole('button', { name: 'React 👍' }).click();
  await thread.getByRole('button', { name: 'React 👍, 1' }).waitFor();
  await aThread.getByRole('button', { name: 'Edit the comment by Admin' }).click();
  await aThread.getByLabel('Edit the comment').fill('Which cards do we take?');
  await aThread.getByRole('button', { name: 'Save' }).click();
  await until('the edit reaches Bea', async () =>
    (await thread.getByRole('listitem', { name: 'Comment by Admin' }).innerText()).includes('Which cards do we take?'),
  );
  if (shots) await a.page.screenshot({ path: `${shots}/discussion.png` });
  await b.page.getByRole('button', { name: 'Delete the comment by Bea Editor' }).click();
  await aThread.getByText('This comment was deleted.').waitFor();
  await aThread.getByRole('button', { name: 'Resolve' }).click();
  await b.page.getByRole('button', { name: 'Resolved (1)' }).waitFor();
  await until('the resolved thread is no longer highlighted for Bea', async () => (await highlights(b.page)).length === 0);
  await b.page.getByRole('button', { name: 'Resolved (1)' }).click();
  await b.page.getByRole('listitem', { name: 'Thread by Admin on “saved card”' }).getByRole('button', { name: 'Reopen' }).click();
  await until('the reopened thread is highlighted again for Admin', async () => (await highlights(a.page)).join('') === 'saved card');

  // A thread on a criterion's text (selected by keyboard), marked on the criterion for Bea.
  await b.page.getByLabel('New criterion').fill('Card data never touches our servers');
  await b.page.getByRole('button', { name: 'Add', exact: true }).click();
  const crit = a.page.getByLabel('Criterion 1', { exact: true });
  await until('the criterion reaches Admin', async () => (await crit.inputValue()) === 'Card data never touches our servers');
  await crit.click();
  await a.page.keyboard.press('End');
  for (let i = 0; i < 'our servers'.length; i++) await a.page.keyboard.press('Shift+ArrowLeft');
  await a.page.getByLabel('Comment on the selection', { exact: true }).fill('Which payment provider holds them?');
  await a.page.getByRole('button', { name: 'Comment on the selection' }).click();
  await b.page.getByRole('listitem', { name: 'Thread by Admin on “our servers”' }).waitFor();
  await b.page.getByLabel('1 comment threads').waitFor();

  // A thread whose text Bea deletes is kept and listed as detached, for both.
  await selectInDescription(a.page, 'one step');
  await a.page.getByLabel('Comment on the selection', { exact: true }).fill('Too vague.');
  await a.page.getByRole('button', { name: 'Comment on the selection' }).click();
  await b.page.getByRole('listitem', { name: 'Thread by Admin on “one step”' }).waitFor();
  await selectInDescription(b.page, 'one step');
  await b.page.keyboard.press('Backspace');
  for (const p of [a.page, b.page]) await p.getByRole('heading', { name: 'Detached (1)' }).waitFor();
  await until('the detached thread is not highlighted', async () => (await highlights(a.page)).join('') === 'saved card');

  // History: a named version once the server has Bea's edit.
  await until('the live edit reached the item', async () => (await api(a.page, `/api/v1/items/${f.story}`)).description?.startsWith('Intro: '));
  await a.page.getByRole('tab', { name: 'History' }).click();
  await a.page.getByLabel('Version name').fill('Before express');
  await a.page.getByRole('button', { name: 'Save version' }).click();
  const named = a.page.getByRole('listitem', { name: /^Version \d+ Before express$/ });
  await named.waitFor();
  const namedNumber = Number((await named.getAttribute('aria-label')).match(/\d+/)[0]);

  // "Who wrote this": the caret in Bea's words names Bea.
  await a.page.locator('.cm-content').click();
  await a.page.keyboard.press('Control+Home');
  await a.page.keyboard.press('ArrowRight');
  await a.page.keyboard.press('ArrowRight');
  await until('the attribution names Bea', async () => {
    await a.page.getByRole('button', { name: 'Who wrote the text at the cursor' }).click();
    const t = await a.page.getByRole('status', { name: 'Author of the text at the cursor' }).innerText();
    return { ok: t.startsWith('Bea Editor wrote'), seen: t };
  });

  // Bea adds a sentence; the diff from the named version shows exactly that.
  await b.page.locator('.cm-content').click();
  await b.page.keyboard.press('Control+End');
  await b.page.keyboard.type('Express checkout.');
  let diffSeen;
  await until('the diff shows exactly the added sentence', async () => {
    await a.page.getByRole('button', { name: `Compare version ${namedNumber} with now` }).click();
    const d = a.page.getByRole('region', { name: 'Diff' });
    const ins = await d.locator('ins').allInnerTexts();
    const del = await d.locator('del').allInnerTexts();
    diffSeen = { ins, del };
    return { ok: ins.join('').trim() === 'Express checkout.' && del.length === 0, seen: diffSeen };
  });
  if (shots) await a.page.screenshot({ path: `${shots}/history-diff.png` });

  // Restoring the named version reaches Bea's editor (as soon as the document changes) and
  // is listed as a version once the request has finished (leaving the page before would
  // cancel it).
  await a.page.getByRole('button', { name: `Restore version ${namedNumber}` }).click();
  const history = a.page.getByRole('region', { name: 'History' });
  await until('the restore is listed as a version', async () => {
    const alert = await history.getByRole('alert').allInnerTexts();
    if (alert.length) throw new Error(`the restore failed: ${alert.join(' ')}`);
    return (await history.getByRole('listitem', { name: new RegExp(`^Version \\d+ Restored version ${namedNumber}$`) }).count()) === 1;
  });
  await until("the restore reaches Bea's editor", async () => {
    const t = await editorText(b.page);
    return { ok: !t.includes('Express checkout.') && t.startsWith('Intro: '), seen: t };
  });

  // Project snapshots: take one, add an epic, compare, restore.
  await a.page.goto(`${base}/projects/${f.project}/snapshots`);
  await a.page.getByLabel('Snapshot message').fill('Baseline');
  await a.page.getByRole('button', { name: 'Take a snapshot' }).click();
  await a.page.getByRole('button', { name: 'Restore snapshot 1' }).waitFor();
  await a.page.goto(`${base}/projects/${f.project}`);
  await a.page.getByRole('button', { name: 'New epic' }).click();
  await a.page.getByLabel('Title of the new item').fill('Loyalty points');
  await a.page.keyboard.press('Enter');
  await a.page.getByRole('treeitem', { name: 'epic Loyalty points' }).waitFor();
  await a.page.getByRole('link', { name: 'Snapshots' }).click();
  await a.page.getByRole('button', { name: 'Compare snapshot 1 with now' }).click();
  const treeDiff = a.page.getByLabel('Tree changes');
  await treeDiff.getByText('Loyalty points').waitFor();
  const treeDiffText = await treeDiff.innerText();
  if (!/added\s+Loyalty points/.test(treeDiffText)) throw new Error(`tree diff: ${treeDiffText}`);
  if (shots) await a.page.screenshot({ path: `${shots}/snapshots.png` });
  await a.page.getByRole('button', { name: 'Restore snapshot 1' }).click();
  await a.page.getByText('Snapshot 1 restored.').waitFor();
  await a.page.goto(`${base}/projects/${f.project}`);
  await a.page.getByRole('treeitem', { name: `epic ${f.epicTitle}` }).waitFor();
  if (await a.page.getByRole('treeitem', { name: 'epic Loyalty points' }).count()) throw new Error('the restore kept the new epic');

  // The audit log, filtered by action, and its export.
  await a.page.goto(`${base}/orgs/${f.org}/audit`);
  await a.page.getByLabel('Action').fill('comment.created');
  await a.page.getByRole('button', { name: 'Apply' }).click();
  await until('only comment.created records show', async () => {
    const actions = await a.page.getByRole('table', { name: 'Audit records' }).locator('tbody td:nth-child(4)').allInnerTexts();
    return { ok: actions.length >= 1 && actions.every((x) => x === 'comment.created'), seen: actions };
  });
  if (shots) await a.page.screenshot({ path: `${shots}/audit.png` });
  const csvHref = await a.page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  const csv = await a.page.evaluate(async (h) => (await fetch(h)).text(), csvHref);
  if (!csv.includes('comment.created')) throw new Error(`the CSV export lacks the records: ${csv.slice(0, 200)}`);

  // Signing out deletes the offline documents this browser kept.
  const before = await storedDatabases(b.page);
  if (!before.length) throw new Error('Bea had no offline documents to clear');
  await b.page.goto(`${base}/projects/${f.project}/items/${f.story}`);
  await editorConnected(b.page, 'Bea is connected before signing out');
  await b.page.getByRole('button', { name: 'Log out' }).click();
  await b.page.getByRole('button', { name: 'Log in' }).waitFor();
  await until('the offline documents are gone', async () => {
    const left = await storedDatabases(b.page);
    return { ok: left.length === 0, seen: left };
  });
  const storage = await b.page.evaluate(() => localStorage.length + sessionStorage.length);
  if (storage) throw new Error('Web Storage was left behind');

  return { treeTitleMs, anchor, diff: diffSeen, mentionNotice: notice, clearedDatabases: before.length, namedVersion: namedNumber };
}
