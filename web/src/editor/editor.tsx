// The live work item editor (its own chunk): a Yjs document per item over y-websocket,
// kept in IndexedDB so offline edits survive and merge when the connection returns. Title
// and criteria are inputs bound to Y.Text; the description is CodeMirror 6 bound through
// y-codemirror.next, which also draws everyone's named cursors; the preview is sanitised.
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { IndexeddbPersistence } from 'y-indexeddb';
import { Boundary, ErrorBox } from '../ui';
import { get, errorText, ItemType, ItemView, MemberView, Priority, PRIORITIES, Status, STATUSES, TeamMemberView, TYPES } from '../api';
import { useSession } from '../session';
import { bindInput } from './bind';
import { Presence, usePresence } from './presence';
import { Description, TextSelection } from './description';
import { Criteria } from './criteria';
import { useThreads } from '../discussion/threads';
import type { LiveRow } from '../pages/tree';
import { WatchControl } from '../awareness/watch';
import { AiWriting, GenerateButton } from '../ai/generate';

// The side panels load when first shown.
const DiscussionPanel = lazy(() => import('../discussion/panel'));
const HistoryPanel = lazy(() => import('../history/panel'));

interface Live {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

type Conn = 'connecting' | 'connected' | 'disconnected';

/// The colour the server gives this user (as `color_of` in spectree-collab's manager.rs), so
/// one's own avatar looks the same to oneself as to everyone else.
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#469990', '#9a6324', '#800000', '#808000', '#000075'];
function colorOf(userId: string): string {
  const last = parseInt(userId.replace(/-/g, '').slice(-2), 16);
  return PALETTE[(Number.isNaN(last) ? 0 : last) % PALETTE.length];
}

export interface EditorProps {
  itemId: string;
  editable: boolean;
  manager: boolean;
  /// Whether this person may comment (Editors and up; Viewers when their team allows it).
  canComment: boolean;
  members: TeamMemberView[];
  /// Everyone in the organization (names of authors).
  people?: MemberView[];
  /// Told the item's title and fields whenever the live document changes them.
  onLive?: (row: LiveRow | null) => void;
}

export default function ItemEditor(props: EditorProps) {
  const { itemId, editable } = props;
  const { me } = useSession();
  const [live, setLive] = useState<Live | null>(null);
  const [conn, setConn] = useState<Conn>('connecting');
  const [synced, setSynced] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [closed, setClosed] = useState<string | null>(null);

  useEffect(() => {
    // The item must exist and be visible; otherwise the socket would retry forever.
    get<ItemView>(`/api/v1/items/${itemId}`).catch((e) => setError(errorText(e)));
  }, [itemId]);

  useEffect(() => {
    if (!me) return;
    const doc = new Y.Doc();
    const local = new IndexeddbPersistence(`spectree:${me.user.id}:${itemId}`, doc);
    let provider: WebsocketProvider | null = null;
    let cancelled = false;
    // The browser knows first when the network is gone; edits go on locally meanwhile.
    const offline = () => provider?.disconnect();
    const online = () => provider?.connect();
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    // Connect only once the stored state is in the document, so the first sync sends just
    // what the server lacks (edits kept from an earlier offline visit among them).
    local.whenSynced.then(() => {
      if (cancelled) return;
      const wsBase = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;
      const p = new WebsocketProvider(`${wsBase}/collab`, itemId, doc, { connect: navigator.onLine });
      provider = p;
      // The server replaces `user` with the authenticated identity for everyone else.
      p.awareness.setLocalStateField('user', { id: me.user.id, name: me.user.name, color: colorOf(me.user.id) });
      p.on('status', (e: { status: Conn }) => setConn(e.status));
      p.on('sync', (s: boolean) => setSynced(s));
      p.on('connection-close', (e: CloseEvent | null) =>
        setClosed(e ? `${e.code}${e.reason ? ` ${e.reason}` : ''}` : null),
      );
      if (!navigator.onLine) setConn('disconnected');
      setLive({ doc, provider: p });
    });
    return () => {
      cancelled = true;
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
      provider?.destroy();
      local.destroy();
      doc.destroy();
    };
  }, [itemId, me?.user.id]);

  if (error) return <ErrorBox error={error} />;
  if (!live) return <p class="muted">Connecting…</p>;
  return (
    <Editor
      itemId={itemId}
      live={live}
      conn={conn}
      closed={closed}
      synced={synced}
      editable={editable}
      canComment={props.canComment}
      members={props.members}
      people={props.people ?? []}
      onLive={props.onLive}
    />
  );
}

function connText(conn: Conn, synced: boolean): string {
  if (conn === 'connected') return synced ? 'Connected' : 'Syncing…';
  if (conn === 'connecting') return 'Connecting…';
  return 'Offline: edits are kept on this device';
}

function Editor(props: {
  itemId: string;
  live: Live;
  conn: Conn;
  closed: string | null;
  synced: boolean;
  editable: boolean;
  canComment: boolean;
  members: TeamMemberView[];
  people: MemberView[];
  onLive?: (row: LiveRow | null) => void;
}) {
  const { doc, provider } = props.live;
  const { editable, itemId } = props;
  const title = doc.getText('title');
  const fields = doc.getMap<string | null>('fields');
  const titleRef = useRef<HTMLInputElement>(null);
  const [, setTick] = useState(0);
  const people = usePresence(provider.awareness);
  const discussion = useThreads(itemId);
  const [activeThread, setActiveThread] = useState<string | null>(null);
  const [selection, setSelection] = useState<TextSelection | null>(null);
  const [side, setSide] = useState<'comments' | 'history'>('comments');
  const names = useMemo(
    () => new Map([...props.people, ...props.members].map((m) => [m.user_id, m.name])),
    [props.members, props.people],
  );
  const criterionComments = useMemo(() => {
    const m = new Map<string, number>();
    for (const t of discussion.threads) {
      const f = t.anchor?.field;
      if (f?.startsWith('criterion:') && !t.resolved && !t.anchor?.detached) m.set(f.slice(10), (m.get(f.slice(10)) ?? 0) + 1);
    }
    return m;
  }, [discussion.threads]);

  // The tree shows this item's title and fields as the document has them, at once.
  const onLive = useRef(props.onLive);
  onLive.current = props.onLive;
  useEffect(() => {
    if (!props.synced) return;
    let frame = 0;
    const tell = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() =>
        onLive.current?.({
          id: itemId,
          title: title.toString(),
          type: (fields.get('type') ?? 'task') as ItemType,
          status: (fields.get('status') ?? 'draft') as Status,
          priority: (fields.get('priority') ?? 'medium') as Priority,
        }),
      );
    };
    tell();
    title.observe(tell);
    fields.observe(tell);
    return () => {
      cancelAnimationFrame(frame);
      title.unobserve(tell);
      fields.unobserve(tell);
      onLive.current?.(null);
    };
  }, [props.synced, title, fields, itemId]);

  useEffect(() => {
    if (!titleRef.current) return;
    return bindInput(titleRef.current, title);
  }, [title]);
  useEffect(() => {
    const f = () => setTick((t) => t + 1);
    fields.observe(f);
    return () => fields.unobserve(f);
  }, [fields]);

  const select = (key: string, label: string, options: { value: string; text: string }[]) => (
    <label class="field small">
      <span>{label}</span>
      <select
        aria-label={label}
        disabled={!editable}
        value={(fields.get(key) as string | null) ?? ''}
        onChange={(e) => {
          const v = (e.target as HTMLSelectElement).value;
          fields.set(key, v === '' ? null : v);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
    </label>
  );
  const plain = (xs: string[]) => xs.map((x) => ({ value: x, text: x.replace('_', ' ') }));

  return (
    <div class="item-layout">
    <article class="editor" aria-label="Work item editor">
      <div class="editor-bar">
        <span
          class={`conn conn-${props.conn}`}
          role="status"
          aria-label="Connection"
          title={props.closed ? `Last close: ${props.closed}` : undefined}
        >
          {connText(props.conn, props.synced)}
        </span>
        {!editable && <span class="badge">read only</span>}
        <WatchControl itemId={itemId} />
        {editable && <GenerateButton itemId={itemId} type={(fields.get('type') ?? 'task') as ItemType} />}
        <Presence people={people} />
      </div>
      <AiWriting awareness={provider.awareness} editable={editable} />
      <input
        ref={titleRef}
        class="title-input"
        aria-label="Title"
        readOnly={!editable}
        placeholder="Title"
      />
      <div class="fields">
        {select('type', 'Type', plain(TYPES))}
        {select('status', 'Status', plain(STATUSES))}
        {select('priority', 'Priority', plain(PRIORITIES))}
        {select('assignee', 'Assignee', [
          { value: '', text: 'nobody' },
          ...props.members.map((m) => ({ value: m.user_id, text: m.name })),
        ])}
      </div>
      <Description
        text={doc.getText('description')}
        awareness={provider.awareness}
        editable={editable}
        threads={discussion.threads}
        activeThread={activeThread}
        onSelection={setSelection}
        onPickThread={(id) => {
          setSide('comments');
          setActiveThread(id);
        }}
      />
      <Criteria
        list={doc.getArray<Y.Map<unknown>>('acceptanceCriteria')}
        editable={editable}
        comments={criterionComments}
        onSelection={setSelection}
      />
    </article>
    <aside class="side" aria-label="Comments and history">
      <div class="tabs" role="tablist" aria-label="Side panel">
        <button role="tab" aria-selected={side === 'comments'} onClick={() => setSide('comments')}>
          Comments{discussion.threads.length ? ` (${discussion.threads.filter((t) => !t.resolved).length})` : ''}
        </button>
        <button role="tab" aria-selected={side === 'history'} onClick={() => setSide('history')}>
          History
        </button>
      </div>
      <Boundary key={side} what={side === 'comments' ? 'the comments' : 'the history'}>
      <Suspense fallback={<p class="muted">Loading…</p>}>
        {side === 'comments' ? (
          <DiscussionPanel
            itemId={itemId}
            threads={discussion.threads}
            error={discussion.error}
            reload={discussion.reload}
            selection={selection}
            activeThread={activeThread}
            onActivate={setActiveThread}
            names={names}
            canComment={props.canComment}
          />
        ) : (
          <HistoryPanel itemId={itemId} editable={editable} names={names} cursor={selection} />
        )}
      </Suspense>
      </Boundary>
    </aside>
    </div>
  );
}
