// A project: its spec tree (kept current by the project's event stream) beside the editor
// of the selected item, which loads as its own chunk.
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  canEdit,
  canManage,
  del,
  errorText,
  get,
  ItemView,
  MemberView,
  Page,
  post,
  ProjectView,
  TeamMemberView,
  TeamView,
  TrashEntry,
  TreeView,
} from '../api';
import { navigate } from '../router';
import { ErrorBox, useData } from '../ui';
import { emitProjectEvent, ProjectEvent } from '../events';
import { LiveRow, SpecTree } from './tree';

const ItemEditor = lazy(() => import('../editor/editor'));

/// Keeps the tree current from the project's event stream: an `updated` item is fetched
/// alone and patched into its row (a large tree is not fetched again for a title or status
/// change); any other change, a `resync` or a reconnect reloads the whole tree (debounced).
function useTree(projectId: string) {
  const tree = useData(() => get<TreeView>(`/api/v1/projects/${projectId}/tree`), [projectId]);
  const reload = useRef(tree.reload);
  reload.current = tree.reload;
  const [live, setLive] = useState(false);
  const [patched, setPatched] = useState<Map<string, ItemView>>(new Map());
  // A full reload started after an item fetch makes that fetch's answer stale.
  const epoch = useRef(0);
  useEffect(() => setPatched(new Map()), [tree.data]);
  useEffect(() => {
    let timer: number | undefined;
    const full = () => {
      epoch.current++;
      clearTimeout(timer);
      timer = window.setTimeout(() => reload.current(), 50);
    };
    const one = (id: string) => {
      const at = epoch.current;
      get<ItemView>(`/api/v1/items/${id}`).then(
        (item) => at === epoch.current && setPatched((m) => new Map(m).set(id, item)),
        full,
      );
    };
    const es = new EventSource(`/api/v1/projects/${projectId}/events`);
    const parse = (e: MessageEvent): Partial<ProjectEvent> => {
      try {
        return JSON.parse(e.data);
      } catch {
        return {}; // A hint without data still means "reload".
      }
    };
    es.addEventListener('item', (e) => {
      const data = parse(e);
      if (data.kind === 'updated' && data.item_id) one(data.item_id);
      else full();
      emitProjectEvent({ ...data, type: 'item' });
    });
    es.addEventListener('resync', (e) => {
      full();
      emitProjectEvent({ ...parse(e), type: 'resync' });
    });
    es.addEventListener('discussion', (e) => emitProjectEvent({ ...parse(e), type: 'discussion' }));
    es.onopen = () => {
      setLive(true);
      full();
      emitProjectEvent({ type: 'open' });
    };
    es.onerror = () => setLive(false);
    return () => {
      clearTimeout(timer);
      es.close();
    };
  }, [projectId]);
  const nodes = useMemo(() => {
    const items = tree.data?.items ?? [];
    if (!patched.size) return items;
    return items.map((n) => {
      const p = patched.get(n.id);
      return p ? { ...n, title: p.title, type: p.type, status: p.status, priority: p.priority, assignee_id: p.assignee_id } : n;
    });
  }, [tree.data, patched]);
  return { ...tree, nodes, live };
}

export function ProjectPage({ projectId, itemId }: { projectId: string; itemId: string | null }) {
  const project = useData(() => get<ProjectView>(`/api/v1/projects/${projectId}`), [projectId]);
  const teamId = project.data?.team_id;
  const team = useData(() => (teamId ? get<TeamView>(`/api/v1/teams/${teamId}`) : Promise.resolve(null)), [teamId]);
  const members = useData(
    () => (teamId ? get<Page<TeamMemberView>>(`/api/v1/teams/${teamId}/members?limit=200`) : Promise.resolve({ items: [] })),
    [teamId],
  );
  const orgId = project.data?.org_id;
  // Names of everyone in the organization, for comment and version authors.
  const people = useData(
    () => (orgId ? get<Page<MemberView>>(`/api/v1/orgs/${orgId}/members?limit=200`) : Promise.resolve({ items: [] })),
    [orgId],
  );
  const tree = useTree(projectId);
  // The open item as its live document has it: the tree shows its title and fields at once,
  // before the server has projected the edit into the row and said so.
  const [liveRow, setLiveRow] = useState<LiveRow | null>(null);
  const role = team.data?.role;
  const open = (id: string) => navigate(`/projects/${projectId}/items/${id}`);
  return (
    <main class="page project">
      <ErrorBox error={project.error ?? tree.error} />
      <header class="project-head">
        <nav class="crumbs" aria-label="Breadcrumbs">
          {team.data && <a href={`/teams/${team.data.id}`}>{team.data.name}</a>}
        </nav>
        <h1>{project.data?.name ?? '…'}</h1>
        <span class={`live ${tree.live ? 'on' : 'off'}`} role="status" aria-label="Tree updates">
          {tree.live ? 'live' : 'reconnecting…'}
        </span>
        <a href={`/projects/${projectId}/activity`}>Activity</a>
        <a href={`/projects/${projectId}/views`}>Views</a>
        <a href={`/projects/${projectId}/snapshots`}>Snapshots</a>
        <a href={`/projects/${projectId}/trash`}>Trash</a>
      </header>
      <div class="split">
        <SpecTree
          projectId={projectId}
          nodes={tree.nodes}
          selected={itemId}
          live={liveRow && liveRow.id === itemId ? liveRow : null}
          editable={canEdit(role)}
          manager={canManage(role)}
          onOpen={open}
          onChanged={tree.reload}
        />
        <section class="editor-pane" aria-label="Work item">
          {itemId ? (
            <Suspense fallback={<p class="muted">Loading the editor…</p>}>
              <ItemEditor
                key={itemId}
                itemId={itemId}
                editable={canEdit(role)}
                manager={canManage(role)}
                canComment={canEdit(role) || (role === 'viewer' && !!team.data?.viewers_can_comment)}
                members={members.data?.items ?? []}
                people={people.data?.items ?? []}
                onLive={setLiveRow}
              />
            </Suspense>
          ) : (
            <p class="muted placeholder">Select an item in the tree to edit it.</p>
          )}
        </section>
      </div>
    </main>
  );
}

export function TrashPage({ projectId }: { projectId: string }) {
  const project = useData(() => get<ProjectView>(`/api/v1/projects/${projectId}`), [projectId]);
  const trash = useData(
    () => get<{ items: TrashEntry[] }>(`/api/v1/projects/${projectId}/trash`),
    [projectId],
  );
  const [error, setError] = useState<string | null>(null);
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      trash.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <main class="page">
      <nav class="crumbs" aria-label="Breadcrumbs">
        <a href={`/projects/${projectId}`}>{project.data?.name ?? 'Project'}</a>
      </nav>
      <h1>Trash</h1>
      <ErrorBox error={trash.error ?? error} />
      <table aria-label="Deleted items">
        <tbody>
          {trash.data?.items.map((t) => (
            <tr key={t.item_id}>
              <td>
                <span class={`badge type-${t.type}`}>{t.type}</span> {t.title}
              </td>
              <td class="muted">{t.count > 1 ? `with ${t.count - 1} more` : ''}</td>
              <td class="muted">{t.deleted_at ? new Date(t.deleted_at).toLocaleString() : ''}</td>
              <td>
                <button
                  aria-label={`Restore ${t.title}`}
                  onClick={() => act(() => post(`/api/v1/projects/${projectId}/trash/${t.item_id}/restore`))}
                >
                  Restore
                </button>{' '}
                <button
                  class="danger"
                  aria-label={`Delete ${t.title} for good`}
                  onClick={() =>
                    confirm(`Delete “${t.title}” for good?`) &&
                    act(() => del(`/api/v1/projects/${projectId}/trash/${t.item_id}`))
                  }
                >
                  Delete for good
                </button>
              </td>
            </tr>
          ))}
          {trash.data?.items.length === 0 && (
            <tr>
              <td class="muted">The trash is empty.</td>
            </tr>
          )}
        </tbody>
      </table>
    </main>
  );
}
