// The activity feed of a project, a team or a person (its own chunk): newest first, paged
// with the feed's cursor, filtered by kind and by who did it, and live: the feed's
// Server-Sent Events stream adds each activity the moment it commits (a `resync` reloads).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorText, get, ItemView, MemberView, Page, ProjectView, TeamView } from '../api';
import { useSession } from '../session';
import { ErrorBox } from '../ui';

export interface ActivityView {
  id: number;
  org_id: string;
  team_id: string;
  project_id: string;
  item_id?: string | null;
  actor_id?: string | null;
  kind: string;
  data: Record<string, unknown>;
  created_at: string;
}

export type FeedScope = { kind: 'project' | 'team' | 'user'; id: string };

export const ACTIVITY_KINDS = [
  'item_created',
  'items_created',
  'item_edited',
  'status_changed',
  'item_moved',
  'item_trashed',
  'item_restored',
  'item_purged',
  'commented',
  'comment_edited',
  'comment_deleted',
  'thread_resolved',
  'thread_reopened',
  'mentioned',
  'reacted',
  'version_saved',
  'version_restored',
  'snapshot_taken',
  'snapshot_restored',
];

const base = (s: FeedScope) => `/api/v1/${s.kind === 'user' ? 'users' : `${s.kind}s`}/${s.id}/activity`;

/// What an activity says, after the actor's name.
export function describe(a: ActivityView, title: string): string {
  const d = a.data ?? {};
  const t = `“${title}”`;
  const n = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : undefined);
  switch (a.kind) {
    case 'item_created':
      return `created ${t}`;
    case 'items_created':
      return `created ${n('count') ?? 'several'} items`;
    case 'item_edited': {
      const fields = Array.isArray(d.fields) ? (d.fields as string[]).join(', ') : '';
      return `edited ${t}${fields ? ` (${fields})` : ''}`;
    }
    case 'status_changed':
      return `moved ${t} from ${String(d.from ?? '?').replace('_', ' ')} to ${String(d.to ?? '?').replace('_', ' ')}`;
    case 'item_moved':
      return `moved ${t} in the tree`;
    case 'item_trashed':
      return `moved ${t} to the trash`;
    case 'item_restored':
      return `restored ${t} from the trash`;
    case 'item_purged':
      return d.reason === 'retention' ? `${t} was purged by retention` : `deleted ${t} for good`;
    case 'commented':
      return d.reply ? `replied on ${t}` : `commented on ${t}`;
    case 'comment_edited':
      return `edited a comment on ${t}`;
    case 'comment_deleted':
      return `deleted a comment on ${t}`;
    case 'thread_resolved':
      return `resolved a thread on ${t}`;
    case 'thread_reopened':
      return `reopened a thread on ${t}`;
    case 'mentioned': {
      const users = Array.isArray(d.users) ? d.users.length : 0;
      return `mentioned ${users === 1 ? 'someone' : `${users} people`} on ${t}`;
    }
    case 'reacted':
      return `${d.added === false ? 'took back' : 'reacted'} ${String(d.emoji ?? '')} on ${t}`;
    case 'version_saved':
      return `saved version ${n('version') ?? ''} of ${t}`;
    case 'version_restored':
      return `restored ${t} to version ${n('restored_from') ?? '?'}`;
    case 'snapshot_taken':
      return `took snapshot ${n('snapshot') ?? ''} of the project`;
    case 'snapshot_restored':
      return `restored the project to snapshot ${n('snapshot') ?? ''}`;
    default:
      return `${a.kind.replace(/_/g, ' ')} ${t}`;
  }
}

/// Names of everyone in the reader's organizations, read once per page.
function usePeopleNames(): Map<string, string> {
  const { me } = useSession();
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    const orgs = (me?.organizations ?? []).map((o) => o.org_id);
    Promise.all(orgs.map((o) => get<Page<MemberView>>(`/api/v1/orgs/${o}/members?limit=200`).catch(() => ({ items: [] }))))
      .then((pages) => setNames(new Map(pages.flatMap((p) => p.items.map((m) => [m.user_id, m.name] as const)))));
  }, [me?.user.id]);
  return names;
}

/// Titles of the feed's items, fetched once each.
function useTitles(scope: FeedScope, activities: ActivityView[]) {
  const [titles, setTitles] = useState<Map<string, string>>(new Map());
  const asked = useRef(new Set<string>());
  useEffect(() => {
    if (scope.kind !== 'project') return;
    get<{ items: { id: string; title: string }[] }>(`/api/v1/projects/${scope.id}/tree`).then(
      (t) => setTitles((m) => new Map([...m, ...t.items.map((i) => [i.id, i.title] as const)])),
      () => undefined,
    );
  }, [scope.kind, scope.id]);
  useEffect(() => {
    const missing = [...new Set(activities.map((a) => a.item_id).filter((i): i is string => !!i))].filter(
      (i) => !titles.has(i) && !asked.current.has(i),
    );
    for (const id of missing.slice(0, 60)) {
      asked.current.add(id);
      get<ItemView>(`/api/v1/items/${id}`).then(
        (item) => setTitles((m) => new Map(m).set(id, item.title)),
        () => setTitles((m) => new Map(m).set(id, 'a deleted item')),
      );
    }
  }, [activities, titles]);
  return titles;
}

function ActivityFeed({ scope, names }: { scope: FeedScope; names: Map<string, string> }) {
  const [kind, setKind] = useState('');
  const [actor, setActor] = useState('');
  const [items, setItems] = useState<ActivityView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const filters = useMemo(() => {
    const q = new URLSearchParams();
    if (kind) q.set('kind', kind);
    if (actor) q.set('actor', actor);
    return q;
  }, [kind, actor]);
  const key = `${base(scope)}?${filters}`;
  const keyRef = useRef(key);
  keyRef.current = key;

  const load = async (after: string | null) => {
    const at = key;
    setError(null);
    try {
      const q = new URLSearchParams(filters);
      q.set('limit', '50');
      if (after) q.set('cursor', after);
      const p = await get<Page<ActivityView>>(`${base(scope)}?${q}`);
      if (keyRef.current !== at) return;
      setItems((xs) => (after ? [...xs, ...p.items] : p.items));
      setCursor(p.next_cursor ?? null);
      setLoaded(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    setLoaded(false);
    load(null);
    const es = new EventSource(`${base(scope)}/stream?${filters}`);
    es.addEventListener('activity', (e) => {
      try {
        const a = JSON.parse((e as MessageEvent).data) as ActivityView;
        setItems((xs) => (xs.some((x) => x.id === a.id) ? xs : [a, ...xs].sort((x, y) => y.id - x.id)));
      } catch {
        load(null);
      }
    });
    es.addEventListener('resync', () => load(null));
    es.onopen = () => setLive(true);
    es.onerror = () => setLive(false);
    return () => es.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const titles = useTitles(scope, items);
  const actors = useMemo(() => [...names.entries()].sort((a, b) => a[1].localeCompare(b[1])), [names]);
  return (
    <section class="activity" aria-label="Activity">
      <div class="filters">
        <label class="field small">
          <span>Kind</span>
          <select aria-label="Kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">everything</option>
            {ACTIVITY_KINDS.map((k) => (
              <option key={k} value={k}>
                {k.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        {scope.kind !== 'user' && (
          <label class="field small">
            <span>By</span>
            <select aria-label="By" value={actor} onChange={(e) => setActor((e.target as HTMLSelectElement).value)}>
              <option value="">anyone</option>
              {actors.map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
        <span class={`live ${live ? 'on' : 'off'}`} role="status" aria-label="Activity updates">
          {live ? 'live' : 'reconnecting…'}
        </span>
      </div>
      <ErrorBox error={error} />
      <ol class="feed" aria-label="Activity feed">
        {items.map((a) => {
          const who = a.actor_id ? names.get(a.actor_id) ?? 'Someone' : 'Spec Tree';
          const title = a.item_id ? titles.get(a.item_id) ?? '…' : '';
          const text = describe(a, title);
          return (
            <li key={a.id} data-kind={a.kind}>
              {a.actor_id ? (
                <a class="who" href={`/people/${a.actor_id}/activity`}>
                  {who}
                </a>
              ) : (
                <span class="who">{who}</span>
              )}{' '}
              {a.item_id ? <a href={`/projects/${a.project_id}/items/${a.item_id}`}>{text}</a> : <span>{text}</span>}
              <time class="muted" dateTime={a.created_at}>
                {' '}
                {new Date(a.created_at).toLocaleString()}
              </time>
            </li>
          );
        })}
      </ol>
      {loaded && items.length === 0 && <p class="muted">No activity yet.</p>}
      {cursor && <button onClick={() => load(cursor)}>Load more</button>}
    </section>
  );
}

export default function ActivityPage({ scope }: { scope: FeedScope }) {
  const names = usePeopleNames();
  const project = useTitle(scope, names);
  return (
    <main class="page">
      <nav class="crumbs" aria-label="Breadcrumbs">
        {scope.kind === 'project' && <a href={`/projects/${scope.id}`}>{project ?? 'Project'}</a>}
        {scope.kind === 'team' && <a href={`/teams/${scope.id}`}>{project ?? 'Team'}</a>}
      </nav>
      <h1>Activity{project ? ` · ${project}` : ''}</h1>
      <ActivityFeed scope={scope} names={names} />
    </main>
  );
}

/// The name of the feed's project, team or person.
function useTitle(scope: FeedScope, names: Map<string, string>): string | null {
  const { me } = useSession();
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    setName(null);
    if (scope.kind === 'project') get<ProjectView>(`/api/v1/projects/${scope.id}`).then((p) => setName(p.name), () => undefined);
    else if (scope.kind === 'team') get<TeamView>(`/api/v1/teams/${scope.id}`).then((t) => setName(t.name), () => undefined);
  }, [scope.kind, scope.id]);
  if (scope.kind !== 'user') return name;
  return scope.id === 'me' || scope.id === me?.user.id ? 'You' : names.get(scope.id) ?? null;
}
