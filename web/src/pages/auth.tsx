// Pages before the app: first-run setup, log-in, sign-up, email verification, password
// reset and invitation acceptance (the links mailed by the server land here).
import { useEffect, useState } from 'preact/hooks';
import { post, SessionCreatedView, setCsrf } from '../api';
import { navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox, Field, useAction } from '../ui';

function AuthFrame({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <main class="auth">
      <div class="auth-box">
        <p class="brand">Spec Tree</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function SetupPage() {
  const { refresh } = useSession();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const s = await post<SessionCreatedView>('/api/v1/setup', { code, name, email, password });
      setCsrf(s.csrf_token);
      await refresh();
      navigate('/', true);
    });
  };
  return (
    <AuthFrame title="Set up this instance">
      <p>Enter the one-time setup code printed by the server to create the first administrator.</p>
      <form onSubmit={submit}>
        <Field label="Setup code" name="code" value={code} onInput={setCode} autocomplete="off" />
        <Field label="Your name" name="name" value={name} onInput={setName} autocomplete="name" />
        <Field label="Email" name="email" type="email" value={email} onInput={setEmail} autocomplete="email" />
        <Field label="Password" name="password" type="password" value={password} onInput={setPassword} autocomplete="new-password" />
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          Create administrator
        </button>
      </form>
    </AuthFrame>
  );
}

export function LoginPage() {
  const { refresh } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const next = new URL(location.href).searchParams.get('next') ?? '/';
  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const s = await post<SessionCreatedView>('/api/v1/auth/login', { email, password });
      setCsrf(s.csrf_token);
      await refresh();
      navigate(next.startsWith('/') ? next : '/', true);
    });
  };
  return (
    <AuthFrame title="Log in">
      <form onSubmit={submit}>
        <Field label="Email" name="email" type="email" value={email} onInput={setEmail} autocomplete="username" />
        <Field label="Password" name="password" type="password" value={password} onInput={setPassword} autocomplete="current-password" />
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
      <p class="links">
        <a href="/signup">Create an account</a> · <a href="/reset-password">Forgot your password?</a>
      </p>
    </AuthFrame>
  );
}

export function SignupPage() {
  const { refresh } = useSession();
  const invitation = new URL(location.href).searchParams.get('invitation');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const r = await post<{ verification_required: boolean; session?: SessionCreatedView | null }>(
        '/api/v1/auth/signup',
        { name, email, password, invitation_token: invitation },
      );
      if (r.session) {
        setCsrf(r.session.csrf_token);
        await refresh();
        navigate('/', true);
      } else {
        setSent(true);
      }
    });
  };
  if (sent)
    return (
      <AuthFrame title="Check your email">
        <p role="status">We sent a link to {email}. Open it to confirm your address, then log in.</p>
        <a href="/login">Log in</a>
      </AuthFrame>
    );
  return (
    <AuthFrame title="Create an account">
      <form onSubmit={submit}>
        <Field label="Your name" name="name" value={name} onInput={setName} autocomplete="name" />
        <Field label="Email" name="email" type="email" value={email} onInput={setEmail} autocomplete="email" />
        <Field label="Password" name="password" type="password" value={password} onInput={setPassword} autocomplete="new-password" />
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          Sign up
        </button>
      </form>
      <p class="links">
        <a href="/login">I have an account</a>
      </p>
    </AuthFrame>
  );
}

export function VerifyEmailPage() {
  const token = new URL(location.href).searchParams.get('token') ?? '';
  const { error, run } = useAction();
  const [done, setDone] = useState(false);
  useEffect(() => {
    run(async () => {
      await post('/api/v1/auth/verify-email', { token });
      setDone(true);
    });
  }, [token]);
  return (
    <AuthFrame title="Confirm your email">
      <ErrorBox error={error} />
      {done && <p role="status">Your email address is confirmed.</p>}
      <a href="/login">Log in</a>
    </AuthFrame>
  );
}

export function ResetPasswordPage() {
  const token = new URL(location.href).searchParams.get('token');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      if (token) {
        await post('/api/v1/auth/password-reset/confirm', { token, password });
        setDone('Your password is changed. Log in with the new one.');
      } else {
        await post('/api/v1/auth/password-reset', { email });
        setDone(`If ${email} has an account, a link to reset its password is on its way.`);
      }
    });
  };
  return (
    <AuthFrame title={token ? 'Choose a new password' : 'Reset your password'}>
      {done ? (
        <p role="status">{done}</p>
      ) : (
        <form onSubmit={submit}>
          {token ? (
            <Field label="New password" name="password" type="password" value={password} onInput={setPassword} autocomplete="new-password" />
          ) : (
            <Field label="Email" name="email" type="email" value={email} onInput={setEmail} autocomplete="email" />
          )}
          <ErrorBox error={error} />
          <button type="submit" disabled={busy}>
            {token ? 'Set password' : 'Send reset link'}
          </button>
        </form>
      )}
      <p class="links">
        <a href="/login">Log in</a>
      </p>
    </AuthFrame>
  );
}

export function InvitePage() {
  const token = new URL(location.href).searchParams.get('token') ?? '';
  const { me, refresh } = useSession();
  const { busy, error, run } = useAction();
  if (!me)
    return (
      <AuthFrame title="You are invited">
        <p>Create an account (or log in) to accept the invitation.</p>
        <p class="links">
          <a href={`/signup?invitation=${encodeURIComponent(token)}`}>Sign up and accept</a> ·{' '}
          <a href={`/login?next=${encodeURIComponent('/invite?token=' + token)}`}>Log in</a>
        </p>
      </AuthFrame>
    );
  return (
    <AuthFrame title="You are invited">
      <ErrorBox error={error} />
      <button
        disabled={busy}
        onClick={() =>
          run(async () => {
            const r = await post<{ org_id: string }>('/api/v1/invitations/accept', { token });
            await refresh();
            navigate(`/orgs/${r.org_id}`, true);
          })
        }
      >
        Accept the invitation
      </button>
    </AuthFrame>
  );
}
