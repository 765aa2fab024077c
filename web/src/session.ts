// The signed-in user, shared by every page: loaded from GET /api/v1/me at start and after
// log-in; its CSRF token goes to the API client.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ApiError, get, MeView, setCsrf } from './api';

export interface Session {
  me: MeView | null;
  refresh: () => Promise<MeView | null>;
}

export const SessionContext = createContext<Session>({ me: null, refresh: async () => null });

export const useSession = () => useContext(SessionContext);

export async function loadMe(): Promise<MeView | null> {
  try {
    const me = await get<MeView>('/api/v1/me');
    setCsrf(me.csrf_token ?? null);
    return me;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}
