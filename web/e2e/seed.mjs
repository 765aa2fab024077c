// Seeds a fresh server for running the `collab` scenario by hand (benchmarks against a
// release binary): the administrator from the setup code, an organization, a team with an
// editor and a viewer (invited, signed up through the mailed links), a project and items.
// Usage: node e2e/seed.mjs <base URL> <setup code> <outbox folder>; prints the fixture JSON.
import { mailedLink } from './lib.mjs';

const [base, code, outbox] = process.argv.slice(2);
const password = 'correct horse battery staple';

function session() {
  let cookie = '';
  let csrf = null;
  return async (method, path, body) => {
    const headers = { 'Content-Type': 'application/json', Origin: base };
    if (cookie) headers.Cookie = cookie;
    if (csrf) headers['X-CSRF-Token'] = csrf;
    const res = await fetch(`${base}${path}`, { method, headers, body: body && JSON.stringify(body) });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0];
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    if (data?.csrf_token) csrf = data.csrf_token;
    if (data?.session?.csrf_token) csrf = data.session.csrf_token;
    return data;
  };
}

const admin = session();
await admin('POST', '/api/v1/setup', { code, email: 'admin@example.com', name: 'Admin', password });
const org = await admin('POST', '/api/v1/orgs', { name: 'Acme', slug: 'acme' });
const team = await admin('POST', `/api/v1/orgs/${org.id}/teams`, { name: 'Core', slug: 'core' });
for (const [email, name, role] of [
  ['bea@example.com', 'Bea Editor', 'editor'],
  ['vic@example.com', 'Vic Viewer', 'viewer'],
]) {
  await admin('POST', `/api/v1/orgs/${org.id}/invitations`, { email, team_id: team.id, team_role: role });
  const link = await mailedLink(outbox, email, '/invite');
  const token = link.split('token=')[1];
  await session()('POST', '/api/v1/auth/signup', { email, name, password, invitation_token: token });
}
const project = await admin('POST', `/api/v1/teams/${team.id}/projects`, { name: 'Checkout', slug: 'checkout' });
const epic = await admin('POST', `/api/v1/projects/${project.id}/items`, { type: 'epic', title: 'Payments' });
const story = await admin('POST', `/api/v1/projects/${project.id}/items`, {
  type: 'story',
  title: 'Pay by card',
  parent_id: epic.id,
  description: '## Goal\n\nCustomers pay with a saved card.\n\n',
});
const user = (email, name) => ({ email, name, password });
console.log(
  JSON.stringify({
    org: org.id,
    project: project.id,
    epic: epic.id,
    story: story.id,
    epicTitle: 'Payments',
    admin: user('admin@example.com', 'Admin'),
    editor: user('bea@example.com', 'Bea Editor'),
    viewer: user('vic@example.com', 'Vic Viewer'),
  }),
);
