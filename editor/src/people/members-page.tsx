import { useState } from 'react';
import { Roles, type Role } from '#core/access';
import { useMemberActions, useMembers, useMySessions, useRevokeSession } from '../api/people';
import type { CreatedInvitation } from '../api/types';
import { CopyButton } from '../components/copy-button';
import { ErrorBox } from '../components/error-box';
import { formatTime } from '../components/format';

const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including members, API keys and the audit log',
  editor: 'flows, publishing, secrets (set, never read), connections, catalog, settings; runs',
  operator: 'runs: start, retry, skip, abort, cancel, replay deliveries; cannot edit flows or secrets',
  viewer: 'read only',
};

/** The workspace's members and roles, and invitations by link. Owners change them; everyone sees who is in. */
export function MembersPage({ canManage }: { canManage: boolean }) {
  const members = useMembers();
  const actions = useMemberActions();
  const [role, setRole] = useState<Role>('editor');
  const [email, setEmail] = useState('');
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const invite = (e: React.FormEvent) => {
    e.preventDefault();
    actions.invite.mutate({ role, ...(email.trim() ? { email: email.trim() } : {}) }, { onSuccess: (inv) => setCreated(inv) });
  };
  return (
    <section className="members-page">
      <div className="page-head">
        <div>
          <h1>Members</h1>
          <p className="muted lead">People in this workspace and what their role lets them do.</p>
        </div>
      </div>
      <ul className="muted small">
        {Roles.map((r) => (
          <li key={r}>
            <strong>{r}</strong>: {ROLE_HELP[r]}
          </li>
        ))}
      </ul>
      <ErrorBox error={members.error ?? actions.changeRole.error ?? actions.remove.error ?? actions.revokeInvitation.error} />
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Joined</th>
            {canManage && <th aria-label="Actions" />}
          </tr>
        </thead>
        <tbody>
          {members.data?.members.map((m) => (
            <tr key={m.userId}>
              <td>{m.name}</td>
              <td>{m.email}</td>
              <td>
                {canManage ? (
                  <select
                    aria-label={`Role of ${m.email}`}
                    value={m.role}
                    onChange={(e) => actions.changeRole.mutate({ userId: m.userId, role: e.target.value as Role })}
                  >
                    {Roles.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                ) : (
                  m.role
                )}
              </td>
              <td>{formatTime(m.joinedAt)}</td>
              {canManage && (
                <td>
                  <button className="link" onClick={() => window.confirm(`Remove ${m.email} from this workspace?`) && actions.remove.mutate(m.userId)}>
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {canManage && (
        <div className="card section">
          <h2>Invite someone</h2>
          <form className="inline-form" onSubmit={invite} aria-label="Invite someone">
            <label className="inline-label">
              Role{' '}
              <select aria-label="Invitation role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {Roles.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline-label">
              Email (optional){' '}
              <input aria-label="Invitation email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} placeholder="anyone with the link" />
            </label>
            <button type="submit" className="primary" disabled={actions.invite.isPending}>
              Create invitation link
            </button>
          </form>
          <ErrorBox error={actions.invite.error} />
          {created && (
            <p className="notice ok">
              Send this link to the person (shown once; valid until {formatTime(created.expiresAt)}): <code className="invitation-link">{created.url}</code>{' '}
              <CopyButton text={created.url} />
            </p>
          )}
          {members.data && members.data.invitations.length > 0 && (
            <>
              <h3>Open invitations</h3>
              <ul>
                {members.data.invitations.map((i) => (
                  <li key={i.id}>
                    {i.role} {i.email ? `for ${i.email}` : '(anyone with the link)'}, until {formatTime(i.expiresAt)}{' '}
                    <button className="link" onClick={() => actions.revokeInvitation.mutate(i.id)}>
                      Revoke
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <MySessions />
    </section>
  );
}

/** The person's own sessions: where they are signed in, each signed out on its own (a lost laptop). */
function MySessions() {
  const sessions = useMySessions();
  const revoke = useRevokeSession();
  return (
    <div className="card section">
      <h2>Where you are signed in</h2>
      <ErrorBox error={sessions.error ?? revoke.error} />
      <ul className="my-sessions">
        {sessions.data?.sessions.map((s) => (
          <li key={s.id}>
            {s.userAgent ? <span title={s.userAgent}>{describeBrowser(s.userAgent)}</span> : 'An unknown browser'}, signed in {formatTime(s.createdAt)}, last
            active {formatTime(s.lastSeenAt)}{' '}
            {s.current ? (
              <strong>(this browser)</strong>
            ) : (
              <button className="link" onClick={() => revoke.mutate(s.id)} disabled={revoke.isPending}>
                Sign out there
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** "Chrome on Linux" from a User-Agent header, or the header itself when it says neither. */
export function describeBrowser(ua: string): string {
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : null;
  const os = /Windows/.test(ua) ? 'Windows' : /Mac OS X|Macintosh/.test(ua) ? 'macOS' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Linux/.test(ua) ? 'Linux' : null;
  if (!browser && !os) return ua.slice(0, 80);
  return [browser ?? 'A browser', os ? `on ${os}` : ''].join(' ').trim();
}
