// The unread count in the header, on every page: read once, then kept current by the
// person's notification stream (`GET /api/v1/me/notifications/stream`), which says the new
// count whenever it changes, on whichever node the change happened.
import { useEffect, useState } from 'preact/hooks';

// The page's one notification stream is the badge's; others (the inbox) hear of changes here.
const listeners = new Set<() => void>();

/// Calls `l` whenever the unread count changes after the first reading; returns the
/// function that stops it.
export function onUnreadChange(l: () => void): () => void {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}

export function UnreadBadge() {
  const [unread, setUnread] = useState<number | null>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const es = new EventSource('/api/v1/me/notifications/stream');
    let first = true;
    es.addEventListener('unread', (e) => {
      if (!first) listeners.forEach((l) => l());
      first = false;
      try {
        const n = JSON.parse((e as MessageEvent).data).unread;
        if (typeof n === 'number') setUnread(n);
      } catch {
        // A malformed hint changes nothing; the next one carries the count again.
      }
    });
    es.onopen = () => setLive(true);
    es.onerror = () => setLive(false);
    return () => es.close();
  }, []);
  const label = unread === null ? 'Notifications' : `Notifications: ${unread} unread`;
  return (
    <a class={`inbox-link${live ? '' : ' stale'}`} href="/inbox" aria-label={label} title={label}>
      Inbox
      {!!unread && (
        <span class="count" data-testid="unread-count">
          {unread > 99 ? '99+' : unread}
        </span>
      )}
    </a>
  );
}
