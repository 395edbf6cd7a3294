import {
  activityHeadline,
  isUploading,
  SIGN_IN_TO_CONTINUE,
  type HeadlineAuth,
  type HeadlineSummary,
} from '../ipc/common/activity-words.ts';
import type { TrayIconState } from './tray-icon-files.ts';

/** What the tray draws from: `activity.summary` and `auth.status`, as the agent last said them. */
export interface TrayInput {
  platform: NodeJS.Platform;
  /**
   * Whether main can talk to an agent now: `lost` while the agent process restarts,
   * `unreachable` when main cannot make a client of it at all.
   */
  connection: 'connecting' | 'connected' | 'lost' | 'unreachable';
  /** `external`: a headless `driveup agent` served this data directory before the app started. */
  agent: 'own' | 'external';
  summary: HeadlineSummary | null;
  auth: (HeadlineAuth & { account?: { email: string } | null }) | null;
}

/** What a menu item does; the shell maps each to a window, a procedure or the app. */
export type TrayAction =
  | 'upload'
  | 'activity'
  | 'history'
  | 'pause'
  | 'resume'
  | 'account'
  | 'sign-in'
  | 'settings'
  | 'open-logs'
  | 'quit';

export type TrayMenuItem =
  | { type: 'status'; label: string }
  | { type: 'action'; action: TrayAction; label: string; enabled: boolean }
  | { type: 'separator' };

export interface TrayView {
  icon: TrayIconState;
  tooltip: string;
  menu: TrayMenuItem[];
}

export const EXTERNAL_AGENT_NOTE = 'Using the agent started with “driveup agent”';

/**
 * The tray's icon, tooltip and menu for a state of the agent. Pure, so that every state is
 * tested without Electron; the shell only renders what this returns.
 */
export function presentTray(input: TrayInput): TrayView {
  const tooltip = trayTooltip(input);
  return { icon: trayIcon(input), tooltip, menu: trayMenu(input, tooltip) };
}

/** Precedence: what blocks every upload first, then what a person must look at, then progress. */
export function trayIcon(input: TrayInput): TrayIconState {
  const { summary, auth } = input;
  if (input.connection === 'lost' || input.connection === 'unreachable') return 'attention';
  if (!summary || !auth) return 'idle';
  if (auth.state !== 'signed-in' || summary.pause?.kind === 'auth') return 'signed-out';
  if (summary.attention.length > 0) return 'attention';
  if (summary.pause) return summary.pause.kind === 'user' ? 'paused' : 'attention';
  return isUploading(summary) ? 'uploading' : 'idle';
}

function trayTooltip(input: TrayInput): string {
  if (input.connection === 'lost') return 'DriveUp’s agent stopped: starting it again';
  if (input.connection === 'unreachable') return 'DriveUp cannot reach its agent: see its log';
  if (!input.summary || !input.auth) return 'Starting DriveUp…';
  return activityHeadline(input.summary, input.auth);
}

function trayMenu(input: TrayInput, status: string): TrayMenuItem[] {
  const connected = input.connection === 'connected' && input.summary !== null;
  const pausedByYou = input.summary?.pause?.kind === 'user';
  const menu: TrayMenuItem[] = [
    // Many Linux panels show no tooltip: the first line of the menu says the same.
    { type: 'status', label: status },
    ...attentionItems(input),
  ];
  if (input.agent === 'external') menu.push({ type: 'status', label: EXTERNAL_AGENT_NOTE });
  menu.push(
    { type: 'separator' },
    action('upload', 'Upload files…'),
    action('activity', 'Activity'),
    action('history', 'History'),
    pausedByYou
      ? action('resume', 'Resume uploads', connected)
      : action('pause', 'Pause uploads', connected),
    { type: 'separator' },
    accountItem(input),
    action('settings', 'Settings…'),
    action('open-logs', 'Open logs folder'),
    { type: 'separator' },
    action('quit', input.platform === 'darwin' ? 'Quit DriveUp' : 'Quit'),
  );
  return menu;
}

/** Each thing that needs a person, as a line that opens Activity (where it can be dealt with). */
function attentionItems(input: TrayInput): TrayMenuItem[] {
  const items = input.summary?.attention ?? [];
  return items
    .filter((item) => item.message !== SIGN_IN_TO_CONTINUE)
    .map((item) => action('activity', item.message));
}

function accountItem(input: TrayInput): TrayMenuItem {
  const auth = input.auth;
  switch (auth?.state) {
    case 'signed-in':
      return action('account', `Signed in as ${auth.account?.email ?? 'your account'}`);
    case 'needs-sign-in':
      return action('sign-in', 'Sign in again…');
    case 'signing-in':
      return action('sign-in', 'Signing in…');
    default:
      return action('sign-in', 'Sign in…');
  }
}

function action(type: TrayAction, label: string, enabled = true): TrayMenuItem {
  return { type: 'action', action: type, label, enabled };
}
