// End-to-end scenarios of the web app in Debian's Chromium, driven by playwright-core.
// Usage: node e2e/run.mjs <scenario>, with E2E_BASE (server URL) and E2E_FIXTURE (JSON) in
// the environment; E2E_SCREENSHOTS names a folder to save screenshots in. The Rust test
// harness (crates/spectree-testkit/src/browser.rs) starts the server and runs this. The last
// line printed is `E2E_RESULT <json>` with what was measured; any failure exits non-zero.
import { chromium } from 'playwright-core';
import { gzipSync } from 'node:zlib';
import { setup } from './setup.mjs';
import { collab } from './collab.mjs';
import { latency } from './latency.mjs';
import { load } from './load.mjs';
import { discuss } from './discuss.mjs';
import { bigtree } from './bigtree.mjs';
import { aware } from './aware.mjs';

const scenarios = { setup, collab, load, latency, discuss, bigtree, aware };
const name = process.argv[2];
const scenario = scenarios[name];
if (!scenario) {
  console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const base = process.env.E2E_BASE;
const fixture = JSON.parse(process.env.E2E_FIXTURE ?? '{}');
const shots = process.env.E2E_SCREENSHOTS || null;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
let code = 0;
try {
  const result = await scenario({ browser, base, fixture, shots, gzipSize: (b) => gzipSync(b).length });
  console.log(`E2E_RESULT ${JSON.stringify(result ?? {})}`);
} catch (e) {
  console.error(`scenario ${name} failed: ${e?.stack ?? e}`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
