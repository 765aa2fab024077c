// The history of an item (its own chunk): versions with time, authors and message; save a
// named version; compare any two versions (or one with now); restore one, which reaches
// everyone's editor through the live document; and "who wrote this" for the text at the
// cursor, from the server's attribution of the current text.
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, Page, post } from '../api';
import { onProjectEvent } from '../events';
import type { TextSelection } from '../editor/description';
import { DiffView } from './diff';
import type { AttributionView, ItemDiff, RangeView, VersionView } from './types';

export interface HistoryProps {
  itemId: string;
  editable: boolean;
  names: Map<string, string>;
  cursor: TextSelection | null;
}

const when = (t: string) => new Date(t).toLocaleString();

export default function HistoryPanel(props: HistoryProps) {
  const { itemId, names } = props;
  const [versions, setVersions] = useState<VersionView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('now');
  const [diff, setDiff] = useState<{ title: string; diff: ItemDiff } | null>(null);
  const [who, setWho] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    get<Page<VersionView>>(`/api/v1/items/${itemId}/versions?limit=100`).then(
      (p) => {
        if (!live) return;
        setVersions(p.items);
        if (!from && p.items.length) setFrom(String(p.items[Math.min(1, p.items.length - 1)].number));
      },
      (e) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [itemId, tick]);
  useEffect(
    () => onProjectEvent((e) => (e.type === 'item' && e.item_id === itemId) || e.type === 'resync' ? setTick((t) => t + 1) : undefined),
    [itemId],
  );

  const act = async (f: () => Promise<void>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const compare = (a: string, b: string) =>
    act(async () => {
      const q = `from=${a}${b === 'now' ? '' : `&to=${b}`}`;
      const d = await get<ItemDiff>(`/api/v1/items/${itemId}/diff?${q}`);
      setDiff({ title: `Version ${a} → ${b === 'now' ? 'now' : `version ${b}`}`, diff: d });
    });
  const authors = (v: VersionView) => v.authors.map((a) => names.get(a.user_id) ?? 'someone').join(', ') || 'nobody';
  const whoWrote = () =>
    act(async () => {
      const c = props.cursor;
      if (!c) {
        setWho('Put the cursor in the description or a criterion first.');
        return;
      }
      const a = await get<AttributionView>(`/api/v1/items/${itemId}/attribution`);
      const ranges: RangeView[] =
        c.field === 'description' ? a.description : (a.acceptance_criteria.find((x) => `criterion:${x.id}` === c.field)?.ranges ?? []);
      // The server counts characters (Unicode scalar values); the editor UTF-16 code units.
      const at = [...c.text.toString().slice(0, c.from)].length;
      const r = ranges.find((x) => x.start <= at && at < x.end) ?? ranges.find((x) => x.end === at);
      if (!r) setWho('Nobody wrote text here yet (or it is not saved yet).');
      else
        setWho(
          `${r.author ? (names.get(r.author.user_id) ?? 'someone') : 'Unknown (written before attribution)'} wrote “${
            r.text.length > 80 ? `${r.text.slice(0, 80)}…` : r.text
          }”`,
        );
    });

  return (
    <section class="history" aria-label="History">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row-actions">
        <button type="button" onClick={whoWrote} aria-label="Who wrote the text at the cursor">
          Who wrote this?
        </button>
      </div>
      {who && (
        <p class="who" role="status" aria-label="Author of the text at the cursor">
          {who}
        </p>
      )}
      {props.editable && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (!message.trim()) return;
            act(async () => {
              await post(`/api/v1/items/${itemId}/versions`, { message: message.trim() });
              setMessage('');
              setTick((t) => t + 1);
            });
          }}
        >
          <input aria-label="Version name" placeholder="Name this version" value={message} onInput={(e) => setMessage((e.target as HTMLInputElement).value)} />
          <button type="submit">Save version</button>
        </form>
      )}
      <h3>Compare</h3>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (from) compare(from, to);
        }}
      >
        <select aria-label="Compare from" value={from} onChange={(e) => setFrom((e.target as HTMLSelectElement).value)}>
          {versions.map((v) => (
            <option key={v.number} value={String(v.number)}>
              {v.number}
              {v.message ? ` ${v.message}` : ''}
            </option>
          ))}
        </select>
        <select aria-label="Compare to" value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
          <option value="now">now</option>
          {versions.map((v) => (
            <option key={v.number} value={String(v.number)}>
              {v.number}
              {v.message ? ` ${v.message}` : ''}
            </option>
          ))}
        </select>
        <button type="submit">Compare</button>
      </form>
      {diff && (
        <section aria-label="Diff">
          <h4>{diff.title}</h4>
          <DiffView diff={diff.diff} />
        </section>
      )}
      <h3>Versions</h3>
      <ol class="versions" aria-label="Versions">
        {versions.map((v) => (
          <li key={v.number} aria-label={`Version ${v.number}${v.message ? ` ${v.message}` : ''}`}>
            <div>
              <strong>#{v.number}</strong> {v.message ? <strong>{v.message}</strong> : <span class="muted">{v.cause}</span>}{' '}
              {v.kind !== 'auto' && <span class="badge">{v.kind}</span>}
              {v.restored_from ? <span class="muted"> (from #{v.restored_from})</span> : null}
            </div>
            <div class="muted small">
              <time dateTime={v.created_at}>{when(v.created_at)}</time> · {authors(v)}
              {v.fields.length ? ` · ${v.fields.join(', ')}` : ''}
            </div>
            <div class="row-actions">
              <button type="button" class="link" aria-label={`Compare version ${v.number} with now`} onClick={() => compare(String(v.number), 'now')}>
                Compare with now
              </button>
              {props.editable && (
                <button
                  type="button"
                  class="link"
                  aria-label={`Restore version ${v.number}`}
                  onClick={() =>
                    confirm(`Restore version ${v.number}? The current state stays in the history.`) &&
                    act(async () => {
                      await post(`/api/v1/items/${itemId}/versions/${v.number}/restore`);
                      setTick((t) => t + 1);
                    })
                  }
                >
                  Restore
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
