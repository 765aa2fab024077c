// Awareness and sharing in two browsers (Admin and Bea, editors of the project's team):
// a mention shows up in Bea's inbox live (the header count rises without a reload); the
// project's activity feed shows Admin's change live; a notification preference persists;
// watching a subtree; an AI generation started by Admin is seen by Bea as it is written,
// with the AI as a participant of its own, and a second one is cancelled from Bea's
// browser; a shared view built by Admin opens by its link for Bea with the same list; and a
// team webhook is added, pinged, its delivery seen in the log and replayed, and its secret
// rotated.
import { editorConnected, editorText, login, selectInDescription, until } from './lib.mjs';

const api = (page, path) =>
  page.evaluate(async (path) => {
    const r = await fetch(path, { headers: { Accept: 'application/json' } });
    return { status: r.status, body: await r.json() };
  }, path);

// The badge is gone at zero: read it without waiting for it (it may go between two looks).
const unread = async (page) => {
  const [n] = await page.getByTestId('unread-count').allInnerTexts();
  return n ? Number(n) : 0;
};

export async function aware({ browser, base, fixture: f, shots }) {
  const a = await login(browser, base, f.admin);
  const b = await login(browser, base, f.editor);
  const result = {};
  for (const p of [a.page, b.page]) p.on('dialog', (d) => d.accept());

  // 1. A mention reaches Bea's inbox live.
  await b.page.goto(`${base}/projects/${f.project}`);
  await b.page.getByRole('link', { name: /Notifications/ }).waitFor();
  const before = await unread(b.page);
  await a.page.goto(`${base}/projects/${f.project}/items/${f.story}`);
  await editorConnected(a.page, 'Admin\'s editor is connected');
  await selectInDescription(a.page, 'saved card');
  await a.page.getByLabel('Comment on the selection', { exact: true }).first().click();
  await a.page.keyboard.type('Can you check this, @be');
  await a.page.getByRole('listbox', { name: 'People to mention' }).getByRole('option', { name: 'Bea Editor @bea' }).waitFor();
  await a.page.keyboard.press('Enter');
  await a.page.keyboard.press('Control+Enter');
  await a.page.getByRole('listitem', { name: 'Thread by Admin on “saved card”' }).waitFor();
  const mentionedAt = Date.now();
  await until('Bea\'s unread count rises without a reload', async () => {
    const n = await unread(b.page);
    return { ok: n > before, seen: n };
  });
  result.inboxLiveMs = Date.now() - mentionedAt;
  await b.page.getByRole('link', { name: /Notifications/ }).click();
  await b.page.getByRole('heading', { name: 'Notifications' }).waitFor();
  const entry = b.page.locator('.notification[data-kind="mentioned"]').first();
  await entry.waitFor();
  result.mentionSummary = await entry.locator('.summary').innerText();
  if (shots) await b.page.screenshot({ path: `${shots}/inbox.png` });
  // Opening it marks it read and opens the item.
  await entry.locator('.summary').click();
  await b.page.waitForURL(`**/items/${f.story}`);
  await until('the count goes down once read', async () => ({ ok: (await unread(b.page)) === before, seen: await unread(b.page) }));

  // 2. The project's activity feed, live.
  await b.page.goto(`${base}/projects/${f.project}/activity`);
  await b.page.getByRole('status', { name: 'Activity updates' }).getByText('live').waitFor();
  await a.page.getByLabel('Status', { exact: true }).selectOption('in_review');
  await until('the status change appears in Bea\'s feed', async () => {
    const entries = await b.page.locator('.feed li[data-kind="status_changed"]').allInnerTexts();
    return { ok: entries.some((t) => t.includes('in review')), seen: entries };
  }, 40000);
  result.feedEntry = (await b.page.locator('.feed li[data-kind="status_changed"]').first().innerText()).split('\n')[0];
  // Filtering by kind keeps only comments.
  await b.page.getByLabel('Kind').selectOption('commented');
  await until('the feed shows only comments', async () => {
    const kinds = await b.page.locator('.feed li').evaluateAll((ls) => ls.map((l) => l.dataset.kind));
    return { ok: kinds.length > 0 && kinds.every((k) => k === 'commented'), seen: kinds };
  });
  await b.page.getByLabel('Kind').selectOption('');
  await b.page.locator('.feed li[data-kind="status_changed"]').first().waitFor();
  if (shots) await b.page.screenshot({ path: `${shots}/activity.png` });

  // 3. Preferences persist.
  await b.page.goto(`${base}/settings/notifications`);
  const mail = b.page.getByLabel('commented: by email');
  await mail.selectOption('email');
  await b.page.locator('tr[data-kind="commented"]').getByText('Saved').waitFor();
  await b.page.reload();
  await until('the preference is kept', async () => ({ ok: (await b.page.getByLabel('commented: by email').inputValue()) === 'email', seen: await b.page.getByLabel('commented: by email').inputValue() }));
  if (shots) await b.page.screenshot({ path: `${shots}/notification-preferences.png` });

  // 4. Watching a subtree.
  await b.page.goto(`${base}/projects/${f.project}/items/${f.epic}`);
  await editorConnected(b.page, 'Bea\'s editor is connected');
  await b.page.getByRole('group', { name: 'Watching' }).getByRole('button', { name: 'Watch subtree' }).click();
  await b.page.getByRole('group', { name: 'Watching' }).getByText('Watching subtree').waitFor();
  result.watch = (await api(b.page, `/api/v1/items/${f.epic}/watch`)).body;

  // 5. An AI generation, watched by Bea as it is written.
  await b.page.goto(`${base}/projects/${f.project}/items/${f.story}`);
  await editorConnected(b.page, 'Bea\'s editor is connected');
  await b.page.locator('.cm-content').waitFor();
  const startText = await editorText(b.page);
  await a.page.getByRole('button', { name: 'Generate with AI' }).click();
  await a.page.getByLabel('What to write').selectOption('description');
  await a.page.getByLabel('Prompt').fill('Explain how a saved card is charged');
  await a.page.getByRole('button', { name: 'Start' }).click();
  await b.page.getByRole('status', { name: 'AI writing' }).waitFor();
  const lengths = new Set();
  let aiAvatar = false;
  const aiCarets = new Set();
  let shot = false;
  await until('Bea sees the text grow while the AI writes', async () => {
    const t = await editorText(b.page);
    const writing = (await b.page.getByRole('status', { name: 'AI writing' }).count()) > 0;
    if (writing && t.length > startText.length) {
      lengths.add(t.length);
      aiAvatar ||= (await b.page.locator('.presence .avatar.ai').count()) > 0;
      // The AI's caret, named, in Bea's text while it writes.
      for (const n of await b.page.locator('.cm-ySelectionInfo').allInnerTexts()) if (n.startsWith('AI')) aiCarets.add(n);
      if (shots && !shot && lengths.size >= 3) {
        shot = true;
        await b.page.screenshot({ path: `${shots}/ai-generation.png` });
      }
    }
    return { ok: lengths.size >= 3 && aiCarets.size > 0, seen: { lengths: [...lengths], carets: [...aiCarets] } };
  });
  result.aiIntermediateStates = lengths.size;
  result.aiAvatar = aiAvatar;
  result.aiCarets = [...aiCarets];
  await until('the generation ends', async () => (await b.page.getByRole('status', { name: 'AI writing' }).count()) === 0, 60000);
  // A second one is cancelled from Bea's browser.
  await a.page.getByRole('button', { name: 'Generate with AI' }).click();
  await a.page.getByLabel('What to write').selectOption('acceptance_criteria');
  await a.page.getByRole('button', { name: 'Start' }).click();
  const job = b.page.getByRole('status', { name: 'AI writing' });
  await job.waitFor();
  result.cancelledGeneration = await job.getAttribute('data-generation');
  await job.getByRole('button', { name: 'Cancel' }).click();
  await until('the cancelled job leaves the room', async () => (await b.page.getByRole('status', { name: 'AI writing' }).count()) === 0);

  // 6. A shared view, built by Admin and opened by its link by Bea.
  await a.page.goto(`${base}/projects/${f.project}/views`);
  await a.page.getByLabel('View name').fill('Stories to review');
  await a.page.getByRole('button', { name: 'New view' }).click();
  await a.page.waitForURL('**/views/*');
  await a.page.getByLabel('Type: story').check();
  await a.page.getByLabel('Status: in review').check();
  await a.page.getByLabel('Group by').selectOption('status');
  const saved = () => a.page.getByRole('status', { name: 'Save state' }).innerText();
  await until('the view lists the story under its status, all saved', async () => {
    const t = await a.page.getByRole('status', { name: 'View total' }).innerText().catch(() => '');
    const s = await saved();
    return { ok: t === '1 item' && s === 'Saved', seen: [t, s] };
  });
  await a.page.getByRole('button', { name: 'Share with the team' }).click();
  await a.page.getByText('shared with the team').first().waitFor();
  await until('sharing is saved', async () => ({ ok: (await saved()) === 'Saved', seen: await saved() }));
  const link = await a.page.getByLabel('Link to this view').inputValue();
  result.viewLink = link;
  if (shots) await a.page.screenshot({ path: `${shots}/shared-view.png` });
  await b.page.goto(link.replace(/^https?:\/\/[^/]+/, base));
  await b.page.getByRole('heading', { name: 'Stories to review' }).waitFor();
  await until('Bea sees the same list', async () => {
    const rows = await b.page.locator('.view-table tbody tr').allInnerTexts();
    return { ok: rows.length === 1 && rows[0].includes(f.storyTitle), seen: rows };
  });
  result.viewGroups = await b.page.locator('.view-group h2').allInnerTexts();

  // 7. A team webhook: added, pinged, delivered, replayed.
  await a.page.goto(`${base}/teams/${f.team}/webhooks`);
  await a.page.getByLabel('Webhook URL').fill(f.receiver);
  await a.page.getByRole('button', { name: 'Add webhook' }).click();
  const secret = await a.page.getByRole('alert', { name: 'Signing secret' }).locator('code').innerText();
  result.secret = secret;
  const hook = a.page.getByRole('listitem', { name: `Webhook ${f.receiver}` });
  await hook.getByRole('button', { name: 'Send a ping' }).click();
  await hook.getByRole('button', { name: 'Deliveries' }).click();
  await until('the ping is delivered', async () => {
    const s = await hook.locator('tr.delivery').evaluateAll((rs) => rs.map((r) => r.className));
    return { ok: s.some((c) => c.includes('succeeded')), seen: s };
  });
  await hook.locator('tr.delivery').first().getByRole('button', { name: 'Replay' }).click();
  await until('the replay is delivered too', async () => {
    const n = await hook.locator('tr.delivery.succeeded').count();
    return { ok: n >= 2, seen: n };
  });
  if (shots) await a.page.screenshot({ path: `${shots}/webhooks.png` });
  // Rotating shows the new secret once; the next ping is signed with it.
  await a.page.getByRole('button', { name: 'I have saved it' }).click();
  await hook.getByRole('button', { name: 'Rotate secret' }).click();
  result.rotatedSecret = await a.page.getByRole('alert', { name: 'Signing secret' }).locator('code').innerText();
  await hook.getByRole('button', { name: 'Send a ping' }).click();
  await until('the ping after the rotation is delivered', async () => {
    const n = await hook.locator('tr.delivery.succeeded').count();
    return { ok: n >= 3, seen: n };
  });
  result.deliveries = await hook.locator('tr.delivery').count();

  await a.context.close();
  await b.context.close();
  return result;
}
