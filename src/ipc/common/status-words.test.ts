import { describe, expect, it } from 'vitest';
import { attentionMessage, jobMessage, pauseReason } from './status-words.ts';

describe('the words windows and the tray show for the agent’s states', () => {
  it('says why the queue holds, with the person’s own words when they gave some', () => {
    expect(pauseReason({ kind: 'user', note: null })).toBe('Paused by you');
    expect(pauseReason({ kind: 'user', note: 'Metered connection' })).toBe('Metered connection');
    expect(pauseReason({ kind: 'offline' })).toMatch(/^No network connection/);
    expect(pauseReason({ kind: 'disk-full', path: '/data/driveup.db', mount: '/data' })).toBe(
      'Disk full: free space on /data (holding /data/driveup.db); uploads continue by themselves once DriveUp can write again',
    );
    expect(pauseReason({ kind: 'auth', cause: 'not-signed-in', detail: null })).toBe(
      'Waiting for a Google account: not signed in to Google',
    );
    // Never a command of another face.
    expect(pauseReason({ kind: 'auth', cause: 'refused', detail: 'invalid_grant' })).not.toMatch(
      /driveup/,
    );
  });

  it('says what a job waits for, when it retries and why it failed', () => {
    const now = Date.parse('2026-11-17T10:00:00Z');
    const base = { waitingFor: null, error: null, nextAttemptAt: null } as const;
    expect(
      jobMessage(
        {
          ...base,
          state: 'retrying',
          error: 'Drive answered 503',
          nextAttemptAt: new Date(now + 40_000),
        },
        now,
      ),
    ).toBe('retrying in 40 s: Drive answered 503');
    expect(jobMessage({ ...base, state: 'queued', waitingFor: 'offline' }, now)).toBe(
      'waiting for the network',
    );
    expect(jobMessage({ ...base, state: 'failed', error: 'Drive storage is full' }, now)).toBe(
      'Drive storage is full',
    );
    expect(jobMessage({ ...base, state: 'running' }, now)).toBeNull();
  });

  it('counts what needs attention in words', () => {
    expect(attentionMessage({ kind: 'failed', count: 1 })).toBe('1 upload failed');
    expect(attentionMessage({ kind: 'failed', count: 3 })).toBe('3 uploads failed');
    expect(attentionMessage({ kind: 'mongodb', count: 2, detail: 'duplicate key' })).toBe(
      'MongoDB refused 2 records: duplicate key',
    );
  });
});
