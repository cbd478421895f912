import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role, Scope } from '#core/access';
import { api } from './client';
import type { ApiKeySummary, AuditEntry, CreatedApiKey, CreatedInvitation, MemberList, SessionInfo, SessionList, WorkspaceMembership } from './types';

/** Sign-in, sign-up and the workspace's people, keys and audit log (docs/people-and-roles.md). */

/** The current session, or null when nobody is signed in (asked without a 401, which a browser would log as an error). */
export async function loadSession(): Promise<SessionInfo | null> {
  const res = await fetch('/api/auth/current', { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`The server answered ${res.status} for the session`);
  const body = (await res.json()) as { session: SessionInfo | null; oidc: boolean };
  oidcAvailable = body.oidc;
  return body.session;
}

let oidcAvailable = false;
/** Whether the install signs people in through an identity provider (known after loadSession). */
export const singleSignOn = () => oidcAvailable;

export const signIn = (email: string, password: string) => api<SessionInfo>('POST', '/api/auth/signin', { email, password });
export const signUp = (o: { email: string; name: string; password: string; invitation?: string }) => api<SessionInfo>('POST', '/api/auth/signup', o);
export const signOut = () => api<void>('POST', '/api/auth/signout', {});
export const resetPassword = (token: string, password: string) => api<void>('POST', '/api/auth/reset-password', { token, password });
export const createWorkspace = (name: string) => api<WorkspaceMembership>('POST', '/api/workspaces', { name });
export const acceptInvitation = (token: string) => api<WorkspaceMembership>('POST', '/api/invitations/accept', { token });

/** Where the signed-in person is signed in, and signing one of those browsers out. */
export const useMySessions = () => useQuery({ queryKey: ['my-sessions'], queryFn: () => api<SessionList>('GET', '/api/auth/sessions') });
export function useRevokeSession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['my-sessions'] }),
  });
}

export const useMembers = () => useQuery({ queryKey: ['members'], queryFn: () => api<MemberList>('GET', '/api/members') });

export function useMemberActions() {
  const qc = useQueryClient();
  const done = () => qc.invalidateQueries({ queryKey: ['members'] });
  return {
    invite: useMutation({ mutationFn: (o: { role: Role; email?: string }) => api<CreatedInvitation>('POST', '/api/invitations', o), onSuccess: done }),
    changeRole: useMutation({
      mutationFn: (o: { userId: string; role: Role }) => api<void>('PATCH', `/api/members/${o.userId}`, { role: o.role }),
      onSuccess: done,
    }),
    remove: useMutation({ mutationFn: (userId: string) => api<void>('DELETE', `/api/members/${userId}`), onSuccess: done }),
    revokeInvitation: useMutation({ mutationFn: (id: string) => api<void>('DELETE', `/api/invitations/${id}`), onSuccess: done }),
  };
}

export const useApiKeys = () => useQuery({ queryKey: ['api-keys'], queryFn: () => api<{ keys: ApiKeySummary[] }>('GET', '/api/keys').then((r) => r.keys) });

export function useApiKeyActions() {
  const qc = useQueryClient();
  const done = () => qc.invalidateQueries({ queryKey: ['api-keys'] });
  return {
    create: useMutation({
      mutationFn: (o: { name: string; mode: 'live' | 'test'; scopes: Scope[] }) => api<CreatedApiKey>('POST', '/api/keys', o),
      onSuccess: done,
    }),
    revoke: useMutation({ mutationFn: (id: string) => api<void>('DELETE', `/api/keys/${id}`), onSuccess: done }),
  };
}

export const useAudit = (action?: string) =>
  useQuery({
    queryKey: ['audit', action ?? ''],
    queryFn: () => api<{ entries: AuditEntry[] }>('GET', `/api/audit?limit=200${action ? `&action=${encodeURIComponent(action)}` : ''}`).then((r) => r.entries),
  });
