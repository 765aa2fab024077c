// The REST client: JSON in and out, the session cookie, the CSRF token on writes, and
// problem+json errors turned into ApiError with the server's stable code.

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

export function setCsrf(token: string | null) {
  csrfToken = token;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    // Nothing the API answers goes into the browser's HTTP cache, so signing out leaves no
    // copy of anyone's data behind (see offline.ts for what the app keeps on purpose).
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const p = (data ?? {}) as { code?: string; detail?: string; title?: string };
    throw new ApiError(res.status, p.code ?? 'http_error', p.detail ?? p.title ?? res.statusText);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  if (e instanceof Error) return e.message;
  return String(e);
}

// Wire types (docs/openapi.json).
export type Role = 'viewer' | 'editor' | 'manager' | 'admin' | 'owner';
export type ItemType = 'epic' | 'feature' | 'story' | 'task';
export type Status = 'draft' | 'ready' | 'in_progress' | 'in_review' | 'done';
export type Priority = 'low' | 'medium' | 'high' | 'urgent';
export const ROLES: Role[] = ['viewer', 'editor', 'manager', 'admin', 'owner'];
export const TYPES: ItemType[] = ['epic', 'feature', 'story', 'task'];
export const STATUSES: Status[] = ['draft', 'ready', 'in_progress', 'in_review', 'done'];
export const PRIORITIES: Priority[] = ['low', 'medium', 'high', 'urgent'];

export interface UserView {
  id: string;
  email: string;
  name: string;
  email_verified: boolean;
  instance_admin: boolean;
}
export interface MembershipView {
  org_id: string;
  name: string;
  slug: string;
  role?: Role | null;
}
export interface MeView {
  user: UserView;
  organizations: MembershipView[];
  csrf_token?: string | null;
}
export interface SessionCreatedView {
  user: UserView;
  csrf_token: string;
}
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}
export interface OrgView {
  id: string;
  name: string;
  slug: string;
  role?: Role | null;
}
export interface TeamView {
  id: string;
  org_id: string;
  name: string;
  slug: string;
  role?: Role | null;
  viewers_can_comment?: boolean;
}
export interface MemberView {
  user_id: string;
  email: string;
  name: string;
  role?: Role | null;
}
export interface TeamMemberView {
  user_id: string;
  email: string;
  name: string;
  role: Role;
}
export interface InvitationView {
  id: string;
  email: string;
  org_role?: Role | null;
  team_id?: string | null;
  team_role?: Role | null;
  expires_at: string;
}
export interface ProjectView {
  id: string;
  org_id: string;
  team_id: string;
  name: string;
  slug: string;
  description: string;
}
export interface TreeNode {
  id: string;
  parent_id?: string | null;
  depth: number;
  position: string;
  type: ItemType;
  status: Status;
  priority: Priority;
  title: string;
  assignee_id?: string | null;
}
export interface TreeView {
  project_id: string;
  items: TreeNode[];
}
export interface ItemView extends TreeNode {
  project_id: string;
  description: string;
}
export interface TrashEntry {
  item_id: string;
  title: string;
  type: ItemType;
  count: number;
  deleted_at?: string | null;
}

/// Roles that may change content (Editor and up).
export function canEdit(role: Role | null | undefined): boolean {
  return !!role && role !== 'viewer';
}
/// Roles that may delete and restore (Manager and up).
export function canManage(role: Role | null | undefined): boolean {
  return role === 'manager' || role === 'admin' || role === 'owner';
}
