import '../shared/theme.css';
import './signin.css';
import { useState } from 'preact/hooks';
import { authWarningWords, needsSignInWords } from '../../ipc/common/status-words.ts';
import type { AuthStatus } from '../shared/api-types.ts';
import { transport } from '../shared/agent-client.ts';
import { mountPage, PageFrame } from '../shared/page-frame.tsx';
import { ProgressBar } from '../shared/progress-bar.tsx';
import { StateBlock } from '../shared/state-block.tsx';
import {
  actionError,
  auth,
  busy,
  cancelSignIn,
  client,
  loadAuth,
  loadClient,
  saveClient,
  signIn,
  signOut,
  startSignIn,
  type ClientSetup,
} from './sign-in-state.ts';

function SignInPage() {
  const a = auth.value;
  const c = client.value;
  const clientCard = c.state === 'ready' && <OAuthClient setup={c.value} />;
  // Before any client is set up, that is the first thing to do: it comes first.
  const setupFirst = c.state === 'ready' && !isConfigured(c.value);
  return (
    <PageFrame page="signin">
      <div class="signin">
        {setupFirst && clientCard}
        <section class="card" aria-labelledby="account-heading">
          <h2 id="account-heading">Google account</h2>
          {a.state === 'loading' && (
            <StateBlock kind="loading" title="Asking the agent who is signed in…" />
          )}
          {a.state === 'error' && (
            <StateBlock
              kind="error"
              title="The sign-in state could not be read."
              detail={a.message}
              action={
                <button type="button" class="button" onClick={() => void loadAuth()}>
                  Try again
                </button>
              }
            />
          )}
          {a.state === 'ready' && (
            <Account status={a.value} canSignIn={c.state !== 'ready' || isConfigured(c.value)} />
          )}
          {actionError.value && (
            <p class="field-error" role="alert">
              {actionError.value}
            </p>
          )}
        </section>
        {!setupFirst && clientCard}
        {c.state === 'error' && (
          <StateBlock
            kind="error"
            title="The settings could not be read."
            detail={c.message}
            action={
              <button type="button" class="button" onClick={() => void loadClient()}>
                Try again
              </button>
            }
          />
        )}
      </div>
    </PageFrame>
  );
}

function isConfigured(setup: ClientSetup): boolean {
  return setup.clientId !== '' && setup.hasSecret;
}

function Account({ status, canSignIn }: { status: AuthStatus; canSignIn: boolean }) {
  return (
    <>
      <AccountState status={status} canSignIn={canSignIn} />
      {status.warnings.length > 0 && (
        <ul class="warnings" aria-label="Warnings">
          {status.warnings.map((warning) => {
            const words = authWarningWords(warning);
            return <li key={words}>{words}</li>;
          })}
        </ul>
      )}
    </>
  );
}

function SignInButton({ disabled }: { disabled?: boolean }) {
  return (
    <button
      type="button"
      class="button button-primary"
      disabled={busy.value || disabled}
      onClick={() => void signIn()}
    >
      Sign in with Google
    </button>
  );
}

function AccountState({ status, canSignIn }: { status: AuthStatus; canSignIn: boolean }) {
  switch (status.state) {
    case 'signed-in':
      return <SignedIn status={status} />;
    case 'signing-in':
      return (
        <div class="account">
          <div class="account-line" role="status">
            <span class="spinner" aria-hidden="true" />
            <span>Waiting for you to finish signing in, in the browser tab DriveUp opened…</span>
          </div>
          <p class="muted">
            No tab?{' '}
            <a href={status.url} target="_blank" rel="noopener noreferrer">
              Open Google's sign-in page
            </a>
            .
          </p>
          <div class="actions">
            <button
              type="button"
              class="button"
              disabled={busy.value}
              onClick={() => void cancelSignIn()}
            >
              Cancel sign-in
            </button>
          </div>
        </div>
      );
    case 'needs-sign-in':
      return (
        <div class="account">
          <p>
            <span class="tag tag-warning">Sign-in needed</span>{' '}
            {status.account ? `${status.account.email}: ` : ''}
            {needsSignInWords(status)}
          </p>
          <p class="muted">Uploads wait, and nothing is lost, until you sign in again.</p>
          <div class="actions">
            <SignInButton disabled={!canSignIn} />
          </div>
        </div>
      );
    case 'signed-out':
      return (
        <div class="account">
          <p>
            Not signed in. DriveUp uploads nothing until you sign in with the Google account whose
            Drive should receive the files.
          </p>
          <p class="muted">
            {transport === 'http'
              ? "Google's page opens in a new tab of this browser; this page follows along."
              : "Google's page opens in your browser; this window follows along."}
          </p>
          <div class="actions">
            <SignInButton disabled={!canSignIn} />
          </div>
          {!canSignIn && <p class="muted">First set up a Google OAuth client (above).</p>}
        </div>
      );
  }
}

function SignedIn({ status }: { status: Extract<AuthStatus, { state: 'signed-in' }> }) {
  const [confirming, setConfirming] = useState(false);
  const { account, storage } = status;
  return (
    <div class="account">
      <div class="account-line">
        <span class="avatar" aria-hidden="true">
          {(account.displayName || account.email).charAt(0).toUpperCase()}
        </span>
        <div>
          <p>
            Signed in as <strong>{account.displayName}</strong>
          </p>
          <p class="muted">{account.email}</p>
        </div>
      </div>
      {storage && storage.limitBytes !== null && (
        <div class="storage">
          <span class="field-label" aria-hidden="true">
            Drive storage used
          </span>
          <ProgressBar
            label="Drive storage used"
            done={storage.usedBytes}
            total={storage.limitBytes}
          />
        </div>
      )}
      <div class="actions">
        {confirming ? (
          <div class="confirm" role="group" aria-label="Confirm sign-out">
            <p>
              Sign out? DriveUp's access is revoked at Google and uploads wait until someone signs
              in again.
            </p>
            <button
              type="button"
              class="button button-primary"
              disabled={busy.value}
              onClick={() => void signOut().then(() => setConfirming(false))}
            >
              Sign out
            </button>
            <button type="button" class="button" onClick={() => setConfirming(false)}>
              Stay signed in
            </button>
          </div>
        ) : (
          <button type="button" class="button" onClick={() => setConfirming(true)}>
            Sign out…
          </button>
        )}
      </div>
    </div>
  );
}

/** How to make a Google OAuth client (as README says), and the fields to give DriveUp its ID and secret. */
function OAuthClient({ setup }: { setup: ClientSetup }) {
  const configured = isConfigured(setup);
  const body = <ClientForm setup={setup} />;
  if (configured) {
    return (
      <section class="card" aria-labelledby="client-heading">
        <details>
          <summary>
            <h2 id="client-heading">Google OAuth client</h2>
            <span class="muted">
              Client ID <code>{setup.clientId}</code>
            </span>
          </summary>
          {body}
        </details>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="client-heading">
      <h2 id="client-heading">Set up a Google OAuth client</h2>
      <p>
        Google requires every desktop program to bring its own "Desktop app" OAuth client. Make one
        once:
      </p>
      <ol class="steps">
        <li>
          Open{' '}
          <a href="https://console.cloud.google.com/" target="_blank" rel="noopener noreferrer">
            Google Cloud console
          </a>{' '}
          and pick or create a project.
        </li>
        <li>APIs &amp; Services → Library: enable the "Google Drive API".</li>
        <li>
          APIs &amp; Services → OAuth consent screen: configure it (External or Internal) and add
          yourself as a test user while the app is in testing.
        </li>
        <li>
          APIs &amp; Services → Credentials → Create credentials → OAuth client ID → Application
          type "Desktop app" → Create.
        </li>
        <li>Give DriveUp the client ID and secret Google shows:</li>
      </ol>
      {body}
    </section>
  );
}

function ClientForm({ setup }: { setup: ClientSetup }) {
  const [clientId, setClientId] = useState(setup.clientId);
  const [secret, setSecret] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setSaved(false);
    const problems = await saveClient(clientId, secret);
    setSaving(false);
    setErrors(problems);
    if (Object.keys(problems).length === 0) {
      setSecret('');
      setSaved(true);
    }
  };
  return (
    <form class="client-form" onSubmit={(e) => void submit(e)} noValidate>
      <div class="field">
        <label for="client-id">Client ID</label>
        <input
          id="client-id"
          class="input"
          autoComplete="off"
          spellcheck={false}
          placeholder="1234-abc.apps.googleusercontent.com"
          value={clientId}
          aria-invalid={errors['google.clientId'] ? 'true' : undefined}
          aria-describedby={errors['google.clientId'] ? 'client-id-error' : undefined}
          onInput={(e) => setClientId(e.currentTarget.value)}
        />
        {errors['google.clientId'] && (
          <span id="client-id-error" class="field-error">
            {errors['google.clientId']}
          </span>
        )}
      </div>
      <div class="field">
        <label for="client-secret">Client secret</label>
        <input
          id="client-secret"
          class="input"
          type="password"
          autoComplete="off"
          placeholder={setup.hasSecret ? 'Saved; type to replace it' : 'GOCSPX-…'}
          value={secret}
          aria-invalid={errors['google.clientSecret'] ? 'true' : undefined}
          aria-describedby={errors['google.clientSecret'] ? 'client-secret-error' : undefined}
          onInput={(e) => setSecret(e.currentTarget.value)}
        />
        {errors['google.clientSecret'] && (
          <span id="client-secret-error" class="field-error">
            {errors['google.clientSecret']}
          </span>
        )}
      </div>
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={saving}>
          Save client
        </button>
        <span role="status" class="muted">
          {saved ? 'Saved. You can sign in now.' : ''}
        </span>
      </div>
      {errors.form && (
        <p class="field-error" role="alert">
          {errors.form}
        </p>
      )}
      <p class="muted">
        The settings <code>google.clientId</code> and <code>google.clientSecret</code>; the
        environment variables <code>DRIVEUP_GOOGLE_CLIENT_ID</code> and{' '}
        <code>DRIVEUP_GOOGLE_CLIENT_SECRET</code> override them.
      </p>
    </form>
  );
}

mountPage(<SignInPage />);
startSignIn();
