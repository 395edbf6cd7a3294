import { describe, expect, it } from 'vitest';
import type { HeadlineSummary } from '../ipc/common/activity-words.ts';
import { EXTERNAL_AGENT_NOTE, presentTray, type TrayInput } from './tray-presenter.ts';

function summary(overrides: Partial<HeadlineSummary> = {}): HeadlineSummary {
  return {
    run: { filesDone: 0, filesTotal: 0 },
    rateBytesPerSecond: null,
    etaSeconds: null,
    running: [],
    pause: null,
    attention: [],
    ...overrides,
  };
}

function input(overrides: Partial<TrayInput> = {}): TrayInput {
  return {
    platform: 'linux',
    connection: 'connected',
    agent: 'own',
    summary: summary(),
    auth: { state: 'signed-in', account: { email: 'ada@example.com' } },
    ...overrides,
  };
}

const uploading = summary({
  run: { filesDone: 2, filesTotal: 12 },
  running: [{}],
  rateBytesPerSecond: 45_000_000,
  etaSeconds: 65,
});

function actions(view: ReturnType<typeof presentTray>) {
  return view.menu.flatMap((item) => (item.type === 'action' ? [[item.action, item.label]] : []));
}

describe('presentTray', () => {
  it('draws each state with its own icon and words', () => {
    const cases: Array<[Partial<TrayInput>, string, string]> = [
      [{}, 'idle', 'Up to date'],
      [{ summary: uploading }, 'uploading', 'Uploading 3 of 12 · 45 MB/s · about 1 min left'],
      [
        { summary: summary({ ...uploading, pause: { kind: 'user', reason: 'Paused by you' } }) },
        'paused',
        'Paused by you',
      ],
      [
        { summary: summary({ attention: [{ message: '1 upload failed' }] }) },
        'attention',
        '1 upload failed',
      ],
      [
        { summary: summary({ pause: { kind: 'offline', reason: 'x' } }) },
        'attention',
        'Waiting for the network',
      ],
      [{ auth: { state: 'signed-out' } }, 'signed-out', 'Sign in to continue'],
      [
        { auth: { state: 'needs-sign-in', account: null }, summary: uploading },
        'signed-out',
        'Sign in to continue',
      ],
    ];
    for (const [overrides, icon, tooltip] of cases) {
      const view = presentTray(input(overrides));
      expect([view.icon, view.tooltip]).toEqual([icon, tooltip]);
      // The first line of the menu says the same (Linux panels often show no tooltip).
      expect(view.menu[0]).toEqual({ type: 'status', label: tooltip });
    }
  });

  it('offers every way in, in order, with Pause or Resume as the queue is', () => {
    expect(actions(presentTray(input()))).toEqual([
      ['upload', 'Upload files…'],
      ['activity', 'Activity'],
      ['history', 'History'],
      ['pause', 'Pause uploads'],
      ['account', 'Signed in as ada@example.com'],
      ['settings', 'Settings…'],
      ['open-logs', 'Open logs folder'],
      ['quit', 'Quit'],
    ]);
    const paused = presentTray(
      input({ summary: summary({ pause: { kind: 'user', reason: 'Paused by you' } }) }),
    );
    expect(actions(paused)).toContainEqual(['resume', 'Resume uploads']);
    expect(actions(paused)).not.toContainEqual(['pause', 'Pause uploads']);
  });

  it('offers sign-in instead of the account when there is none', () => {
    expect(actions(presentTray(input({ auth: { state: 'signed-out' } })))).toContainEqual([
      'sign-in',
      'Sign in…',
    ]);
    expect(
      actions(presentTray(input({ auth: { state: 'needs-sign-in', account: null } }))),
    ).toContainEqual(['sign-in', 'Sign in again…']);
  });

  it('lists what needs attention as lines that open Activity', () => {
    const view = presentTray(
      input({
        summary: summary({
          attention: [{ message: '3 uploads failed' }, { message: 'MongoDB refuses the history' }],
        }),
      }),
    );
    expect(view.menu.slice(1, 3)).toEqual([
      { type: 'action', action: 'activity', label: '3 uploads failed', enabled: true },
      { type: 'action', action: 'activity', label: 'MongoDB refuses the history', enabled: true },
    ]);
  });

  it('says when it uses an agent started with driveup agent', () => {
    const labels = (agent: 'own' | 'external') =>
      presentTray(input({ agent })).menu.map((item) => ('label' in item ? item.label : '-'));
    expect(labels('external')).toContain(EXTERNAL_AGENT_NOTE);
    expect(labels('own')).not.toContain(EXTERNAL_AGENT_NOTE);
  });

  it('cannot pause while no agent answers, and says the agent is coming back', () => {
    const view = presentTray(input({ connection: 'lost' }));
    expect(view.icon).toBe('attention');
    expect(view.tooltip).toMatch(/agent stopped/);
    expect(view.menu).toContainEqual({
      type: 'action',
      action: 'pause',
      label: 'Pause uploads',
      enabled: false,
    });
    expect(presentTray(input({ connection: 'connecting', summary: null })).tooltip).toBe(
      'Starting DriveUp…',
    );
    const unreachable = presentTray(input({ connection: 'unreachable' }));
    expect([unreachable.icon, unreachable.tooltip]).toEqual([
      'attention',
      'DriveUp cannot reach its agent: see its log',
    ]);
  });

  it('names Quit as each platform does', () => {
    expect(actions(presentTray(input({ platform: 'darwin' }))).at(-1)).toEqual([
      'quit',
      'Quit DriveUp',
    ]);
    expect(actions(presentTray(input({ platform: 'win32' }))).at(-1)).toEqual(['quit', 'Quit']);
  });
});
