// Shared views (their own chunk): a project's saved views, and one view run — a filtered,
// sorted and grouped list of the project's items. Its owner builds it in place (each change
// is saved and the list reruns), shares it with the team, and anyone who may see the
// project opens it by its link, `/views/{id}`.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  del,
  errorText,
  get,
  ItemType,
  MemberView,
  Page,
  patch,
  post,
  PRIORITIES,
  Priority,
  ProjectView,
  Status,
  STATUSES,
  TYPES,
} from '../api';
import { navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox } from '../ui';

export interface ViewDefinition {
  filters?: {
    types?: string[];
    statuses?: string[];
    priorities?: string[];
    assignees?: string[];
    text?: string | null;
    subtree?: string | null;
  };
  sort?: { field: string; direction?: 'asc' | 'desc' }[];
  group_by?: string | null;
  columns?: string[];
}

export interface SharedView {
  id: string;
  project_id: string;
  owner_id: string;
  name: string;
  visibility: 'private' | 'team';
  definition: ViewDefinition;
  link: string;
  created_at: string;
  updated_at: string;
}

interface ViewItem {
  id: string;
  parent_id?: string | null;
  depth: number;
  type: ItemType;
  status: Status;
  priority: Priority;
  assignee_id?: string | null;
  title: string;
  description?: string | null;
  acceptance_criteria?: { text: string }[] | string[] | null;
}

interface ViewItems {
  total: number;
  group_by?: string | null;
  groups: { key: string | null; total: number; items: ViewItem[] }[];
  next_cursor?: string | null;
}

const SORT_FIELDS = ['tree', 'title', 'type', 'status', 'priority', 'assignee', 'created'];
const GROUPS = ['status', 'type', 'priority', 'assignee'];
const COLUMNS = ['title', 'type', 'status', 'priority', 'assignee', 'parent', 'description', 'acceptance_criteria'];
const DEFAULT_COLUMNS = ['title', 'type', 'status', 'priority', 'assignee'];

function useOrgNames(orgId: string | undefined) {
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    if (!orgId) return;
    get<Page<MemberView>>(`/api/v1/orgs/${orgId}/members?limit=200`).then(
      (p) => setNames(new Map(p.items.map((m) => [m.user_id, m.name]))),
      () => undefined,
    );
  }, [orgId]);
  return names;
}

/// A project's views: the team's and your own; make a new one.
export function ViewsPage({ projectId }: { projectId: string }) {
  const [project, setProject] = useState<ProjectView | null>(null);
  const [views, setViews] = useState<SharedView[] | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const names = useOrgNames(project?.org_id);
  const { me } = useSession();
  useEffect(() => {
    get<ProjectView>(`/api/v1/projects/${projectId}`).then(setProject, (e) => setError(errorText(e)));
    get<Page<SharedView>>(`/api/v1/projects/${projectId}/views`).then((p) => setViews(p.items), (e) => setError(errorText(e)));
  }, [projectId]);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const v = await post<SharedView>(`/api/v1/projects/${projectId}/views`, {
        name: name.trim(),
        visibility: 'private',
        definition: { columns: DEFAULT_COLUMNS, sort: [{ field: 'tree' }] },
      });
      navigate(`/views/${v.id}`);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <main class="page">
      <nav class="crumbs" aria-label="Breadcrumbs">
        <a href={`/projects/${projectId}`}>{project?.name ?? 'Project'}</a>
      </nav>
      <h1>Views</h1>
      <ErrorBox error={error} />
      <ul class="views" aria-label="Saved views">
        {views?.map((v) => (
          <li key={v.id}>
            <a href={`/views/${v.id}`}>{v.name}</a>{' '}
            <span class="badge">{v.visibility === 'team' ? 'shared with the team' : 'private'}</span>{' '}
            <span class="muted">{v.owner_id === me?.user.id ? 'yours' : `by ${names.get(v.owner_id) ?? 'someone'}`}</span>
          </li>
        ))}
        {views?.length === 0 && <li class="muted">No views yet.</li>}
      </ul>
      <form class="inline" onSubmit={create} aria-label="New view">
        <input aria-label="View name" placeholder="Name of a new view" value={name} required maxLength={100} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit">New view</button>
      </form>
    </main>
  );
}

function toggle(list: string[] | undefined, v: string): string[] {
  const xs = list ?? [];
  return xs.includes(v) ? xs.filter((x) => x !== v) : [...xs, v];
}

function Checks(props: { label: string; options: { value: string; text: string }[]; value: string[] | undefined; onChange: (v: string[]) => void; disabled: boolean }) {
  return (
    <fieldset class="checks" disabled={props.disabled}>
      <legend>{props.label}</legend>
      {props.options.map((o) => (
        <label key={o.value}>
          <input
            type="checkbox"
            aria-label={`${props.label}: ${o.text}`}
            checked={(props.value ?? []).includes(o.value)}
            onChange={() => props.onChange(toggle(props.value, o.value))}
          />{' '}
          {o.text}
        </label>
      ))}
    </fieldset>
  );
}

const plain = (xs: string[]) => xs.map((x) => ({ value: x, text: x.replace(/_/g, ' ') }));

/// The builder: every change is saved (the owner's) and the list reruns.
function Builder(props: { def: ViewDefinition; names: Map<string, string>; disabled: boolean; onChange: (d: ViewDefinition) => void }) {
  const { def, onChange, disabled } = props;
  const f = def.filters ?? {};
  const sort = def.sort?.[0] ?? { field: 'tree', direction: 'asc' as const };
  const [text, setText] = useState(f.text ?? '');
  useEffect(() => setText(f.text ?? ''), [f.text]);
  const setFilters = (patchF: Partial<NonNullable<ViewDefinition['filters']>>) => onChange({ ...def, filters: { ...f, ...patchF } });
  const people = [{ value: 'me', text: 'me' }, { value: 'none', text: 'nobody' }, ...[...props.names].map(([id, n]) => ({ value: id, text: n }))];
  return (
    <div class="builder" aria-label="View definition">
      <Checks label="Type" options={plain(TYPES)} value={f.types} onChange={(types) => setFilters({ types })} disabled={disabled} />
      <Checks label="Status" options={plain(STATUSES)} value={f.statuses} onChange={(statuses) => setFilters({ statuses })} disabled={disabled} />
      <Checks label="Priority" options={plain(PRIORITIES)} value={f.priorities} onChange={(priorities) => setFilters({ priorities })} disabled={disabled} />
      <Checks label="Assignee" options={people} value={f.assignees} onChange={(assignees) => setFilters({ assignees })} disabled={disabled} />
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ text: text.trim() || null });
        }}
      >
        <input aria-label="Text" placeholder="Words in the title or text" value={text} disabled={disabled} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={disabled}>
          Filter
        </button>
      </form>
      <div class="inline">
        <label class="field small">
          <span>Sort by</span>
          <select
            aria-label="Sort by"
            disabled={disabled}
            value={sort.field}
            onChange={(e) => onChange({ ...def, sort: [{ field: (e.target as HTMLSelectElement).value, direction: sort.direction ?? 'asc' }] })}
          >
            {plain(SORT_FIELDS).map((o) => (
              <option key={o.value} value={o.value}>
                {o.text}
              </option>
            ))}
          </select>
        </label>
        <label class="field small">
          <span>Order</span>
          <select
            aria-label="Order"
            disabled={disabled}
            value={sort.direction ?? 'asc'}
            onChange={(e) => onChange({ ...def, sort: [{ field: sort.field, direction: (e.target as HTMLSelectElement).value as 'asc' | 'desc' }] })}
          >
            <option value="asc">ascending</option>
            <option value="desc">descending</option>
          </select>
        </label>
        <label class="field small">
          <span>Group by</span>
          <select
            aria-label="Group by"
            disabled={disabled}
            value={def.group_by ?? ''}
            onChange={(e) => onChange({ ...def, group_by: (e.target as HTMLSelectElement).value || null })}
          >
            <option value="">nothing</option>
            {plain(GROUPS).map((o) => (
              <option key={o.value} value={o.value}>
                {o.text}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Checks
        label="Columns"
        options={plain(COLUMNS)}
        value={def.columns ?? DEFAULT_COLUMNS}
        onChange={(columns) => columns.length && onChange({ ...def, columns: COLUMNS.filter((c) => columns.includes(c)) })}
        disabled={disabled}
      />
    </div>
  );
}

function groupName(by: string | null | undefined, key: string | null, names: Map<string, string>): string {
  if (key === null) return '';
  if (by === 'assignee') return key === 'none' ? 'Unassigned' : names.get(key) ?? 'Someone';
  return key.replace(/_/g, ' ');
}

function cell(item: ViewItem, column: string, names: Map<string, string>, titles: Map<string, string>) {
  switch (column) {
    case 'title':
      return item.title;
    case 'type':
      return <span class={`badge type-${item.type}`}>{item.type}</span>;
    case 'status':
      return item.status.replace('_', ' ');
    case 'priority':
      return item.priority;
    case 'assignee':
      return item.assignee_id ? names.get(item.assignee_id) ?? 'someone' : '';
    case 'parent':
      return item.parent_id ? titles.get(item.parent_id) ?? '' : '';
    case 'description':
      return <span class="clip">{(item.description ?? '').slice(0, 200)}</span>;
    case 'acceptance_criteria':
      return String((item.acceptance_criteria ?? []).length);
    default:
      return '';
  }
}

/// One view, run; its owner edits it in place.
export function ViewPage({ viewId }: { viewId: string }) {
  const { me } = useSession();
  const [view, setView] = useState<SharedView | null>(null);
  const [project, setProject] = useState<ProjectView | null>(null);
  const [result, setResult] = useState<ViewItems | null>(null);
  const [more, setMore] = useState<ViewItems['groups']>([]);
  const [error, setError] = useState<string | null>(null);
  const names = useOrgNames(project?.org_id);
  const run = async (after: string | null = null) => {
    try {
      const q = new URLSearchParams({ limit: '200' });
      if (after) q.set('cursor', after);
      const r = await get<ViewItems>(`/api/v1/views/${viewId}/items?${q}`);
      if (after) {
        setMore((m) => [...m, ...r.groups]);
        setResult((old) => (old ? { ...old, next_cursor: r.next_cursor } : r));
      } else {
        setMore([]);
        setResult(r);
      }
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    setError(null);
    get<SharedView>(`/api/v1/views/${viewId}`).then(
      (v) => {
        setView(v);
        get<ProjectView>(`/api/v1/projects/${v.project_id}`).then(setProject, () => undefined);
      },
      (e) => setError(errorText(e)),
    );
    run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [viewId]);
  const mine = !!view && view.owner_id === me?.user.id;
  // Changes show at once, so the next one builds on them, and are saved one after another
  // in the order they were made; the list reruns after the last. (Saving each change from
  // the last saved definition lost changes made while a save was under way.)
  const saving = useRef<Promise<void>>(Promise.resolve());
  const latest = useRef(0);
  const [pending, setPending] = useState(0);
  const save = (change: Partial<Pick<SharedView, 'name' | 'visibility' | 'definition'>>) => {
    setError(null);
    setView((v) => (v ? { ...v, ...change } : v));
    const n = ++latest.current;
    setPending((p) => p + 1);
    saving.current = saving.current.then(async () => {
      try {
        const saved = await patch<SharedView>(`/api/v1/views/${viewId}`, change);
        if (n === latest.current) {
          setView(saved);
          await run();
        }
      } catch (e) {
        setError(errorText(e));
        // Show what is saved, not the change that was refused.
        await get<SharedView>(`/api/v1/views/${viewId}`).then(setView, () => undefined);
      } finally {
        setPending((p) => p - 1);
      }
    });
  };
  const groups = useMemo(() => {
    // Later pages continue the groups of the first.
    const all = new Map<string | null, ViewItem[]>();
    const totals = new Map<string | null, number>();
    for (const g of [...(result?.groups ?? []), ...more]) {
      all.set(g.key, [...(all.get(g.key) ?? []), ...g.items]);
      totals.set(g.key, g.total);
    }
    return [...all].map(([key, items]) => ({ key, items, total: totals.get(key) ?? items.length }));
  }, [result, more]);
  const titles = useMemo(() => new Map(groups.flatMap((g) => g.items.map((i) => [i.id, i.title] as const))), [groups]);
  const columns = view?.definition.columns?.length ? view.definition.columns : DEFAULT_COLUMNS;
  return (
    <main class="page view-page">
      <nav class="crumbs" aria-label="Breadcrumbs">
        {project && <a href={`/projects/${project.id}`}>{project.name}</a>}
        {project && <a href={`/projects/${project.id}/views`}>Views</a>}
      </nav>
      <header class="page-head">
        <h1>{view?.name ?? 'View'}</h1>
        {view && <span class="badge">{view.visibility === 'team' ? 'shared with the team' : 'private'}</span>}
        <span class="grow" />
        {mine && view && (
          <>
            <span class="muted" role="status" aria-label="Save state">
              {pending ? 'Saving…' : 'Saved'}
            </span>
            <button onClick={() => save({ visibility: view.visibility === 'team' ? 'private' : 'team' })}>
              {view.visibility === 'team' ? 'Make private' : 'Share with the team'}
            </button>
            <button
              class="danger"
              onClick={async () => {
                if (!confirm(`Delete the view “${view.name}”?`)) return;
                try {
                  await del(`/api/v1/views/${viewId}`);
                  navigate(`/projects/${view.project_id}/views`);
                } catch (e) {
                  setError(errorText(e));
                }
              }}
            >
              Delete
            </button>
          </>
        )}
      </header>
      {view && (
        <p class="muted">
          Link: <input class="link-box" aria-label="Link to this view" readOnly value={view.link} onFocus={(e) => (e.target as HTMLInputElement).select()} />
        </p>
      )}
      <ErrorBox error={error} />
      {view && mine && <Builder def={view.definition} names={names} disabled={false} onChange={(definition) => save({ definition })} />}
      {result && (
        <p class="muted" role="status" aria-label="View total">
          {result.total} {result.total === 1 ? 'item' : 'items'}
        </p>
      )}
      {groups.map((g) => (
        <section key={g.key ?? 'all'} class="view-group" aria-label={g.key === null ? 'Items' : `Group ${groupName(result?.group_by, g.key, names)}`}>
          {g.key !== null && (
            <h2>
              {groupName(result?.group_by, g.key, names)} <span class="muted">({g.total})</span>
            </h2>
          )}
          <table class="view-table">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c}>{c.replace(/_/g, ' ')}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {g.items.map((i) => (
                <tr key={i.id} data-item={i.id}>
                  {columns.map((c) => (
                    <td key={c}>{c === 'title' ? <a href={`/projects/${view?.project_id}/items/${i.id}`}>{i.title}</a> : cell(i, c, names, titles)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      {result?.next_cursor && <button onClick={() => run(result.next_cursor ?? null)}>Load more</button>}
    </main>
  );
}
