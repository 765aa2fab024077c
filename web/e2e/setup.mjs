// First-run setup: the one-time code creates the first administrator, who lands signed in
// and creates an organization, a team and a project through the UI. Also measures the
// first page load and the JavaScript of the first route.
import { mailedLink, until, VIEWPORT } from './lib.mjs';

export async function setup({ browser, base, fixture, shots, gzipSize }) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const scripts = [];
  page.on('response', async (r) => {
    if (r.request().resourceType() === 'script') scripts.push(r);
  });
  const started = Date.now();
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'Set up this instance' }).waitFor();
  const firstLoadMs = Date.now() - started;
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { loadEventEnd: n.loadEventEnd, domContentLoaded: n.domContentLoadedEventEnd };
  });
  let jsGzipBytes = 0;
  const jsFiles = [];
  for (const r of scripts) {
    const body = await r.body();
    jsGzipBytes += gzipSize(body);
    jsFiles.push(new URL(r.url()).pathname);
  }
  if (jsFiles.some((f) => f.includes('editor'))) throw new Error(`the editor chunk loaded on the first route: ${jsFiles}`);
  if (new URL(page.url()).pathname !== '/setup') throw new Error(`expected /setup, got ${page.url()}`);
  if (shots) await page.screenshot({ path: `${shots}/setup.png` });

  await page.getByLabel('Setup code').fill(fixture.setupCode);
  await page.getByLabel('Your name').fill(fixture.name);
  await page.getByLabel('Email').fill(fixture.email);
  await page.getByLabel('Password').fill(fixture.password);
  // A wrong code first: the server's refusal is visible.
  const code = fixture.setupCode;
  await page.getByLabel('Setup code').fill('WRONG-CODE');
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.getByRole('alert').waitFor();
  await page.getByLabel('Setup code').fill(code);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.getByRole('heading', { name: 'Your organizations' }).waitFor();

  await page.getByLabel('Name').fill('Acme Rockets');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('heading', { name: 'Acme Rockets' }).waitFor();
  await page.getByLabel('Team name').fill('Launch');
  await page.getByRole('button', { name: 'Create team' }).click();
  // An invitation into the team as a viewer; its link is shown (and mailed).
  await page.getByLabel('Email').fill('ivy@example.com');
  await page.getByLabel('Team to join').selectOption({ label: 'Launch' });
  await page.getByLabel('Team role on acceptance').selectOption('viewer');
  await page.getByRole('button', { name: 'Invite' }).click();
  const invited = await page.getByRole('status').innerText();
  const acceptUrl = new URL(invited.slice(invited.indexOf('http')).trim());
  await page.getByRole('list', { name: 'Pending invitations' }).getByText('ivy@example.com').waitFor();
  const ivy = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await ivy.goto(`${base}${acceptUrl.pathname}${acceptUrl.search}`);
  await ivy.getByRole('link', { name: 'Sign up and accept' }).click();
  await ivy.getByLabel('Your name').fill('Ivy Invited');
  await ivy.getByLabel('Email').fill('ivy@example.com');
  await ivy.getByLabel('Password').fill('ivy password 789');
  await ivy.getByRole('button', { name: 'Sign up' }).click();
  await ivy.getByRole('link', { name: 'Acme Rockets' }).waitFor();

  await page.getByRole('link', { name: 'Launch' }).click();
  await page.getByRole('heading', { name: 'Launch' }).waitFor();
  // Roles: Ivy joined as a viewer; make her an editor.
  const ivyRole = page.getByLabel('Team role of Ivy Invited');
  await until('Ivy is a viewer of the team', async () => (await ivyRole.inputValue()) === 'viewer');
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/members/') && r.ok()),
    ivyRole.selectOption('editor'),
  ]);
  await page.reload();
  await until('the new role is stored', async () => (await page.getByLabel('Team role of Ivy Invited').inputValue()) === 'editor');
  await page.getByLabel('Project name').fill('Countdown');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: 'Countdown' }).waitFor();
  await page.getByRole('button', { name: 'New epic' }).click();
  await page.getByLabel('Title of the new item').fill('Ignition');
  await page.keyboard.press('Enter');
  await until('the new epic shows in the tree', () =>
    page.getByRole('treeitem', { name: 'epic Ignition' }).isVisible(),
  );
  // The tree by keyboard: `a` adds a child, arrows move and fold, filters narrow it.
  const epic = page.getByRole('treeitem', { name: 'epic Ignition' });
  await epic.focus();
  await page.keyboard.press('a');
  await page.getByLabel('Title of the new item').fill('Fuel pumps');
  await page.keyboard.press('Enter');
  const feature = page.getByRole('treeitem', { name: 'feature Fuel pumps' });
  await feature.waitFor();
  await epic.focus();
  await page.keyboard.press('ArrowDown');
  await until('ArrowDown focuses the child', () => feature.evaluate((el) => el === document.activeElement));
  await page.keyboard.press('ArrowLeft');
  await until('ArrowLeft goes to the parent', () => epic.evaluate((el) => el === document.activeElement));
  await page.keyboard.press('ArrowLeft');
  await until('ArrowLeft folds the epic', async () => (await epic.getAttribute('aria-expanded')) === 'false');
  if (await feature.isVisible()) throw new Error('a folded child is still shown');
  await page.keyboard.press('ArrowRight');
  await feature.waitFor();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/items\//);
  await page.getByLabel('Filter by text').fill('pumps');
  await until('the text filter keeps the match and its parent', async () =>
    (await page.getByRole('treeitem').count()) === 2,
  );
  await page.getByLabel('Filter by status').selectOption('done');
  await page.getByText('Nothing matches the filter.').waitFor();
  await page.getByLabel('Filter by status').selectOption('');
  await page.getByLabel('Filter by text').fill('');

  // Moving by keyboard: a second epic goes up with Alt+ArrowUp; indenting an epic under
  // another epic breaks the ranks, and the server's refusal shows.
  await page.getByRole('button', { name: 'New epic' }).click();
  await page.getByLabel('Title of the new item').fill('Landing');
  await page.keyboard.press('Enter');
  const landing = page.getByRole('treeitem', { name: 'epic Landing' });
  await landing.waitFor();
  await landing.focus();
  await page.keyboard.press('Alt+ArrowUp');
  await until('Landing moves above Ignition', async () => {
    const names = await page.getByRole('treeitem').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
    return { ok: names[0] === 'epic Landing', seen: names };
  });
  await landing.focus();
  await page.keyboard.press('Alt+ArrowDown');
  await until('Landing moves back below Ignition', async () => {
    const names = await page.getByRole('treeitem').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
    return { ok: names[0] === 'epic Ignition', seen: names };
  });
  await page.getByRole('treeitem', { name: 'epic Landing' }).focus();
  await page.keyboard.press('Alt+ArrowRight');
  await page.getByRole('alert').waitFor();
  const rankRefusal = await page.getByRole('alert').innerText();


  // Setup is one-time: /setup now leads home.
  const again = await page.request.get(`${base}/api/v1/setup`);
  if ((await again.json()).required !== false) throw new Error('setup still required after setup');

  // The signed-out pages render (screenshots for the README).
  const anon = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await anon.goto(`${base}/login`);
  await anon.getByRole('button', { name: 'Log in' }).waitFor();
  if (shots) await anon.screenshot({ path: `${shots}/login.png` });
  // Sign-up, then the mailed links: email verification and a password reset.
  await anon.getByRole('link', { name: 'Create an account' }).click();
  await anon.getByLabel('Your name').fill('Sam Signup');
  await anon.getByLabel('Email').fill('sam@example.com');
  await anon.getByLabel('Password').fill('first password 123');
  await anon.getByRole('button', { name: 'Sign up' }).click();
  await anon.getByRole('heading', { name: 'Your organizations' }).waitFor();
  const verify = await mailedLink(fixture.outbox, 'sam@example.com', '/verify-email');
  if (!verify) throw new Error('no verification mail');
  await anon.goto(`${base}${verify}`);
  await anon.getByText('Your email address is confirmed.').waitFor();
  await anon.getByRole('button', { name: 'Log out' }).click();
  await anon.getByRole('link', { name: 'Forgot your password?' }).click();
  await anon.getByLabel('Email').fill('sam@example.com');
  await anon.getByRole('button', { name: 'Send reset link' }).click();
  await anon.getByRole('status').waitFor();
  let reset = null;
  await until('the reset mail arrives', async () => (reset = await mailedLink(fixture.outbox, 'sam@example.com', '/reset-password')));
  await anon.goto(`${base}${reset}`);
  await anon.getByLabel('New password').fill('second password 456');
  await anon.getByRole('button', { name: 'Set password' }).click();
  await anon.getByText('Your password is changed').waitFor();
  await anon.goto(`${base}/login`);
  await anon.getByLabel('Email').fill('sam@example.com');
  await anon.getByLabel('Password').fill('second password 456');
  await anon.getByRole('button', { name: 'Log in' }).click();
  await anon.getByRole('heading', { name: 'Your organizations' }).waitFor();
  await context.close();
  return { firstLoadMs, navigation: nav, jsGzipBytes, jsFiles, rankRefusal };
}
