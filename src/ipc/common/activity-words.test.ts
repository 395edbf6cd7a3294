import { describe, expect, it } from 'vitest';
import {
  activityHeadline,
  formatRate,
  formatTimeLeft,
  type HeadlineSummary,
} from './activity-words.ts';

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
const signedIn = { state: 'signed-in' } as const;

describe('activityHeadline', () => {
  it('says which file of the run is on its way, how fast, and about how long is left', () => {
    const uploading = summary({
      run: { filesDone: 2, filesTotal: 12 },
      running: [{}, {}],
      rateBytesPerSecond: 45_000_000,
      etaSeconds: 70,
    });
    expect(activityHeadline(uploading, signedIn)).toBe(
      'Uploading 3 of 12 · 45 MB/s · about 1 min left',
    );
  });

  it('leaves out the rate and time it does not know', () => {
    const starting = summary({ run: { filesDone: 0, filesTotal: 1 }, running: [{}] });
    expect(activityHeadline(starting, signedIn)).toBe('Uploading 1 of 1');
  });

  it('says why nothing moves: a person’s pause, the network, the disk, the sign-in', () => {
    const waiting = { run: { filesDone: 0, filesTotal: 4 } };
    expect(
      activityHeadline(
        summary({ ...waiting, pause: { kind: 'user', reason: 'Paused by you' } }),
        signedIn,
      ),
    ).toBe('Paused by you');
    expect(
      activityHeadline(summary({ ...waiting, pause: { kind: 'offline', reason: 'x' } }), signedIn),
    ).toBe('Waiting for the network');
    expect(
      activityHeadline(
        summary({ ...waiting, pause: { kind: 'disk-full', reason: 'x' } }),
        signedIn,
      ),
    ).toBe('Paused: the disk is full');
    expect(activityHeadline(summary(waiting), { state: 'signed-out' })).toBe('Sign in to continue');
    expect(activityHeadline(summary(waiting), { state: 'needs-sign-in' })).toBe(
      'Sign in to continue',
    );
  });

  it('is up to date when nothing is left, unless something needs attention', () => {
    expect(activityHeadline(summary({ run: { filesDone: 5, filesTotal: 5 } }), signedIn)).toBe(
      'Up to date',
    );
    expect(
      activityHeadline(summary({ attention: [{ message: '3 uploads failed' }] }), signedIn),
    ).toBe('3 uploads failed');
  });
});

describe('formatTimeLeft and formatRate', () => {
  it('round to what an estimate can honestly say', () => {
    expect(formatTimeLeft(10)).toBe('less than a minute left');
    expect(formatTimeLeft(60)).toBe('about 1 min left');
    expect(formatTimeLeft(44 * 60)).toBe('about 44 min left');
    expect(formatTimeLeft(3 * 3600 + 100)).toBe('about 3 h left');
    expect(formatRate(1_500_000)).toBe('1.5 MB/s');
    expect(formatRate(800)).toBe('800 B/s');
  });
});
