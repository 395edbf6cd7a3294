/**
 * Words for the agent's states, for the windows and the tray (the CLI has its own, which name its
 * commands): pauses, what needs attention, a job's situation, sign-in problems and warnings. The
 * API's views carry data (kinds, causes, paths); these say it. Browser-safe: no Node, nothing of
 * the engine at run time; each function names the fields it reads.
 */

/** A pause as the API describes it (`queue.status`, `activity.summary`, `queue.paused`). */
export type PauseData =
  | { kind: 'user'; note: string | null }
  | { kind: 'disk-full'; path: string; mount: string }
  | {
      kind: 'auth';
      cause: 'not-signed-in' | 'refused' | 'scope-missing' | 'unreadable' | 'expired';
      detail: string | null;
    }
  | { kind: 'offline' };

const WAITING_FOR_ACCOUNT = 'Waiting for a Google account';

/** "Paused by you", "Disk full: free space on /data …", "No network connection: …" */
export function pauseReason(pause: PauseData): string {
  switch (pause.kind) {
    case 'user':
      return pause.note ?? 'Paused by you';
    case 'disk-full': {
      const holding = pause.mount === pause.path ? '' : ` (holding ${pause.path})`;
      return `Disk full: free space on ${pause.mount}${holding}; uploads continue by themselves once DriveUp can write again`;
    }
    case 'offline':
      return 'No network connection: uploads continue when it is back';
    case 'auth':
      return authPauseReason(pause.cause, pause.detail);
  }
}

function authPauseReason(
  cause: Extract<PauseData, { kind: 'auth' }>['cause'],
  detail: string | null,
): string {
  switch (cause) {
    case 'not-signed-in':
      return `${WAITING_FOR_ACCOUNT}: not signed in to Google`;
    case 'refused':
      return `${WAITING_FOR_ACCOUNT}: Google no longer accepts DriveUp's sign-in${detail ? ` (${detail})` : ''}`;
    case 'scope-missing':
      return `${WAITING_FOR_ACCOUNT}: the current sign-in does not grant the access the google.scope setting asks for${detail ? ` ("${detail}")` : ''}`;
    case 'unreadable':
      return `${WAITING_FOR_ACCOUNT}: the stored sign-in cannot be read${detail ? ` (${detail})` : ''}`;
    case 'expired':
      return 'Google access expired: sign in again';
  }
}

/** What needs a person, as `activity.summary` lists it. */
export type AttentionData =
  | { kind: 'failed'; count: number }
  | { kind: 'sign-in'; count: null }
  | { kind: 'disk-full'; count: null; mount: string }
  | { kind: 'offline'; count: null }
  | { kind: 'mongodb'; count: number; detail: string | null };

/** "3 uploads failed", "Sign-in needed", "MongoDB refused 2 records: …" */
export function attentionMessage(item: AttentionData): string {
  switch (item.kind) {
    case 'failed':
      return item.count === 1 ? '1 upload failed' : `${item.count} uploads failed`;
    case 'sign-in':
      return 'Sign-in needed: uploads wait until you sign in';
    case 'disk-full':
      return `Disk full: free space on ${item.mount}`;
    case 'offline':
      return 'No network connection';
    case 'mongodb': {
      const records = item.count === 1 ? '1 record' : `${item.count} records`;
      return `MongoDB refused ${records}${item.detail ? `: ${item.detail}` : ''}`;
    }
  }
}

/** The fields of a job view `jobMessage` reads. */
export interface JobSituation {
  state: 'queued' | 'running' | 'retrying' | 'done' | 'failed' | 'cancelled';
  waitingFor: PauseData['kind'] | null;
  error: string | null;
  nextAttemptAt: Date | null;
  skipped?: boolean;
}

/**
 * One line about a job for people, or null when its state says it all: "retrying in 40 s: Drive
 * answered 503", "waiting for the network", "Drive storage is full".
 */
export function jobMessage(job: JobSituation, now: number = Date.now()): string | null {
  switch (job.state) {
    case 'retrying': {
      const wait = job.nextAttemptAt ? job.nextAttemptAt.getTime() - now : 0;
      const when = wait > 0 ? `in ${describeWait(wait)}` : 'now';
      return job.error ? `retrying ${when}: ${job.error}` : `retrying ${when}`;
    }
    case 'failed':
    case 'cancelled':
      return job.error;
    case 'queued':
      return job.waitingFor ? waitingWords(job.waitingFor) : null;
    default:
      return null;
  }
}

function waitingWords(kind: PauseData['kind']): string {
  switch (kind) {
    case 'user':
      return 'paused by you';
    case 'disk-full':
      return 'waiting for disk space';
    case 'auth':
      return 'waiting for a sign-in';
    case 'offline':
      return 'waiting for the network';
  }
}

/** "45 s", "12 min", "2 h" */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** Why the stored sign-in no longer works, as `auth.status` says (`needs-sign-in`). */
export type NeedsSignInData = {
  cause: 'refused' | 'scope-missing' | 'tokens-locked' | 'tokens-wrong-key' | 'tokens-damaged';
  detail: string;
};

/** For the Sign-in window: what happened and what to do, in its own terms (a button, not a command). */
export function needsSignInWords({ cause, detail }: NeedsSignInData): string {
  switch (cause) {
    case 'refused':
      return `Google no longer accepts DriveUp's sign-in (${detail}): access was revoked, expired or the password changed. Sign in again; uploads resume afterwards.`;
    case 'scope-missing':
      return `The google.scope setting is now "${detail}", which the current sign-in does not grant. Sign in again to allow it.`;
    case 'tokens-locked':
    case 'tokens-wrong-key':
      return 'The stored sign-in cannot be unlocked on this computer. Sign in again to replace it.';
    case 'tokens-damaged':
      return `The stored sign-in cannot be read (${detail}). Sign in again to replace it.`;
  }
}

/** What `auth.status` warns of. */
export type AuthWarningData =
  | { kind: 'tokens-unprotected'; where: string; protection: 'none' | null }
  | { kind: 'storage-unknown'; detail: string }
  | { kind: 'browser-not-opened'; detail: string; url: string }
  | { kind: 'not-revoked'; detail: string };

/** For the Sign-in window and the tray. */
export function authWarningWords(warning: AuthWarningData): string {
  switch (warning.kind) {
    case 'tokens-unprotected':
      return warning.protection === 'none'
        ? 'This system offers no keyring: the Google tokens are encrypted with a key anyone using this computer could find.'
        : `Google tokens are stored unencrypted in ${warning.where} (readable only by your user account).`;
    case 'storage-unknown':
      return `Google Drive could not be reached to read storage use (${warning.detail}).`;
    case 'browser-not-opened':
      return `The browser could not be opened (${warning.detail}). Open the sign-in address yourself: ${warning.url}`;
    case 'not-revoked':
      return `Google could not be reached to revoke DriveUp's access (${warning.detail}). To revoke it yourself, remove DriveUp at https://myaccount.google.com/permissions.`;
  }
}
