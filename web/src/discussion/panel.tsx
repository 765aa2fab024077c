// The discussion beside the text (its own chunk): start a thread on the selected text (or on
// the whole item), open threads in text order, detached and resolved ones listed apart;
// replies, edits and deletions of one's own comments, resolve and reopen, emoji reactions.
// The threads themselves come from `useThreads`, which follows the project's event stream.
import { useState } from 'preact/hooks';
import DOMPurify from 'dompurify';
import { del, errorText, patch, post } from '../api';
import { useSession } from '../session';
import { anchorOf } from '../editor/anchors';
import type { TextSelection } from '../editor/description';
import { Composer } from './composer';
import type { CommentView, CommentWrittenView, ThreadCreated, ThreadView } from './types';

/// The reactions offered on every comment.
const EMOJI = ['👍', '🎉', '❤️', '😄', '👀', '🚀'];

export interface PanelProps {
  itemId: string;
  threads: ThreadView[];
  error: string | null;
  reload: () => void;
  selection: TextSelection | null;
  activeThread: string | null;
  onActivate: (id: string | null) => void;
  names: Map<string, string>;
  canComment: boolean;
}

export default function DiscussionPanel(props: PanelProps) {
  const { threads, selection } = props;
  const sel = selection && selection.to > selection.from ? selection : null;
  const quote = sel ? sel.text.toString().slice(sel.from, sel.to) : '';
  const open = threads.filter((t) => !t.resolved && !t.anchor?.detached);
  const attached = open
    .filter((t) => t.anchor)
    .sort((a, b) => (a.anchor!.field === b.anchor!.field ? (a.anchor!.from ?? 0) - (b.anchor!.from ?? 0) : a.anchor!.field === 'description' ? -1 : 1));
  const general = open.filter((t) => !t.anchor);
  const detached = threads.filter((t) => !t.resolved && t.anchor?.detached);
  const resolved = threads.filter((t) => t.resolved);
  const [showResolved, setShowResolved] = useState(false);

  const start = async (body: string, anchored: boolean) => {
    const anchor = anchored && sel ? anchorOf(sel.field, sel.text, sel.from, sel.to) : undefined;
    const r = await post<ThreadCreated>(`/api/v1/items/${props.itemId}/threads`, anchor ? { body, anchor } : { body });
    props.onActivate(r.thread.id);
    props.reload();
    return r.mentions;
  };
  const list = (ts: ThreadView[]) => (
    <ul class="threads">
      {ts.map((t) => (
        <Thread key={t.id} thread={t} {...props} />
      ))}
    </ul>
  );
  return (
    <section class="discussion" aria-label="Comments">
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {!props.canComment ? (
        <p class="muted small">You can read the discussion; your role does not allow commenting.</p>
      ) : sel ? (
        <div class="new-thread">
          <p class="quote">“{quote.length > 120 ? `${quote.slice(0, 120)}…` : quote}”</p>
          <Composer
            itemId={props.itemId}
            label="Comment on the selection"
            submitLabel="Comment on the selection"
            onSubmit={(b) => start(b, true)}
          />
        </div>
      ) : (
        <div class="new-thread">
          <p class="muted small">Select text in the description or a criterion to comment on it.</p>
          <Composer itemId={props.itemId} label="Comment on the item" submitLabel="Comment" onSubmit={(b) => start(b, false)} />
        </div>
      )}
      <h3>Open ({attached.length + general.length})</h3>
      {attached.length + general.length === 0 && <p class="muted small">No open threads.</p>}
      {list([...attached, ...general])}
      {detached.length > 0 && (
        <>
          <h3>Detached ({detached.length})</h3>
          <p class="muted small">Their text was deleted; the threads are kept.</p>
          {list(detached)}
        </>
      )}
      {resolved.length > 0 && (
        <>
          <h3>
            <button class="link" aria-expanded={showResolved} onClick={() => setShowResolved(!showResolved)}>
              Resolved ({resolved.length})
            </button>
          </h3>
          {showResolved && list(resolved)}
        </>
      )}
    </section>
  );
}

function Thread(props: PanelProps & { thread: ThreadView }) {
  const { thread: t, names } = props;
  const [error, setError] = useState<string | null>(null);
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      props.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const first = t.comments[0];
  const label = `Thread by ${names.get(t.created_by) ?? 'someone'}${t.anchor ? ` on “${t.anchor.quote}”` : ''}`;
  return (
    <li
      class={`thread ${props.activeThread === t.id ? 'active' : ''} ${t.resolved ? 'resolved' : ''}`}
      aria-label={label}
      data-thread={t.id}
      onFocusIn={() => props.onActivate(t.id)}
      onMouseEnter={() => props.onActivate(t.id)}
    >
      {t.anchor && (
        <p class={`quote ${t.anchor.detached ? 'detached' : ''}`} title={t.anchor.detached ? 'The text was deleted' : 'Commented text'}>
          {t.anchor.field.startsWith('criterion:') ? <span class="badge">criterion</span> : null} “
          {t.anchor.detached ? t.anchor.quote : t.anchor.text}”
        </p>
      )}
      <ol class="comments" aria-label="Comments">
        {t.comments.map((c) => (
          <Comment key={c.id} comment={c} names={names} itemId={props.itemId} reload={props.reload} canComment={props.canComment} />
        ))}
      </ol>
      {!t.resolved && props.canComment && (
        <Composer
          itemId={props.itemId}
          label={`Reply to ${first ? (names.get(first.author_id) ?? 'the thread') : 'the thread'}`}
          submitLabel="Reply"
          onSubmit={async (body) => {
            const r = await post<CommentWrittenView>(`/api/v1/threads/${t.id}/comments`, { body });
            props.reload();
            return r.mentions;
          }}
        />
      )}
      <div class="row-actions" hidden={!props.canComment}>
        {t.resolved ? (
          <button class="link" onClick={() => act(() => post(`/api/v1/threads/${t.id}/reopen`))}>
            Reopen
          </button>
        ) : (
          <button class="link" onClick={() => act(() => post(`/api/v1/threads/${t.id}/resolve`))}>
            Resolve
          </button>
        )}
        {t.resolved && t.resolved_by && <span class="muted small">resolved by {names.get(t.resolved_by) ?? 'someone'}</span>}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function Comment(props: {
  comment: CommentView;
  names: Map<string, string>;
  itemId: string;
  reload: () => void;
  canComment: boolean;
}) {
  const { comment: c, names } = props;
  const { me } = useSession();
  const mine = me?.user.id === c.author_id;
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const who = names.get(c.author_id) ?? 'someone';
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      props.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };
  if (c.deleted)
    return (
      <li class="comment muted small" aria-label={`Deleted comment by ${who}`}>
        This comment was deleted.
      </li>
    );
  return (
    <li class="comment" aria-label={`Comment by ${who}`}>
      <div class="meta">
        <strong>{who}</strong>
        <time dateTime={c.created_at}>{new Date(c.created_at).toLocaleString()}</time>
        {c.edited_at && <span title={new Date(c.edited_at).toLocaleString()}>(edited)</span>}
        {mine && !editing && (
          <>
            <button class="link" aria-label={`Edit the comment by ${who}`} onClick={() => setEditing(true)}>
              Edit
            </button>
            <button
              class="link"
              aria-label={`Delete the comment by ${who}`}
              onClick={() => confirm('Delete this comment?') && act(() => del(`/api/v1/comments/${c.id}`))}
            >
              Delete
            </button>
          </>
        )}
      </div>
      {editing ? (
        <Composer
          itemId={props.itemId}
          label="Edit the comment"
          submitLabel="Save"
          initial={c.body}
          autoFocus
          onCancel={() => setEditing(false)}
          onSubmit={async (body) => {
            const r = await patch<CommentWrittenView>(`/api/v1/comments/${c.id}`, { body });
            setEditing(false);
            props.reload();
            return r.mentions;
          }}
        />
      ) : (
        // The server renders and cleans the Markdown (ammonia); DOMPurify cleans it again.
        <div class="body markdown" dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(c.html) }} />
      )}
      <div class="reactions" role="group" aria-label="Reactions">
        {EMOJI.map((emoji) => {
          const r = c.reactions.find((x) => x.emoji === emoji);
          const pressed = !!r && !!me && r.user_ids.includes(me.user.id);
          return (
            <button
              key={emoji}
              type="button"
              aria-pressed={pressed}
              disabled={!props.canComment}
              aria-label={`React ${emoji}${r ? `, ${r.count}` : ''}`}
              title={r ? r.user_ids.map((u) => names.get(u) ?? 'someone').join(', ') : undefined}
              onClick={() => act(() => post(`/api/v1/comments/${c.id}/reactions`, { emoji }))}
            >
              {emoji}
              {r ? ` ${r.count}` : ''}
            </button>
          );
        })}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
