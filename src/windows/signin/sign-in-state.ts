import { signal } from '@preact/signals';
import { api, onAgentEvent, onResync, transport } from '../shared/agent-client.ts';
import type { AuthStatus } from '../shared/api-types.ts';
import { errorMessage } from '../shared/error-message.ts';
import { fieldErrors } from '../shared/field-errors.ts';

export type Loaded<T> =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; value: T };

export interface ClientSetup {
  clientId: string;
  /** Whether a secret is set; the secret itself is never shown again. */
  hasSecret: boolean;
}

export const auth = signal<Loaded<AuthStatus>>({ state: 'loading' });
export const client = signal<Loaded<ClientSetup>>({ state: 'loading' });
/** What went wrong with the last action (sign in, sign out), for the alert under the buttons. */
export const actionError = signal('');
export const busy = signal(false);

/** Bumped by every auth.changed event: an answer asked for before the latest event is stale. */
let authEvents = 0;

export async function loadAuth(): Promise<void> {
  const asked = authEvents;
  try {
    const status = await api.auth.status.query();
    if (asked === authEvents) auth.value = { state: 'ready', value: status };
  } catch (error) {
    if (asked === authEvents) auth.value = { state: 'error', message: errorMessage(error) };
  }
}

export async function loadClient(): Promise<void> {
  try {
    const { google } = await api.settings.get.query();
    client.value = {
      state: 'ready',
      value: { clientId: google.clientId ?? '', hasSecret: Boolean(google.clientSecret) },
    };
  } catch (error) {
    client.value = { state: 'error', message: errorMessage(error) };
  }
}

/**
 * Starts a sign-in. In the desktop app the agent opens the system browser; in a browser the
 * consent page opens in a new tab of this browser (the agent's machine may have none). The tab
 * is opened at the click, before the agent answers, so that no popup blocker stops it.
 */
export async function signIn(): Promise<void> {
  const tab = transport === 'http' ? open('about:blank', '_blank') : null;
  if (tab) tab.opener = null;
  await act(async () => {
    try {
      const attempt = await api.auth.beginSignIn.mutate({ openBrowser: transport === 'bridge' });
      if (attempt.kind !== 'started') {
        // Someone signed in meanwhile (another window, the CLI): nothing to open.
        tab?.close();
        return;
      }
      if (tab) tab.location.href = attempt.url;
    } catch (error) {
      tab?.close();
      throw error;
    }
  });
}

let cancelling = false;
export const cancelSignIn = async () => {
  cancelling = true;
  await act(() => api.auth.cancelSignIn.mutate());
  cancelling = false;
};
export const signOut = () => act(() => api.auth.signOut.mutate());

async function act(action: () => Promise<unknown>): Promise<void> {
  busy.value = true;
  actionError.value = '';
  try {
    await action();
  } catch (error) {
    actionError.value = errorMessage(error);
  } finally {
    busy.value = false;
  }
  // The agent's auth.changed event updates the page too; this covers an action that changed nothing.
  await loadAuth();
}

/** Saves the OAuth client; resolves with the API's message per field (empty when saved). */
export async function saveClient(
  clientId: string,
  clientSecret: string,
): Promise<Record<string, string>> {
  const problems: Record<string, string> = {};
  if (!clientId.trim()) problems['google.clientId'] = 'Enter the client ID Google showed you.';
  if (!clientSecret.trim())
    problems['google.clientSecret'] = 'Enter the client secret Google showed you.';
  if (Object.keys(problems).length) return problems;
  try {
    await api.settings.update.mutate({
      set: { google: { clientId: clientId.trim(), clientSecret: clientSecret.trim() } },
    });
    await loadClient();
    return {};
  } catch (error) {
    const fields = fieldErrors(error, 'set.');
    return Object.keys(fields).length ? fields : { form: errorMessage(error) };
  }
}

export function startSignIn(): void {
  void loadAuth();
  void loadClient();
  onAgentEvent((event) => {
    if (event.type !== 'auth.changed') return;
    authEvents++;
    const before = auth.value;
    const status = (event.data as { status: AuthStatus }).status;
    auth.value = { state: 'ready', value: status };
    // The agent says only that it is signed out again; the tab Google sent back says why.
    const wasSigningIn = before.state === 'ready' && before.value.state === 'signing-in';
    if (wasSigningIn && status.state === 'signed-out' && !cancelling) {
      actionError.value =
        'The sign-in did not complete. The browser tab it used says why; you can try again.';
    }
    if (status.state === 'signed-in') actionError.value = '';
  });
  onResync(() => {
    void loadAuth();
    void loadClient();
  });
}
