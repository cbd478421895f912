import { useState } from 'react';
import { resetPassword, signIn, signUp, singleSignOn } from '../api/people';
import type { SessionInfo } from '../api/types';

type Mode = 'signin' | 'signup' | 'reset';

/** Where the page was opened: `/signup?invite=…` (an invitation link), `/reset-password?token=…` (a reset link), else sign-in. */
export function authLink(): { mode: Mode; invite?: string; token?: string } {
  const params = new URLSearchParams(window.location.search);
  if (window.location.pathname === '/signup') return { mode: 'signup', ...(params.get('invite') ? { invite: params.get('invite')! } : {}) };
  if (window.location.pathname === '/reset-password' && params.get('token')) return { mode: 'reset', token: params.get('token')! };
  return { mode: 'signin' };
}

/** Leaves an invitation or reset link for the editor itself, once it has been used. */
export function leaveAuthLink(): void {
  if (window.location.pathname !== '/') window.history.replaceState(null, '', '/#/flows');
}

/**
 * Sign-in, sign-up (with an invitation link, or open sign-up) and a new password from a reset link. API keys are for
 * apps and scripts: the editor is opened by a person (docs/people-and-roles.md).
 */
export function AuthPage({ onSignedIn }: { onSignedIn: (s: SessionInfo) => void }) {
  const link = authLink();
  const [mode, setMode] = useState<Mode>(link.mode);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void run(async () => {
      if (mode === 'signin') onSignedIn(await signIn(email.trim(), password));
      else if (mode === 'signup') {
        const session = await signUp({ email: email.trim(), name: name.trim(), password, ...(link.invite ? { invitation: link.invite } : {}) });
        leaveAuthLink();
        onSignedIn(session);
      } else {
        await resetPassword(link.token!, password);
        leaveAuthLink();
        setMode('signin');
        setPassword('');
        setNotice('Your password is set. Sign in with it.');
      }
    });
  };

  const title = mode === 'signin' ? 'Sign in' : mode === 'signup' ? (link.invite ? 'Accept your invitation' : 'Create your account') : 'Choose a new password';
  return (
    <div className="login">
      <form onSubmit={submit} className="card" aria-label={title}>
        <h1>Switchyard</h1>
        <h2>{title}</h2>
        {mode === 'signup' && link.invite && <p>You were invited to a workspace. Create your account to join it.</p>}
        {notice && <p className="notice ok">{notice}</p>}
        {mode !== 'reset' && (
          <>
            <label htmlFor="auth-email">Email</label>
            <input id="auth-email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </>
        )}
        {mode === 'signup' && (
          <>
            <label htmlFor="auth-name">Your name</label>
            <input id="auth-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} required />
          </>
        )}
        <label htmlFor="auth-password">{mode === 'signin' ? 'Password' : 'New password (at least 10 characters)'}</label>
        <input
          id="auth-password"
          type="password"
          autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
          minLength={mode === 'signin' ? 1 : 10}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'One moment…' : mode === 'signin' ? 'Sign in' : mode === 'signup' ? 'Create account' : 'Set password'}
        </button>
        {mode !== 'reset' && singleSignOn() && (
          <p>
            <a href={`/api/auth/oidc/start${link.invite ? `?invite=${encodeURIComponent(link.invite)}` : ''}`}>Continue with your identity provider</a>
          </p>
        )}
        {mode === 'signin' ? (
          <p className="muted small">
            New here? Use the invitation link you were sent, or{' '}
            <button type="button" className="link" onClick={() => setMode('signup')}>
              create an account
            </button>{' '}
            if this install allows it. Forgot your password? An administrator prints a reset link with <code>npm run people -- reset-password</code>.
          </p>
        ) : (
          <p className="muted small">
            <button type="button" className="link" onClick={() => setMode('signin')}>
              Back to sign-in
            </button>
          </p>
        )}
      </form>
    </div>
  );
}
