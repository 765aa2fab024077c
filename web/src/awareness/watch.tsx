// Watching from the item page: watch or unwatch the item, or its whole subtree; says when
// the item is watched through an ancestor's subtree watch.
import { useEffect, useState } from 'preact/hooks';
import { del, errorText, get, put } from '../api';

interface WatchState {
  watching: boolean;
  watch?: { subtree: boolean; reason: string } | null;
  via_ancestor?: string | null;
}

export function WatchControl({ itemId }: { itemId: string }) {
  const [state, setState] = useState<WatchState | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<WatchState>(`/api/v1/items/${itemId}/watch`).then(setState, (e) => setError(errorText(e)));
  }, [itemId]);
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      setState(await get<WatchState>(`/api/v1/items/${itemId}/watch`));
    } catch (e) {
      setError(errorText(e));
    }
  };
  if (!state) return error ? <span class="error small">{error}</span> : null;
  const own = state.watch;
  return (
    <span class="watch" role="group" aria-label="Watching">
      {own ? (
        <button
          class="link"
          aria-pressed="true"
          title={own.reason === 'manual' ? 'You watch this item' : `You watch this item (${own.reason})`}
          onClick={() => act(() => del(`/api/v1/items/${itemId}/watch`))}
        >
          {own.subtree ? 'Watching subtree' : 'Watching'} · Unwatch
        </button>
      ) : (
        <>
          <button class="link" aria-pressed="false" onClick={() => act(() => put(`/api/v1/items/${itemId}/watch`, { subtree: false }))}>
            Watch
          </button>
          <button class="link" onClick={() => act(() => put(`/api/v1/items/${itemId}/watch`, { subtree: true }))}>
            Watch subtree
          </button>
        </>
      )}
      {own && !own.subtree && (
        <button class="link" onClick={() => act(() => put(`/api/v1/items/${itemId}/watch`, { subtree: true }))}>
          Watch subtree
        </button>
      )}
      {!own && state.via_ancestor && <span class="muted small">watched through a parent</span>}
      {error && <span class="error small">{error}</span>}
    </span>
  );
}
