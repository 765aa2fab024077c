// First-run setup: the one-time code creates the first administrator, who lands signed in
// and creates an organization, a team and a project through the UI. Also measures the
// first page load and the JavaScript of the first route.
import { until, VIEWPORT } from './lib.mjs';

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
  await page.getByRole('link', { name: 'Launch' }).click();
  await page.getByRole('heading', { name: 'Launch' }).waitFor();
  await page.getByLabel('Project name').fill('Countdown');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: 'Countdown' }).waitFor();
  await page.getByRole('button', { name: 'New epic' }).click();
  await page.getByLabel('Title of the new item').fill('Ignition');
  await page.keyboard.press('Enter');
  await until('the new epic shows in the tree', () =>
    page.getByRole('treeitem', { name: 'epic Ignition' }).isVisible(),
  );
  // Setup is one-time: /setup now leads home.
  const again = await page.request.get(`${base}/api/v1/setup`);
  if ((await again.json()).required !== false) throw new Error('setup still required after setup');

  // The signed-out pages render (screenshots for the README).
  const anon = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await anon.goto(`${base}/login`);
  await anon.getByRole('button', { name: 'Log in' }).waitFor();
  if (shots) await anon.screenshot({ path: `${shots}/login.png` });
  await anon.goto(`${base}/signup`);
  await anon.getByRole('button', { name: 'Sign up' }).waitFor();
  await anon.goto(`${base}/reset-password`);
  await anon.getByRole('button', { name: 'Send reset link' }).waitFor();
  await context.close();
  return { firstLoadMs, navigation: nav, jsGzipBytes, jsFiles };
}
