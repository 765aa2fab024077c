// The notifications inbox (its own chunk): unread, read and archived notifications newest
// first, paged; open one (marks it read), mark read or unread, archive, mark all read. The
// list follows the live unread count, so a new notification appears without a reload.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, get, Page, patch, post } from '../api';
import { ErrorBox } from '../ui';
import { navigate } from '../router';
import { onUnreadChange } from './badge';

export interface NotificationView {
  id: string;
  org_id: string;
  kind: string;
  project_id: string;
  item_id: string;
  actor_id?: string | null;
  summary: string;
  state: 'unread' | 'read' | 'archived';
  created_at: string;
  read_at?: string | null;
}

type Tab = 'inbox' | 'unread' | 'archived';
const TABS: { tab: Tab; label: string }[] = [
  { tab: 'inbox', label: 'Inbox' },
  { tab: 'unread', label: 'Unread' },
  { tab: 'archived', label: 'Archived' },
];

export default function InboxPage() {
  const [tab, setTab] = useState<Tab>('inbox');
  const [items, setItems] = useState<NotificationView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const tabRef = useRef(tab);
  tabRef.current = tab;

  const load = async (t: Tab, after: string | null) => {
    setError(null);
    try {
      const q = new URLSearchParams({ state: t, limit: '50' });
      if (after) q.set('cursor', after);
      const p = await get<Page<NotificationView>>(`/api/v1/me/notifications?${q}`);
      if (tabRef.current !== t) return;
      setItems((xs) => (after ? [...xs, ...p.items] : p.items));
      setCursor(p.next_cursor ?? null);
      setLoaded(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    setLoaded(false);
    load(tab, null);
  }, [tab]);
  // New notifications (and changes made in another tab) arrive as a new unread count, on
  // the header's stream.
  useEffect(() => onUnreadChange(() => load(tabRef.current, null)), []);

  const setState = async (n: NotificationView, state: NotificationView['state']) => {
    setError(null);
    try {
      await patch(`/api/v1/me/notifications/${n.id}`, { state });
      await load(tab, null);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const open = async (n: NotificationView) => {
    if (n.state === 'unread') await patch(`/api/v1/me/notifications/${n.id}`, { state: 'read' }).catch(() => undefined);
    navigate(`/projects/${n.project_id}/items/${n.item_id}`);
  };

  return (
    <main class="page inbox">
      <header class="page-head">
        <h1>Notifications</h1>
        <span class="grow" />
        <a href="/settings/notifications">Preferences</a>
        <button
          onClick={async () => {
            try {
              await post('/api/v1/me/notifications/read-all');
              await load(tab, null);
            } catch (e) {
              setError(errorText(e));
            }
          }}
        >
          Mark all read
        </button>
      </header>
      <div class="tabs" role="tablist" aria-label="Notification lists">
        {TABS.map((t) => (
          <button key={t.tab} role="tab" aria-selected={tab === t.tab} onClick={() => setTab(t.tab)}>
            {t.label}
          </button>
        ))}
      </div>
      <ErrorBox error={error} />
      <ul class="notifications" aria-label="Notifications">
        {items.map((n) => (
          <li key={n.id} class={`notification ${n.state}`} data-kind={n.kind}>
            <button class="link summary" onClick={() => open(n)}>
              {n.state === 'unread' && <span class="dot" aria-label="unread" />}
              {n.summary}
            </button>
            <span class="muted when">{new Date(n.created_at).toLocaleString()}</span>
            <span class="actions">
              {n.state === 'unread' ? (
                <button class="link" onClick={() => setState(n, 'read')}>
                  Mark read
                </button>
              ) : (
                <button class="link" onClick={() => setState(n, 'unread')}>
                  Mark unread
                </button>
              )}
              {n.state !== 'archived' && (
                <button class="link" onClick={() => setState(n, 'archived')}>
                  Archive
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {loaded && items.length === 0 && <p class="muted">Nothing here.</p>}
      {cursor && <button onClick={() => load(tab, cursor)}>Load more</button>}
    </main>
  );
}
