// The project event stream, shared: the project page opens one EventSource and hands every
// event to whoever listens here (the tree reloads on `item`, the discussion panel on
// `discussion` events for its item).

/// One event of `GET /api/v1/projects/{project}/events`.
export interface ProjectEvent {
  type: 'item' | 'discussion' | 'resync' | 'open';
  project_id?: string;
  kind?: string;
  item_id?: string;
}

type Listener = (e: ProjectEvent) => void;
const listeners = new Set<Listener>();

export function emitProjectEvent(e: ProjectEvent) {
  listeners.forEach((l) => l(e));
}

/// Listens to the open project's events; returns the function that stops listening.
export function onProjectEvent(l: Listener): () => void {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}
