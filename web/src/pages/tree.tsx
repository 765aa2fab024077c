// The spec tree of a project: expand/collapse, create children, rename inline, drag to
// reorder and re-parent (or Alt+arrows), filters, and keyboard navigation (arrows, Enter, `a`
// adds a child, F2 renames, Delete trashes). Server refusals appear as a visible message.
// Rows are virtualised: only those in view (and a few around them) are in the DOM, so a
// project of tens of thousands of items renders and scrolls like a small one.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { del, errorText, ItemType, ItemView, patch, post, Priority, Status, STATUSES, TreeNode, TYPES } from '../api';

/// The open item's title and fields as its live document holds them (shown before the
/// server's projection catches up).
export interface LiveRow {
  id: string;
  title: string;
  type: ItemType;
  status: Status;
  priority: Priority;
}

/// Every row has this height (px, as `.tree .row` in styles.css), so the window of rows to
/// draw follows from the scroll offset alone.
export const ROW_HEIGHT = 30;
/// Rows drawn above and below the visible ones.
const OVERSCAN = 12;

type Entry = { node: TreeNode; adding?: false } | { node: TreeNode; adding: true };

/// The type a new child gets: one rank below its parent.
const CHILD_TYPE: Record<ItemType, ItemType> = { epic: 'feature', feature: 'story', story: 'task', task: 'task' };

export interface TreeProps {
  projectId: string;
  nodes: TreeNode[];
  selected: string | null;
  live?: LiveRow | null;
  editable: boolean;
  manager: boolean;
  onOpen: (id: string) => void;
  onChanged: () => void;
}

type Drop = { id: string; where: 'before' | 'after' | 'inside' };

export function SpecTree(props: TreeProps) {
  const { nodes, editable } = props;
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [focus, setFocus] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [adding, setAdding] = useState<string | null | undefined>(undefined); // parent id, null = root
  const [typeFilter, setTypeFilter] = useState('');
  const [statusFilter, setStatusFilter] = useState('');
  const [text, setText] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [drop, setDrop] = useState<Drop | null>(null);
  const dragged = useRef<string | null>(null);
  // The drop target as of the last dragover, read by the drop handler: the state above
  // only draws it, and may not have been rendered yet when a quick drop arrives.
  const dropRef = useRef<Drop | null>(null);
  const treeRef = useRef<HTMLUListElement>(null);

  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  const [children, posInSet] = useMemo(() => {
    const m = new Map<string | null, TreeNode[]>();
    const pos = new Map<string, number>();
    for (const n of nodes) {
      const k = n.parent_id ?? null;
      if (!m.has(k)) m.set(k, []);
      const list = m.get(k)!;
      list.push(n);
      pos.set(n.id, list.length);
    }
    return [m, pos] as const;
  }, [nodes]);
  const [scroll, setScroll] = useState({ top: 0, height: 800 });
  const frame = useRef(0);
  const measure = () => {
    const el = treeRef.current;
    // Never more than the window: a container not yet laid out can report its content.
    if (el) setScroll({ top: el.scrollTop, height: Math.min(el.clientHeight, window.innerHeight) });
  };
  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(measure);
  };
  useLayoutEffect(measure, []);
  useEffect(() => {
    const el = treeRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => {
      ro.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, []);
  const filtering = !!(typeFilter || statusFilter || text.trim());
  // With a filter on, matches and their ancestors show, all expanded.
  const shown = useMemo(() => {
    if (!filtering) return null;
    const needle = text.trim().toLowerCase();
    const keep = new Set<string>();
    for (const n of nodes) {
      const ok =
        (!typeFilter || n.type === typeFilter) &&
        (!statusFilter || n.status === statusFilter) &&
        (!needle || n.title.toLowerCase().includes(needle));
      if (!ok) continue;
      let cur: TreeNode | undefined = n;
      while (cur && !keep.has(cur.id)) {
        keep.add(cur.id);
        cur = cur.parent_id ? byId.get(cur.parent_id) : undefined;
      }
    }
    return keep;
  }, [filtering, nodes, typeFilter, statusFilter, text, byId]);

  // The visible rows in order (for the keyboard), and the entries drawn: rows plus the
  // input of a new child right under its parent.
  const rows: TreeNode[] = [];
  const entries: Entry[] = [];
  const walk = (parent: string | null) => {
    for (const n of children.get(parent) ?? []) {
      if (shown && !shown.has(n.id)) continue;
      rows.push(n);
      entries.push({ node: n });
      if (adding === n.id) entries.push({ node: n, adding: true });
      if (shown || !collapsed.has(n.id)) walk(n.id);
    }
  };
  walk(null);
  const first = Math.max(0, Math.floor(scroll.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(entries.length, Math.ceil((scroll.top + scroll.height) / ROW_HEIGHT) + OVERSCAN);
  const drawn = entries.slice(first, last);

  const act = async (f: () => Promise<unknown>) => {
    setMessage(null);
    try {
      await f();
      props.onChanged();
    } catch (e) {
      setMessage(errorText(e));
    }
  };
  const toggle = (id: string, open?: boolean) => {
    const next = new Set(collapsed);
    const isOpen = !collapsed.has(id);
    if (open ?? !isOpen) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };
  /// Scrolls the row into view (so it is drawn), then focuses it.
  const focusRow = (id: string) => {
    const el = treeRef.current;
    const at = entries.findIndex((e) => !e.adding && e.node.id === id);
    if (el && at >= 0) {
      const y = at * ROW_HEIGHT;
      if (y < el.scrollTop) el.scrollTop = y;
      else if (y + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = y + ROW_HEIGHT - el.clientHeight;
      measure();
    }
    setFocus(id);
    requestAnimationFrame(() =>
      requestAnimationFrame(() => treeRef.current?.querySelector<HTMLElement>(`[data-id="${id}"]`)?.focus()),
    );
  };
  /// Alt+arrows move an item by keyboard: up and down among its siblings, right under the
  /// sibling above it, left out of its parent (placed right after it).
  const moveByKey = (key: string, n: TreeNode): boolean => {
    const siblings = children.get(n.parent_id ?? null) ?? [];
    const i = siblings.findIndex((x) => x.id === n.id);
    const parent = n.parent_id ? byId.get(n.parent_id) : undefined;
    let body: Record<string, string | null> | null = null;
    if (key === 'ArrowUp' && i > 0) body = { parent_id: n.parent_id ?? null, before_id: siblings[i - 1].id };
    if (key === 'ArrowDown' && i + 1 < siblings.length) body = { parent_id: n.parent_id ?? null, after_id: siblings[i + 1].id };
    if (key === 'ArrowRight' && i > 0) body = { parent_id: siblings[i - 1].id };
    if (key === 'ArrowLeft' && parent) body = { parent_id: parent.parent_id ?? null, after_id: parent.id };
    if (!body) return false;
    const moved = body;
    act(async () => {
      await post(`/api/v1/items/${n.id}/move`, moved);
      focusRow(n.id);
    });
    return true;
  };
  const onKey = (e: KeyboardEvent, n: TreeNode) => {
    if (renaming) return;
    if (e.altKey && editable && e.key.startsWith('Arrow')) {
      if (moveByKey(e.key, n)) e.preventDefault();
      return;
    }
    const i = rows.findIndex((r) => r.id === n.id);
    const hasKids = (children.get(n.id) ?? []).length > 0;
    const open = hasKids && (!!shown || !collapsed.has(n.id));
    switch (e.key) {
      case 'ArrowDown':
        if (i + 1 < rows.length) focusRow(rows[i + 1].id);
        break;
      case 'ArrowUp':
        if (i > 0) focusRow(rows[i - 1].id);
        break;
      case 'ArrowRight':
        if (hasKids && !open) toggle(n.id, true);
        else if (open) focusRow(rows[i + 1].id);
        break;
      case 'ArrowLeft':
        if (open) toggle(n.id, false);
        else if (n.parent_id) focusRow(n.parent_id);
        break;
      case 'Home':
        if (rows.length) focusRow(rows[0].id);
        break;
      case 'End':
        if (rows.length) focusRow(rows[rows.length - 1].id);
        break;
      case 'Enter':
        props.onOpen(n.id);
        break;
      case 'F2':
        if (editable) setRenaming(n.id);
        break;
      case 'a':
      case 'A':
        if (editable) {
          toggle(n.id, true);
          setAdding(n.id);
        }
        break;
      case 'Delete':
        if (props.manager) act(() => del(`/api/v1/items/${n.id}`));
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const from = dragged.current;
    const target = dropRef.current;
    dragged.current = null;
    dropRef.current = null;
    setDrop(null);
    if (!from || !target || from === target.id) return;
    const t = byId.get(target.id);
    if (!t) return;
    const body =
      target.where === 'inside'
        ? { parent_id: t.id }
        : target.where === 'before'
          ? { parent_id: t.parent_id ?? null, before_id: t.id }
          : { parent_id: t.parent_id ?? null, after_id: t.id };
    act(() => post(`/api/v1/items/${from}/move`, body));
  };

  const drawnRows = drawn.filter((e) => !e.adding).map((e) => e.node);
  const tabStop = focus && drawnRows.some((r) => r.id === focus) ? focus : drawnRows[0]?.id;
  const live = props.live;

  return (
    <div class="tree-pane">
      <div class="filters" role="search" aria-label="Filter the tree">
        <input
          type="search"
          placeholder="Filter by text"
          aria-label="Filter by text"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <select aria-label="Filter by type" value={typeFilter} onChange={(e) => setTypeFilter((e.target as HTMLSelectElement).value)}>
          <option value="">All types</option>
          {TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <select aria-label="Filter by status" value={statusFilter} onChange={(e) => setStatusFilter((e.target as HTMLSelectElement).value)}>
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace('_', ' ')}
            </option>
          ))}
        </select>
        {editable && (
          <button type="button" onClick={() => setAdding(null)}>
            New epic
          </button>
        )}
      </div>
      {message && (
        <p class="error" role="alert">
          {message}{' '}
          <button class="link" aria-label="Dismiss the message" onClick={() => setMessage(null)}>
            ×
          </button>
        </p>
      )}
      {adding === null && (
        <NewItemInput
          depth={0}
          onCancel={() => setAdding(undefined)}
          onSubmit={(title) =>
            act(async () => {
              setAdding(undefined);
              await post<ItemView>(`/api/v1/projects/${props.projectId}/items`, { type: 'epic', title });
            })
          }
        />
      )}
      <ul
        class="tree"
        role="tree"
        aria-label="Spec tree"
        ref={treeRef}
        onScroll={onScroll}
        onDragOver={(e) => e.preventDefault()}
        onDrop={onDrop}
      >
        {/* Spacers stand in for the rows that are not drawn. */}
        <li role="none" key="space-above" class="spacer" style={{ height: `${first * ROW_HEIGHT}px` }} />
        {drawn.map((entry) => {
          const n = entry.node;
          if (entry.adding)
            return (
              <NewItemInput
                key={`new-${n.id}`}
                depth={n.depth + 1}
                onCancel={() => {
                  setAdding(undefined);
                  focusRow(n.id);
                }}
                onSubmit={(title) =>
                  act(async () => {
                    setAdding(undefined);
                    await post(`/api/v1/projects/${props.projectId}/items`, {
                      type: CHILD_TYPE[n.type],
                      title,
                      parent_id: n.id,
                    });
                    focusRow(n.id);
                  })
                }
              />
            );
          const v = live && live.id === n.id ? { ...n, ...live } : n;
          const kids = (children.get(n.id) ?? []).length;
          const open = kids > 0 && (!!shown || !collapsed.has(n.id));
          const dropHere = drop?.id === n.id ? `drop-${drop.where}` : '';
          return (
              <li
                key={n.id}
                data-id={n.id}
                role="treeitem"
                aria-level={n.depth + 1}
                aria-posinset={posInSet.get(n.id)}
                aria-setsize={(children.get(n.parent_id ?? null) ?? []).length}
                aria-expanded={kids > 0 ? open : undefined}
                aria-selected={props.selected === n.id}
                aria-label={`${v.type} ${v.title}`}
                tabIndex={tabStop === n.id ? 0 : -1}
                class={`row ${props.selected === n.id ? 'selected' : ''} ${dropHere}`}
                style={{ paddingLeft: `${0.5 + n.depth * 1.25}rem` }}
                draggable={editable && renaming !== n.id}
                onFocus={() => setFocus(n.id)}
                onKeyDown={(e) => onKey(e, n)}
                onClick={() => {
                  setFocus(n.id);
                  props.onOpen(n.id);
                }}
                onDragStart={(e) => {
                  dragged.current = n.id;
                  e.dataTransfer?.setData('text/plain', n.id);
                }}
                onDragEnd={() => {
                  // A drag let go outside the tree leaves no target drawn.
                  dragged.current = null;
                  dropRef.current = null;
                  setDrop(null);
                }}
                onDragOver={(e) => {
                  e.preventDefault();
                  const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
                  const y = (e.clientY - r.top) / r.height;
                  const where = y < 0.25 ? 'before' : y > 0.75 ? 'after' : 'inside';
                  if (dropRef.current?.id !== n.id || dropRef.current.where !== where) {
                    dropRef.current = { id: n.id, where };
                    setDrop(dropRef.current);
                  }
                }}
              >
                <button
                  class="twisty"
                  tabIndex={-1}
                  aria-hidden="true"
                  onClick={(e) => {
                    e.stopPropagation();
                    toggle(n.id);
                  }}
                >
                  {kids > 0 ? (open ? '▾' : '▸') : ''}
                </button>
                <span class={`badge type-${v.type}`}>{v.type}</span>
                {renaming === n.id ? (
                  <RenameInput
                    title={n.title}
                    onCancel={() => {
                      setRenaming(null);
                      focusRow(n.id);
                    }}
                    onSubmit={(title) =>
                      act(async () => {
                        setRenaming(null);
                        focusRow(n.id);
                        if (title !== n.title) await patch(`/api/v1/items/${n.id}`, { title });
                      })
                    }
                  />
                ) : (
                  <span class="title" onDblClick={() => editable && setRenaming(n.id)}>
                    {v.title}
                  </span>
                )}
                <span class={`status status-${v.status}`}>{v.status.replace('_', ' ')}</span>
                {editable && (
                  <button
                    class="link add"
                    aria-label={`Add a child to ${n.title}`}
                    tabIndex={-1}
                    onClick={(e) => {
                      e.stopPropagation();
                      toggle(n.id, true);
                      setAdding(n.id);
                    }}
                  >
                    +
                  </button>
                )}
              </li>
          );
        })}
        <li role="none" key="space-below" class="spacer" style={{ height: `${(entries.length - last) * ROW_HEIGHT}px` }} />
        {rows.length === 0 && <li class="muted empty">{filtering ? 'Nothing matches the filter.' : 'No items yet.'}</li>}
      </ul>
      <p class="hint muted">
        Keys: ↑ ↓ move · → ← expand/collapse · Enter open · a add child · F2 rename · Delete trash · Alt+arrows move the
        item
      </p>
    </div>
  );
}

function RenameInput(props: { title: string; onSubmit: (t: string) => void; onCancel: () => void }) {
  const [v, setV] = useState(props.title);
  const done = useRef(false);
  const finish = (f: () => void) => {
    if (done.current) return;
    done.current = true;
    f();
  };
  return (
    <input
      class="rename"
      aria-label="New title"
      value={v}
      ref={autofocus}
      onInput={(e) => setV((e.target as HTMLInputElement).value)}
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Enter' && v.trim()) finish(() => props.onSubmit(v.trim()));
        if (e.key === 'Escape') finish(props.onCancel);
      }}
      onBlur={() => finish(() => (v.trim() ? props.onSubmit(v.trim()) : props.onCancel()))}
    />
  );
}

function NewItemInput(props: { depth: number; onSubmit: (t: string) => void; onCancel: () => void }) {
  const [v, setV] = useState('');
  return (
    <li class="row new" role="none" style={{ paddingLeft: `${2 + props.depth * 1.25}rem` }}>
      <input
        aria-label="Title of the new item"
        placeholder="Title, then Enter"
        value={v}
        ref={autofocus}
        onInput={(e) => setV((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Enter' && v.trim()) props.onSubmit(v.trim());
          if (e.key === 'Escape') props.onCancel();
        }}
      />
    </li>
  );
}

/// Focuses (and selects) an input once, when it first mounts.
function autofocus(el: HTMLInputElement | null) {
  if (!el || el.dataset.focused) return;
  el.dataset.focused = '1';
  el.focus();
  el.select();
}
