// A team's outgoing webhooks, for its Admins (its own chunk): add one (URL and the kinds of
// activity it receives; the signing secret is shown once), switch it on or off, change its
// kinds, rotate its secret, send a ping, delete it; and its delivery log with each
// delivery's outcome and a replay.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { del, errorText, get, Page, patch, post, TeamView } from '../api';
import { ACTIVITY_KINDS } from '../awareness/activity';
import { ErrorBox } from '../ui';

interface Webhook {
  id: string;
  team_id: string;
  url: string;
  events: string[];
  active: boolean;
  consecutive_failures: number;
  disabled_reason?: string | null;
  created_at: string;
}

interface Delivery {
  id: string;
  webhook_id: string;
  event: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at?: string | null;
  status_code?: number | null;
  duration_ms?: number | null;
  error?: string | null;
  response?: string | null;
  replay_of?: string | null;
  created_at: string;
  completed_at?: string | null;
  payload?: unknown;
}

function EventPicker({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  return (
    <fieldset class="checks events">
      <legend>Events</legend>
      {ACTIVITY_KINDS.map((k) => (
        <label key={k}>
          <input
            type="checkbox"
            aria-label={`Event ${k}`}
            checked={value.includes(k)}
            onChange={() => onChange(value.includes(k) ? value.filter((x) => x !== k) : [...value, k])}
          />{' '}
          {k.replace(/_/g, ' ')}
        </label>
      ))}
    </fieldset>
  );
}

function Deliveries({ hook }: { hook: Webhook }) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    get<Page<Delivery>>(`/api/v1/webhooks/${hook.id}/deliveries?limit=50`).then(
      (p) => setItems(p.items),
      (e) => setError(errorText(e)),
    );
  useEffect(() => {
    load();
    // Pending deliveries change as the worker sends them.
    const t = window.setInterval(load, 2000);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hook.id]);
  return (
    <div class="deliveries">
      <ErrorBox error={error} />
      <table aria-label={`Deliveries of ${hook.url}`}>
        <thead>
          <tr>
            <th>Event</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Answer</th>
            <th>When</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items?.map((d) => (
            <Fragment key={d.id}>
              <tr data-delivery={d.id} class={`delivery ${d.status}`}>
                <td>
                  {d.event}
                  {d.replay_of ? <span class="muted"> (replay)</span> : ''}
                </td>
                <td>{d.status}</td>
                <td>{d.attempts}</td>
                <td>
                  {d.status_code ?? ''}
                  {d.error ? <span class="muted"> {d.error}</span> : ''}
                </td>
                <td class="muted">{new Date(d.created_at).toLocaleString()}</td>
                <td>
                  <button class="link" onClick={() => setOpen(open === d.id ? null : d.id)}>
                    {open === d.id ? 'Hide' : 'Details'}
                  </button>{' '}
                  <button
                    class="link"
                    onClick={() =>
                      post(`/api/v1/webhooks/${hook.id}/deliveries/${d.id}/replay`).then(load, (e) => setError(errorText(e)))
                    }
                  >
                    Replay
                  </button>
                </td>
              </tr>
              {open === d.id && (
                <tr>
                  <td colSpan={6}>
                    <pre class="payload">{JSON.stringify(d.payload ?? null, null, 2)}</pre>
                    {d.response && <pre class="payload muted">{d.response}</pre>}
                    {d.next_attempt_at && <p class="muted">Next attempt {new Date(d.next_attempt_at).toLocaleString()}</p>}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
          {items?.length === 0 && (
            <tr>
              <td colSpan={6} class="muted">
                No deliveries yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function Hook({ hook, onChanged, onSecret }: { hook: Webhook; onChanged: () => void; onSecret: (s: string) => void }) {
  const [events, setEvents] = useState(hook.events);
  const [showLog, setShowLog] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const changed = events.length !== hook.events.length || events.some((e) => !hook.events.includes(e));
  return (
    <li class="hook" data-hook={hook.id} aria-label={`Webhook ${hook.url}`}>
      <div class="hook-head">
        <code>{hook.url}</code>{' '}
        <span class={`badge ${hook.active ? 'on' : 'off'}`}>{hook.active ? 'active' : 'off'}</span>
        {hook.disabled_reason && <span class="muted"> {hook.disabled_reason}</span>}
        {hook.consecutive_failures > 0 && <span class="muted"> {hook.consecutive_failures} failures in a row</span>}
      </div>
      <ErrorBox error={error} />
      <EventPicker value={events} onChange={setEvents} />
      <div class="inline">
        <button disabled={!changed || !events.length} onClick={() => act(() => patch(`/api/v1/webhooks/${hook.id}`, { events }))}>
          Save events
        </button>
        <button onClick={() => act(() => patch(`/api/v1/webhooks/${hook.id}`, { active: !hook.active }))}>
          {hook.active ? 'Switch off' : 'Switch on'}
        </button>
        <button onClick={() => act(() => post(`/api/v1/webhooks/${hook.id}/ping`))}>Send a ping</button>
        <button
          onClick={() =>
            act(async () => {
              const r = await post<{ secret: string }>(`/api/v1/webhooks/${hook.id}/rotate-secret`);
              onSecret(r.secret);
            })
          }
        >
          Rotate secret
        </button>
        <button class="danger" onClick={() => confirm(`Delete the webhook to ${hook.url}?`) && act(() => del(`/api/v1/webhooks/${hook.id}`))}>
          Delete
        </button>
        <button class="link" onClick={() => setShowLog(!showLog)}>
          {showLog ? 'Hide deliveries' : 'Deliveries'}
        </button>
      </div>
      {showLog && <Deliveries hook={hook} />}
    </li>
  );
}

export default function WebhooksPage({ teamId }: { teamId: string }) {
  const [team, setTeam] = useState<TeamView | null>(null);
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['item_created', 'status_changed']);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    get<Page<Webhook>>(`/api/v1/teams/${teamId}/webhooks`).then(
      (p) => setHooks(p.items),
      (e) => setError(errorText(e)),
    );
  useEffect(() => {
    get<TeamView>(`/api/v1/teams/${teamId}`).then(setTeam, (e) => setError(errorText(e)));
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [teamId]);
  return (
    <main class="page webhooks">
      <nav class="crumbs" aria-label="Breadcrumbs">
        <a href={`/teams/${teamId}`}>{team?.name ?? 'Team'}</a>
      </nav>
      <h1>Webhooks</h1>
      <p class="muted">
        Each delivery is a POST of the activity as JSON, signed with the hook's secret
        (<code>X-Spectree-Signature</code>: HMAC-SHA256 of <code>timestamp.body</code>).
      </p>
      <ErrorBox error={error} />
      {secret && (
        <div class="secret" role="alert" aria-label="Signing secret">
          Signing secret, shown this once: <code>{secret}</code>{' '}
          <button class="link" onClick={() => setSecret(null)}>
            I have saved it
          </button>
        </div>
      )}
      <ul class="hooks" aria-label="Webhooks">
        {hooks?.map((h) => (
          <Hook key={`${h.id}:${h.events.join()}:${h.active}`} hook={h} onChanged={load} onSecret={setSecret} />
        ))}
        {hooks?.length === 0 && <li class="muted">No webhooks yet.</li>}
      </ul>
      <form
        class="card"
        aria-label="New webhook"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const r = await post<{ secret: string }>(`/api/v1/teams/${teamId}/webhooks`, { url: url.trim(), events, active: true });
            setSecret(r.secret);
            setUrl('');
            load();
          } catch (err) {
            setError(errorText(err));
          }
        }}
      >
        <h2>New webhook</h2>
        <label class="field">
          <span>URL</span>
          <input aria-label="Webhook URL" type="url" required placeholder="https://hooks.example.com/spec" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        </label>
        <EventPicker value={events} onChange={setEvents} />
        <button type="submit" disabled={!events.length}>
          Add webhook
        </button>
      </form>
    </main>
  );
}
