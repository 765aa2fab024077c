// Notification preferences (its own chunk): for each kind of change, whether it reaches the
// inbox, is mailed at once, or goes into the digest (email and digest exclude each other).
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, put } from '../api';
import { ErrorBox } from '../ui';

interface PreferenceView {
  kind: string;
  in_app: boolean;
  email: boolean;
  digest: boolean;
  is_default?: boolean;
}

const LABELS: Record<string, string> = {
  item_created: 'An item is created under something I watch',
  item_edited: 'An item I watch is edited',
  status_changed: 'Its status changes',
  assigned: 'I am assigned',
  item_moved: 'It is moved',
  item_trashed: 'It is moved to the trash',
  item_restored: 'It is restored from the trash',
  commented: 'Someone comments',
  mentioned: 'I am mentioned',
  mention_not_delivered: 'My mention did not reach someone who cannot see the item',
  version_saved: 'A version is saved',
  version_restored: 'An earlier version is restored',
};

type Mail = 'none' | 'email' | 'digest';

export default function PreferencesPage() {
  const [prefs, setPrefs] = useState<PreferenceView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    get<{ preferences: PreferenceView[] }>('/api/v1/me/notification-preferences').then(
      (r) => setPrefs(r.preferences),
      (e) => setError(errorText(e)),
    );
  }, []);
  const change = async (p: PreferenceView, next: { in_app: boolean; email: boolean; digest: boolean }) => {
    setError(null);
    setSaved(null);
    try {
      const r = await put<{ preferences: PreferenceView[] }>('/api/v1/me/notification-preferences', {
        preferences: [{ kind: p.kind, ...next }],
      });
      setPrefs(r.preferences);
      setSaved(p.kind);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const mailOf = (p: PreferenceView): Mail => (p.email ? 'email' : p.digest ? 'digest' : 'none');
  return (
    <main class="page">
      <nav class="crumbs" aria-label="Breadcrumbs">
        <a href="/inbox">Notifications</a>
      </nav>
      <h1>Notification preferences</h1>
      <ErrorBox error={error} />
      <table class="prefs" aria-label="Notification preferences">
        <thead>
          <tr>
            <th>When</th>
            <th>In the inbox</th>
            <th>By email</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {prefs?.map((p) => (
            <tr key={p.kind} data-kind={p.kind}>
              <td>{LABELS[p.kind] ?? p.kind}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`${p.kind}: in the inbox`}
                  checked={p.in_app}
                  onChange={(e) => change(p, { in_app: (e.target as HTMLInputElement).checked, email: p.email, digest: p.digest })}
                />
              </td>
              <td>
                <select
                  aria-label={`${p.kind}: by email`}
                  value={mailOf(p)}
                  onChange={(e) => {
                    const m = (e.target as HTMLSelectElement).value as Mail;
                    change(p, { in_app: p.in_app, email: m === 'email', digest: m === 'digest' });
                  }}
                >
                  <option value="none">never</option>
                  <option value="email">at once</option>
                  <option value="digest">in the digest</option>
                </select>
              </td>
              <td class="muted">{saved === p.kind ? 'Saved' : p.is_default ? 'default' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
