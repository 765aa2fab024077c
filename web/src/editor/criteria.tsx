// Acceptance criteria as a live list on the Y.Array<Y.Map{id, text: Y.Text, done}>:
// add, edit, check, reorder and remove, all merged with everyone else's edits.
import { useEffect, useRef, useState } from 'preact/hooks';
import * as Y from 'yjs';
import { bindInput } from './bind';
import type { TextSelection } from './description';

function newCriterion(id: string, text: string, done: boolean): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  m.set('id', id);
  m.set('text', new Y.Text(text));
  m.set('done', done);
  return m;
}

export function Criteria(props: {
  list: Y.Array<Y.Map<unknown>>;
  editable: boolean;
  /// Open threads per criterion id.
  comments?: Map<string, number>;
  onSelection?: (s: TextSelection) => void;
}) {
  const { list, editable } = props;
  const [, setTick] = useState(0);
  const [draft, setDraft] = useState('');
  useEffect(() => {
    const f = () => setTick((t) => t + 1);
    list.observeDeep(f);
    return () => list.unobserveDeep(f);
  }, [list]);

  const move = (from: number, to: number) => {
    if (to < 0 || to >= list.length) return;
    list.doc?.transact(() => {
      const m = list.get(from);
      const copy = newCriterion(String(m.get('id')), String(m.get('text') ?? ''), m.get('done') === true);
      list.delete(from, 1);
      list.insert(to, [copy]);
    });
  };
  const add = (e: Event) => {
    e.preventDefault();
    if (!draft.trim()) return;
    list.push([newCriterion(crypto.randomUUID(), draft.trim(), false)]);
    setDraft('');
  };
  const items = list.toArray();
  return (
    <section class="criteria" aria-label="Acceptance criteria">
      <h3>Acceptance criteria</h3>
      <ol>
        {items.map((m, i) => (
          <Criterion
            key={String(m.get('id'))}
            map={m}
            index={i}
            last={i === items.length - 1}
            editable={editable}
            onMove={move}
            onRemove={() => list.delete(i, 1)}
            comments={props.comments?.get(String(m.get('id'))) ?? 0}
            onSelection={props.onSelection}
          />
        ))}
      </ol>
      {editable && (
        <form class="inline" onSubmit={add}>
          <input
            aria-label="New criterion"
            placeholder="Add a criterion"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          />
          <button type="submit">Add</button>
        </form>
      )}
    </section>
  );
}

function Criterion(props: {
  map: Y.Map<unknown>;
  index: number;
  last: boolean;
  editable: boolean;
  onMove: (from: number, to: number) => void;
  onRemove: () => void;
  comments: number;
  onSelection?: (s: TextSelection) => void;
}) {
  const { map, index, editable } = props;
  const report = () => {
    const el = input.current;
    if (!el || !(text instanceof Y.Text) || !props.onSelection) return;
    props.onSelection({
      field: `criterion:${String(map.get('id'))}`,
      text,
      from: el.selectionStart ?? 0,
      to: el.selectionEnd ?? 0,
    });
  };
  const input = useRef<HTMLInputElement>(null);
  const text = map.get('text');
  useEffect(() => {
    if (input.current && text instanceof Y.Text) return bindInput(input.current, text);
  }, [text]);
  const n = index + 1;
  return (
    <li class="criterion">
      <input
        type="checkbox"
        aria-label={`Criterion ${n} done`}
        checked={map.get('done') === true}
        disabled={!editable}
        onChange={(e) => map.set('done', (e.target as HTMLInputElement).checked)}
      />
      <input
        ref={input}
        class="criterion-text"
        aria-label={`Criterion ${n}`}
        readOnly={!editable}
        onSelect={report}
        onKeyUp={report}
        onMouseUp={report}
      />
      {props.comments > 0 && (
        <span class="badge" title="Open comment threads on this criterion" aria-label={`${props.comments} comment threads`}>
          💬 {props.comments}
        </span>
      )}
      {editable && (
        <span class="criterion-actions">
          <button class="link" aria-label={`Move criterion ${n} up`} disabled={index === 0} onClick={() => props.onMove(index, index - 1)}>
            ↑
          </button>
          <button class="link" aria-label={`Move criterion ${n} down`} disabled={props.last} onClick={() => props.onMove(index, index + 1)}>
            ↓
          </button>
          <button class="link" aria-label={`Remove criterion ${n}`} onClick={props.onRemove}>
            ×
          </button>
        </span>
      )}
    </li>
  );
}
