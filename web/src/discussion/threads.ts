// The threads of an item, kept current: loaded once, and again on every `discussion` or
// `item` event for the item on the project's event stream (and after one's own writes).
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, get, Page } from '../api';
import { onProjectEvent } from '../events';
import type { ThreadView } from './types';

export function useThreads(itemId: string) {
  const [threads, setThreads] = useState<ThreadView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const reload = () => {
    const mine = ++seq.current;
    get<Page<ThreadView>>(`/api/v1/items/${itemId}/threads?limit=200`).then(
      (p) => mine === seq.current && (setThreads(p.items), setError(null)),
      (e) => mine === seq.current && setError(errorText(e)),
    );
  };
  useEffect(() => {
    reload();
    return onProjectEvent((e) => {
      // Item events too: an edit that deletes an anchor's text detaches its thread.
      if (((e.type === 'discussion' || e.type === 'item') && e.item_id === itemId) || e.type === 'resync' || e.type === 'open') reload();
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [itemId]);
  return { threads, error, reload };
}
