// A comment box with @mention autocomplete: typing `@` and the start of a handle or name asks
// the server who can see the item (`mention-suggestions`); arrows pick, Enter or Tab
// inserts `@handle `. After sending, mentions of people who cannot see the item, or handles
// that name no one, are shown plainly.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, get } from '../api';
import type { MentionsView, SuggestionView } from './types';

/// The `@word` being typed just before the caret, if any.
function mentionAt(value: string, caret: number): { start: number; query: string } | null {
  const m = /(^|[^\w@])@([\w.+-]*)$/.exec(value.slice(0, caret));
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

export function mentionNotice(m: MentionsView | undefined): string | null {
  if (!m) return null;
  const parts: string[] = [];
  if (m.mentions_without_access.length)
    parts.push(
      `${m.mentions_without_access.map((h) => `@${h}`).join(', ')} cannot see this item: they were not notified and were shown nothing about it.`,
    );
  if (m.unresolved_mentions.length)
    parts.push(`${m.unresolved_mentions.map((h) => `@${h}`).join(', ')} matches no single member.`);
  return parts.length ? parts.join(' ') : null;
}

export function Composer(props: {
  itemId: string;
  label: string;
  submitLabel: string;
  initial?: string;
  autoFocus?: boolean;
  onSubmit: (body: string) => Promise<MentionsView | undefined>;
  onCancel?: () => void;
}) {
  const [value, setValue] = useState(props.initial ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [suggestions, setSuggestions] = useState<SuggestionView[]>([]);
  const [pick, setPick] = useState(0);
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const listId = useRef(`mentions-${Math.random().toString(36).slice(2)}`).current;

  useEffect(() => {
    if (props.autoFocus) area.current?.focus();
  }, []);
  useEffect(() => {
    if (!mention) {
      setSuggestions([]);
      return;
    }
    let live = true;
    get<{ items: SuggestionView[] }>(
      `/api/v1/items/${props.itemId}/mention-suggestions?q=${encodeURIComponent(mention.query)}`,
    ).then(
      (r) => live && (setSuggestions(r.items), setPick(0)),
      () => live && setSuggestions([]),
    );
    return () => {
      live = false;
    };
  }, [mention?.query, mention?.start, props.itemId]);

  const track = () => {
    const el = area.current;
    if (!el) return;
    setMention(mentionAt(el.value, el.selectionStart ?? el.value.length));
  };
  const insert = (s: SuggestionView) => {
    const el = area.current;
    if (!el || !mention) return;
    const caret = el.selectionStart ?? el.value.length;
    const next = `${el.value.slice(0, mention.start)}@${s.handle} ${el.value.slice(caret)}`;
    const at = mention.start + s.handle.length + 2;
    // The box and its caret change at once, before any further keystroke, and the state
    // follows; a deferred caret move would put later keystrokes in the wrong place.
    el.value = next;
    el.setSelectionRange(at, at);
    el.focus();
    setValue(next);
    setMention(null);
  };
  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (!value.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      const m = await props.onSubmit(value.trim());
      setNotice(mentionNotice(m));
      setValue('');
      setMention(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const open = suggestions.length > 0 && mention !== null;
  return (
    <form class="composer" onSubmit={submit}>
      <textarea
        ref={area}
        aria-label={props.label}
        placeholder="Markdown; @ to mention someone"
        value={value}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open ? `${listId}-${pick}` : undefined}
        onInput={(e) => {
          setValue((e.target as HTMLTextAreaElement).value);
          track();
        }}
        onClick={track}
        onKeyDown={(e) => {
          if (open) {
            if (e.key === 'ArrowDown') setPick((pick + 1) % suggestions.length);
            else if (e.key === 'ArrowUp') setPick((pick + suggestions.length - 1) % suggestions.length);
            else if (e.key === 'Enter' || e.key === 'Tab') insert(suggestions[pick]);
            else if (e.key === 'Escape') setMention(null);
            else return;
            e.preventDefault();
            return;
          }
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit();
          if (e.key === 'Escape' && props.onCancel) props.onCancel();
        }}
      />
      {open && (
        <ul class="suggestions" role="listbox" id={listId} aria-label="People to mention">
          {suggestions.map((s, i) => (
            <li
              key={s.user_id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === pick}
              onMouseDown={(e) => {
                e.preventDefault();
                insert(s);
              }}
            >
              {s.name} <span class="muted">@{s.handle}</span>
            </li>
          ))}
        </ul>
      )}
      <div class="row-actions">
        <button type="submit" disabled={busy || !value.trim()}>
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" class="link" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <span class="muted small">Ctrl+Enter sends</span>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p class="notice" role="status" aria-label="Mentions">
          {notice}
        </p>
      )}
    </form>
  );
}
