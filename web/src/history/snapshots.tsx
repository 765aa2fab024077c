// Project snapshots (its own chunk): take one, list them, compare two (or one with now) as a
// tree diff, and restore one (Managers; the server snapshots the project first).
import { useState } from 'preact/hooks';
import { canEdit, canManage, errorText, get, Page, post, ProjectView, TeamView } from '../api';
import { ErrorBox, useData } from '../ui';
import type { SnapshotView, TreeChange } from './types';

const CHANGE_TEXT: Record<TreeChange['change'], string> = {
  added: 'added',
  removed: 'removed',
  moved: 'moved',
  retyped: 'retyped',
  changed: 'changed',
};

function describe(c: TreeChange): string {
  if (c.change === 'retyped') return `${c.from} → ${c.to}`;
  if (c.change === 'changed') return (c.fields ?? []).join(', ');
  return '';
}

export default function SnapshotsPage({ projectId }: { projectId: string }) {
  const project = useData(() => get<ProjectView>(`/api/v1/projects/${projectId}`), [projectId]);
  const teamId = project.data?.team_id;
  const team = useData(() => (teamId ? get<TeamView>(`/api/v1/teams/${teamId}`) : Promise.resolve(null)), [teamId]);
  const snapshots = useData(() => get<Page<SnapshotView>>(`/api/v1/projects/${projectId}/snapshots?limit=200`), [projectId]);
  const [message, setMessage] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('now');
  const [diff, setDiff] = useState<{ title: string; changes: TreeChange[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const role = team.data?.role;
  const items = snapshots.data?.items ?? [];
  const act = async (f: () => Promise<void>) => {
    setError(null);
    setDone(null);
    try {
      await f();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const compare = (a: string, b: string) =>
    act(async () => {
      const d = await get<{ changes: TreeChange[] }>(
        `/api/v1/projects/${projectId}/snapshots/diff?from=${a}${b === 'now' ? '' : `&to=${b}`}`,
      );
      setDiff({ title: `Snapshot ${a} → ${b === 'now' ? 'now' : `snapshot ${b}`}`, changes: d.changes });
    });
  const fromValue = from || (items[0] ? String(items[0].number) : '');
  return (
    <main class="page">
      <nav class="crumbs" aria-label="Breadcrumbs">
        <a href={`/projects/${projectId}`}>{project.data?.name ?? 'Project'}</a>
      </nav>
      <h1>Snapshots</h1>
      <ErrorBox error={snapshots.error ?? error} />
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      {canEdit(role) && (
        <form
          class="inline card"
          onSubmit={(e) => {
            e.preventDefault();
            if (!message.trim()) return;
            act(async () => {
              await post(`/api/v1/projects/${projectId}/snapshots`, { message: message.trim() });
              setMessage('');
              snapshots.reload();
            });
          }}
        >
          <label class="field">
            <span>Message</span>
            <input aria-label="Snapshot message" value={message} onInput={(e) => setMessage((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Take a snapshot</button>
        </form>
      )}
      <section class="card" aria-label="Compare snapshots">
        <h2>Compare</h2>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (fromValue) compare(fromValue, to);
          }}
        >
          <select aria-label="Compare from" value={fromValue} onChange={(e) => setFrom((e.target as HTMLSelectElement).value)}>
            {items.map((s) => (
              <option key={s.number} value={String(s.number)}>
                {s.number} {s.message}
              </option>
            ))}
          </select>
          <select aria-label="Compare to" value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
            <option value="now">now</option>
            {items.map((s) => (
              <option key={s.number} value={String(s.number)}>
                {s.number} {s.message}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!fromValue}>
            Compare
          </button>
        </form>
        {diff && (
          <div class="diff" aria-label="Tree changes">
            <h3>{diff.title}</h3>
            {diff.changes.length === 0 && <p class="muted">No differences.</p>}
            <table>
              <tbody>
                {diff.changes.map((c, i) => (
                  <tr key={i}>
                    <td>{c.change === 'added' ? <ins>added</ins> : c.change === 'removed' ? <del>removed</del> : CHANGE_TEXT[c.change]}</td>
                    <td>{c.title}</td>
                    <td class="muted">{describe(c)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <table aria-label="Snapshots">
        <tbody>
          {items.map((s) => (
            <tr key={s.number}>
              <td>#{s.number}</td>
              <td>{s.message}</td>
              <td class="muted">{s.cause}</td>
              <td class="muted">{s.item_count} items</td>
              <td class="muted">
                <time dateTime={s.created_at}>{new Date(s.created_at).toLocaleString()}</time>
              </td>
              <td class="nowrap">
                <button class="link" aria-label={`Compare snapshot ${s.number} with now`} onClick={() => compare(String(s.number), 'now')}>
                  Compare with now
                </button>
                {canManage(role) && (
                  <button
                    class="link"
                    aria-label={`Restore snapshot ${s.number}`}
                    onClick={() =>
                      confirm(`Restore snapshot ${s.number}? The project is snapshotted first; items made since go to the trash.`) &&
                      act(async () => {
                        await post(`/api/v1/projects/${projectId}/snapshots/${s.number}/restore`);
                        setDone(`Snapshot ${s.number} restored.`);
                        snapshots.reload();
                      })
                    }
                  >
                    Restore
                  </button>
                )}
              </td>
            </tr>
          ))}
          {items.length === 0 && (
            <tr>
              <td class="muted">No snapshots yet.</td>
            </tr>
          )}
        </tbody>
      </table>
    </main>
  );
}
