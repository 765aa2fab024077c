// Navigation pages: the organizations of the user, an organization (teams, members,
// invitations and roles) and a team (projects and team members).
import { useState } from 'preact/hooks';
import {
  canManage,
  del,
  get,
  InvitationView,
  MemberView,
  OrgView,
  Page,
  post,
  ProjectView,
  put,
  Role,
  ROLES,
  TeamMemberView,
  TeamView,
} from '../api';
import { navigate } from '../router';
import { useSession } from '../session';
import { Card, ErrorBox, Field, slugify, useAction, useData } from '../ui';

export function HomePage() {
  const { me, refresh } = useSession();
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  if (!me) return null;
  const create = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const org = await post<OrgView>('/api/v1/orgs', { name, slug: slugify(name) });
      await refresh();
      navigate(`/orgs/${org.id}`);
    });
  };
  return (
    <main class="page">
      <h1>Your organizations</h1>
      <ul class="list" aria-label="Organizations">
        {me.organizations.map((o) => (
          <li key={o.org_id}>
            <a href={`/orgs/${o.org_id}`}>{o.name}</a> <span class="muted">{o.role ?? 'member'}</span>
          </li>
        ))}
        {me.organizations.length === 0 && <li class="muted">None yet: create one below.</li>}
      </ul>
      <Card title="New organization">
        <form onSubmit={create} class="inline">
          <Field label="Name" name="org-name" value={name} onInput={setName} />
          <button type="submit" disabled={busy}>
            Create organization
          </button>
        </form>
        <ErrorBox error={error} />
      </Card>
    </main>
  );
}

function RoleSelect(props: {
  label: string;
  value: Role | null | undefined;
  allowNone?: boolean;
  disabled?: boolean;
  onChange: (r: Role | null) => void;
}) {
  return (
    <select
      aria-label={props.label}
      value={props.value ?? ''}
      disabled={props.disabled}
      onChange={(e) => {
        const v = (e.target as HTMLSelectElement).value;
        props.onChange(v ? (v as Role) : null);
      }}
    >
      {props.allowNone && <option value="">no org role</option>}
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

interface Person {
  user_id: string;
  name: string;
  email: string;
  role?: Role | null;
}

/// Members with a role each: changed and removed by those allowed to.
function MemberTable<M extends Person>(props: {
  label: string;
  scope: string;
  members: M[];
  allowNone?: boolean;
  canChange: boolean;
  removeLabel: (name: string) => string;
  /// The members collection, e.g. `/api/v1/orgs/{org}/members`.
  path: string;
  run: (f: () => Promise<void>) => void;
  reload: () => void;
}) {
  const change = (f: () => Promise<unknown>) =>
    props.run(async () => {
      await f();
      props.reload();
    });
  return (
    <table aria-label={props.label}>
      <tbody>
        {props.members.map((m) => (
          <tr key={m.user_id}>
            <td>
              <div class="nowrap">{m.name}</div>
              <div class="muted small">{m.email}</div>
            </td>
            <td>
              <RoleSelect
                label={`${props.scope} of ${m.name}`}
                value={m.role}
                allowNone={props.allowNone}
                disabled={!props.canChange}
                onChange={(role) => change(() => put(`${props.path}/${m.user_id}`, { role }))}
              />
            </td>
            <td>
              {props.canChange && (
                <button class="link" aria-label={props.removeLabel(m.name)} onClick={() => change(() => del(`${props.path}/${m.user_id}`))}>
                  Remove
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function OrgPage({ orgId }: { orgId: string }) {
  const org = useData(() => get<OrgView>(`/api/v1/orgs/${orgId}`), [orgId]);
  const teams = useData(() => get<Page<TeamView>>(`/api/v1/orgs/${orgId}/teams?limit=200`), [orgId]);
  const members = useData(() => get<Page<MemberView>>(`/api/v1/orgs/${orgId}/members?limit=200`), [orgId]);
  const isAdmin = org.data?.role === 'admin' || org.data?.role === 'owner';
  const invitations = useData(
    () => (isAdmin ? get<Page<InvitationView>>(`/api/v1/orgs/${orgId}/invitations?limit=200`) : Promise.resolve({ items: [] })),
    [orgId, isAdmin],
  );
  const [teamName, setTeamName] = useState('');
  const [inviteEmail, setInviteEmail] = useState('');
  const [inviteRole, setInviteRole] = useState<Role | null>(null);
  const [inviteTeam, setInviteTeam] = useState('');
  const [inviteTeamRole, setInviteTeamRole] = useState<Role>('editor');
  const [acceptUrl, setAcceptUrl] = useState<string | null>(null);
  const act = useAction();
  return (
    <main class="page">
      <ErrorBox error={org.error} />
      <h1>{org.data?.name ?? '…'}</h1>
      {(org.data?.role === 'admin' || org.data?.role === 'owner') && (
        <p>
          <a href={`/orgs/${orgId}/audit`}>Audit log</a>
        </p>
      )}
      <div class="columns">
        <Card title="Teams">
          <ul class="list" aria-label="Teams">
            {teams.data?.items.map((t) => (
              <li key={t.id}>
                <a href={`/teams/${t.id}`}>{t.name}</a> <span class="muted">{t.role ?? ''}</span>
              </li>
            ))}
          </ul>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              act.run(async () => {
                await post(`/api/v1/orgs/${orgId}/teams`, { name: teamName, slug: slugify(teamName) });
                setTeamName('');
                teams.reload();
              });
            }}
          >
            <Field label="Team name" name="team-name" value={teamName} onInput={setTeamName} />
            <button type="submit">Create team</button>
          </form>
        </Card>
        <Card title="Members">
          <MemberTable
            label="Members"
            scope="Organization role"
            members={members.data?.items ?? []}
            allowNone
            canChange={isAdmin}
            removeLabel={(name) => `Remove ${name}`}
            path={`/api/v1/orgs/${orgId}/members`}
            run={act.run}
            reload={members.reload}
          />
        </Card>
        {isAdmin && (
          <Card title="Invitations">
            <ul class="list" aria-label="Pending invitations">
              {invitations.data?.items.map((i) => (
                <li key={i.id}>
                  {i.email} <span class="muted">{i.org_role ?? ''}</span>{' '}
                  <button
                    class="link"
                    aria-label={`Revoke the invitation of ${i.email}`}
                    onClick={() =>
                      act.run(async () => {
                        await del(`/api/v1/orgs/${orgId}/invitations/${i.id}`);
                        invitations.reload();
                      })
                    }
                  >
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
            <form
              class="inline"
              onSubmit={(e) => {
                e.preventDefault();
                act.run(async () => {
                  const r = await post<{ accept_url: string }>(`/api/v1/orgs/${orgId}/invitations`, {
                    email: inviteEmail,
                    org_role: inviteRole,
                    team_id: inviteTeam || null,
                    team_role: inviteTeam ? inviteTeamRole : null,
                  });
                  setAcceptUrl(r.accept_url);
                  setInviteEmail('');
                  invitations.reload();
                });
              }}
            >
              <Field label="Email" name="invite-email" type="email" value={inviteEmail} onInput={setInviteEmail} />
              <RoleSelect label="Organization role on acceptance" value={inviteRole} allowNone onChange={setInviteRole} />
              <select
                aria-label="Team to join"
                value={inviteTeam}
                onChange={(e) => setInviteTeam((e.target as HTMLSelectElement).value)}
              >
                <option value="">no team</option>
                {teams.data?.items.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
              {inviteTeam && (
                <RoleSelect label="Team role on acceptance" value={inviteTeamRole} onChange={(r) => setInviteTeamRole(r ?? 'viewer')} />
              )}
              <button type="submit">Invite</button>
            </form>
            {acceptUrl && (
              <p role="status">
                Invitation mailed. Link: <code>{acceptUrl}</code>
              </p>
            )}
          </Card>
        )}
      </div>
      <ErrorBox error={act.error} />
    </main>
  );
}

export function TeamPage({ teamId }: { teamId: string }) {
  const team = useData(() => get<TeamView>(`/api/v1/teams/${teamId}`), [teamId]);
  const projects = useData(() => get<Page<ProjectView>>(`/api/v1/teams/${teamId}/projects?limit=200`), [teamId]);
  const members = useData(() => get<Page<TeamMemberView>>(`/api/v1/teams/${teamId}/members?limit=200`), [teamId]);
  const orgId = team.data?.org_id;
  const orgMembers = useData(
    () => (orgId ? get<Page<MemberView>>(`/api/v1/orgs/${orgId}/members?limit=200`) : Promise.resolve({ items: [] })),
    [orgId],
  );
  const { me } = useSession();
  const manager = canManage(team.data?.role);
  const [projectName, setProjectName] = useState('');
  const [addUser, setAddUser] = useState('');
  const [addRole, setAddRole] = useState<Role>('editor');
  const act = useAction();
  const inTeam = new Set(members.data?.items.map((m) => m.user_id));
  return (
    <main class="page">
      <ErrorBox error={team.error} />
      <nav class="crumbs" aria-label="Breadcrumbs">
        {orgId && <a href={`/orgs/${orgId}`}>{me?.organizations.find((o) => o.org_id === orgId)?.name ?? 'Organization'}</a>}
      </nav>
      <h1>{team.data?.name ?? '…'}</h1>
      <p class="links">
        <a href={`/teams/${teamId}/activity`}>Activity</a>
        {(team.data?.role === 'admin' || team.data?.role === 'owner') && <a href={`/teams/${teamId}/webhooks`}>Webhooks</a>}
      </p>
      <div class="columns">
        <Card title="Projects">
          <ul class="list" aria-label="Projects">
            {projects.data?.items.map((p) => (
              <li key={p.id}>
                <a href={`/projects/${p.id}`}>{p.name}</a>
              </li>
            ))}
          </ul>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              act.run(async () => {
                const p = await post<ProjectView>(`/api/v1/teams/${teamId}/projects`, {
                  name: projectName,
                  slug: slugify(projectName),
                });
                navigate(`/projects/${p.id}`);
              });
            }}
          >
            <Field label="Project name" name="project-name" value={projectName} onInput={setProjectName} />
            <button type="submit">Create project</button>
          </form>
        </Card>
        <Card title="Team members">
          <MemberTable
            label="Team members"
            scope="Team role"
            members={members.data?.items ?? []}
            canChange={manager}
            removeLabel={(name) => `Remove ${name} from the team`}
            path={`/api/v1/teams/${teamId}/members`}
            run={act.run}
            reload={members.reload}
          />
          {manager && (
            <form
              class="inline"
              onSubmit={(e) => {
                e.preventDefault();
                act.run(async () => {
                  await put(`/api/v1/teams/${teamId}/members/${addUser}`, { role: addRole });
                  setAddUser('');
                  members.reload();
                });
              }}
            >
              <select aria-label="Organization member to add" value={addUser} onChange={(e) => setAddUser((e.target as HTMLSelectElement).value)} required>
                <option value="">Add a member…</option>
                {orgMembers.data?.items
                  .filter((m) => !inTeam.has(m.user_id))
                  .map((m) => (
                    <option key={m.user_id} value={m.user_id}>
                      {m.name} ({m.email})
                    </option>
                  ))}
              </select>
              <RoleSelect label="Team role" value={addRole} onChange={(r) => setAddRole(r ?? 'viewer')} />
              <button type="submit">Add to team</button>
            </form>
          )}
        </Card>
      </div>
      <ErrorBox error={act.error} />
    </main>
  );
}
