// The organization's audit log for its Admins and Owners (its own chunk): filters by time
// range, actor, action and target, pages of records newest first, and an export of the
// range as JSON Lines or CSV (streamed by the server, recorded as `audit.exported`).
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, MemberView, OrgView, Page } from '../api';
import { ErrorBox, useData } from '../ui';

interface AuditRecordView {
  id: string;
  seq: number;
  at: string;
  action: string;
  actor_id?: string | null;
  target_kind: string;
  target_id?: string | null;
  data: unknown;
  ip?: string | null;
}

interface Filters {
  from: string;
  to: string;
  actor: string;
  action: string;
  target_kind: string;
  target_id: string;
}

const EMPTY: Filters = { from: '', to: '', actor: '', action: '', target_kind: '', target_id: '' };

/// A `datetime-local` value (local time) as RFC 3339 UTC.
const rfc3339 = (local: string) => (local ? new Date(local).toISOString() : '');

function query(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.from) q.set('from', rfc3339(f.from));
  if (f.to) q.set('to', rfc3339(f.to));
  for (const k of ['actor', 'action', 'target_kind', 'target_id'] as const) if (f[k].trim()) q.set(k, f[k].trim());
  return q;
}

export default function AuditPage({ orgId }: { orgId: string }) {
  const org = useData(() => get<OrgView>(`/api/v1/orgs/${orgId}`), [orgId]);
  const members = useData(() => get<Page<MemberView>>(`/api/v1/orgs/${orgId}/members?limit=200`), [orgId]);
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [records, setRecords] = useState<AuditRecordView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const names = new Map((members.data?.items ?? []).map((m) => [m.user_id, m.name]));

  const load = async (f: Filters, after: string | null) => {
    setError(null);
    try {
      const q = query(f);
      q.set('limit', '100');
      if (after) q.set('cursor', after);
      const p = await get<Page<AuditRecordView>>(`/api/v1/orgs/${orgId}/audit?${q}`);
      setRecords((r) => (after ? [...r, ...p.items] : p.items));
      setCursor(p.next_cursor ?? null);
      setApplied(f);
      setLoaded(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load(EMPTY, null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [orgId]);
  const set = (k: keyof Filters) => (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });
  const exportQuery = (format: string) => {
    const q = new URLSearchParams({ format });
    if (applied.from) q.set('from', rfc3339(applied.from));
    if (applied.to) q.set('to', rfc3339(applied.to));
    return `/api/v1/orgs/${orgId}/audit/export?${q}`;
  };
  return (
    <main class="page">
      <nav class="crumbs" aria-label="Breadcrumbs">
        <a href={`/orgs/${orgId}`}>{org.data?.name ?? 'Organization'}</a>
      </nav>
      <h1>Audit log</h1>
      <form
        class="filters-grid card"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          load(draft, null);
        }}
      >
        <label class="field">
          <span>From</span>
          <input type="datetime-local" aria-label="From" value={draft.from} onInput={set('from')} />
        </label>
        <label class="field">
          <span>To</span>
          <input type="datetime-local" aria-label="To" value={draft.to} onInput={set('to')} />
        </label>
        <label class="field">
          <span>Actor</span>
          <select aria-label="Actor" value={draft.actor} onChange={set('actor')}>
            <option value="">anyone</option>
            {(members.data?.items ?? []).map((m) => (
              <option key={m.user_id} value={m.user_id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Action</span>
          <input aria-label="Action" placeholder="e.g. comment.created" value={draft.action} onInput={set('action')} />
        </label>
        <label class="field">
          <span>Target kind</span>
          <input aria-label="Target kind" placeholder="e.g. item" value={draft.target_kind} onInput={set('target_kind')} />
        </label>
        <label class="field">
          <span>Target id</span>
          <input aria-label="Target id" value={draft.target_id} onInput={set('target_id')} />
        </label>
        <button type="submit">Apply</button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            setDraft(EMPTY);
            load(EMPTY, null);
          }}
        >
          Clear
        </button>
        <span class="grow" />
        <a href={exportQuery('jsonl')} download>
          Export JSON Lines
        </a>
        <a href={exportQuery('csv')} download>
          Export CSV
        </a>
      </form>
      <ErrorBox error={org.error ?? error} />
      <p class="muted small">Exports cover the time range only (oldest first); the other filters narrow this view.</p>
      <table class="audit" aria-label="Audit records">
        <thead>
          <tr>
            <th>#</th>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Data</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.id}>
              <td>{r.seq}</td>
              <td class="nowrap">
                <time dateTime={r.at}>{new Date(r.at).toLocaleString()}</time>
              </td>
              <td>{r.actor_id ? (names.get(r.actor_id) ?? r.actor_id) : 'system'}</td>
              <td>
                <code>{r.action}</code>
              </td>
              <td>
                {r.target_kind}
                {r.target_id ? <code> {r.target_id}</code> : null}
              </td>
              <td>
                <code>{JSON.stringify(r.data).slice(0, 200)}</code>
              </td>
            </tr>
          ))}
          {loaded && records.length === 0 && (
            <tr>
              <td colSpan={6} class="muted">
                No records match.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {cursor && (
        <button type="button" onClick={() => load(applied, cursor)}>
          Load more
        </button>
      )}
    </main>
  );
}
