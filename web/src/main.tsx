// The Spec Tree web app: session bootstrap, first-run redirect, routes and the page frame.
import { render } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { errorText, get, MeView, post, setCsrf } from './api';
import { match, navigate, onLinkClick, useLocation } from './router';
import { loadMe, SessionContext } from './session';
import { InvitePage, LoginPage, ResetPasswordPage, SetupPage, SignupPage, VerifyEmailPage } from './pages/auth';
import { HomePage, OrgPage, TeamPage } from './pages/orgs';
import { ProjectPage, TrashPage } from './pages/project';
import { ErrorBox } from './ui';
import { clearOfflineData } from './offline';
import { UnreadBadge } from './awareness/badge';

// Pages few people open load as their own chunks.
const SnapshotsPage = lazy(() => import('./history/snapshots'));
const AuditPage = lazy(() => import('./admin/audit'));
const InboxPage = lazy(() => import('./awareness/inbox'));
const PreferencesPage = lazy(() => import('./awareness/preferences'));
const ActivityPage = lazy(() => import('./awareness/activity'));
const ViewsPage = lazy(() => import('./views/views').then((m) => ({ default: m.ViewsPage })));
const ViewPage = lazy(() => import('./views/views').then((m) => ({ default: m.ViewPage })));
const WebhooksPage = lazy(() => import('./settings/webhooks'));

/// Pages anyone may open without a session.
const PUBLIC = ['/setup', '/login', '/signup', '/verify-email', '/reset-password', '/invite'];

function App() {
  const url = useLocation();
  const path = url.pathname;
  const [me, setMe] = useState<MeView | null | undefined>(undefined);
  const [setupRequired, setSetupRequired] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const refresh = async () => {
    const [s, m] = await Promise.all([get<{ required: boolean }>('/api/v1/setup'), loadMe()]);
    setSetupRequired(s.required);
    setMe(m);
    return m;
  };
  useEffect(() => {
    refresh().catch((e) => setError(errorText(e)));
  }, []);

  if (error) return <ErrorBox error={error} />;
  if (me === undefined) return <p class="muted boot">Loading…</p>;
  if (setupRequired && path !== '/setup') {
    navigate('/setup', true);
    return null;
  }
  if (!me && !PUBLIC.includes(path)) {
    navigate(`/login?next=${encodeURIComponent(path + url.search)}`, true);
    return null;
  }

  let page;
  let p: Record<string, string> | null;
  if (path === '/setup') page = <SetupPage />;
  else if (path === '/login') page = <LoginPage />;
  else if (path === '/signup') page = <SignupPage />;
  else if (path === '/verify-email') page = <VerifyEmailPage />;
  else if (path === '/reset-password') page = <ResetPasswordPage />;
  else if (path === '/invite') page = <InvitePage />;
  else if (path === '/') page = <HomePage />;
  else if ((p = match('/orgs/:org', path))) page = <OrgPage orgId={p.org} />;
  else if ((p = match('/teams/:team', path))) page = <TeamPage teamId={p.team} />;
  else if ((p = match('/projects/:project', path))) page = <ProjectPage key={p.project} projectId={p.project} itemId={null} />;
  else if ((p = match('/projects/:project/items/:item', path)))
    page = <ProjectPage key={p.project} projectId={p.project} itemId={p.item} />;
  else if ((p = match('/projects/:project/trash', path))) page = <TrashPage projectId={p.project} />;
  else if ((p = match('/projects/:project/snapshots', path))) page = <SnapshotsPage projectId={p.project} />;
  else if ((p = match('/orgs/:org/audit', path))) page = <AuditPage orgId={p.org} />;
  else if (path === '/inbox') page = <InboxPage />;
  else if (path === '/settings/notifications') page = <PreferencesPage />;
  else if (path === '/activity') page = <ActivityPage key="me" scope={{ kind: 'user', id: 'me' }} />;
  else if ((p = match('/projects/:project/activity', path)))
    page = <ActivityPage key={p.project} scope={{ kind: 'project', id: p.project }} />;
  else if ((p = match('/teams/:team/activity', path))) page = <ActivityPage key={p.team} scope={{ kind: 'team', id: p.team }} />;
  else if ((p = match('/people/:user/activity', path))) page = <ActivityPage key={p.user} scope={{ kind: 'user', id: p.user }} />;
  else if ((p = match('/projects/:project/views', path))) page = <ViewsPage projectId={p.project} />;
  else if ((p = match('/views/:view', path))) page = <ViewPage key={p.view} viewId={p.view} />;
  else if ((p = match('/teams/:team/webhooks', path))) page = <WebhooksPage teamId={p.team} />;
  else page = <main class="page"><h1>Not found</h1><a href="/">Home</a></main>;

  return (
    <SessionContext.Provider value={{ me, refresh }}>
      <div class="shell" onClick={onLinkClick}>
        {me && (
          <header class="top">
            <a class="brand" href="/">
              Spec Tree
            </a>
            <span class="grow" />
            <a href="/activity">Activity</a>
            <UnreadBadge key={me.user.id} />
            <span class="who" aria-label="Signed in as">
              {me.user.name}
            </span>
            <button
              class="link"
              onClick={async () => {
                await post('/api/v1/auth/logout').catch(() => undefined);
                setCsrf(null);
                setMe(null);
                navigate('/login');
                // Open editors close as the page goes; their databases are deleted then.
                await clearOfflineData().catch((e) => console.warn('clearing offline data', e));
              }}
            >
              Log out
            </button>
          </header>
        )}
        <Suspense fallback={<p class="muted boot">Loading…</p>}>{page}</Suspense>
      </div>
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
