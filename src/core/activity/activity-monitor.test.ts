import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/queue/manual-clock.ts';
import { EventBus } from '../events/event-bus.ts';
import type { AgentEvents } from '../agent-events.ts';
import type { Job, JobState } from '../queue/job.ts';
import type { Pause } from '../queue/pause-state.ts';
import { ActivityMonitor, type ActivitySources } from './activity-monitor.ts';

const MB = 1_000_000;

function job(id: string, patch: Partial<Job> = {}): Job {
  const at = new Date(0);
  return {
    id,
    path: `/data/${id}`,
    name: `${id}.bin`,
    size: 10 * MB,
    mtimeMs: 0,
    md5: null,
    mimeType: 'application/octet-stream',
    folderPath: 'DriveUp',
    source: 'cli',
    ruleId: null,
    foundIn: null,
    followLinks: false,
    conflictPolicy: 'keep-both',
    priority: 0,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: null,
    error: null,
    errorKind: null,
    sessionUri: null,
    confirmedBytes: 0,
    driveFileId: null,
    webViewLink: null,
    queuedAt: at,
    startedAt: null,
    finishedAt: null,
    updatedAt: at,
    ...patch,
  };
}

function rig(waiting: Array<{ id: string; size: number; confirmedBytes: number }> = []) {
  const clock = new ManualClock();
  const bus = new EventBus<AgentEvents>();
  const state = {
    counts: { queued: 0, running: 0, retrying: 0, done: 0, failed: 0, cancelled: 0 } as Record<
      JobState,
      number
    >,
    pauses: [] as Pause[],
    signInNeeded: false,
    refused: { count: 0, detail: null as string | null },
  };
  const sources: ActivitySources = {
    counts: () => state.counts,
    waitingJobs: () => waiting,
    pause: () => state.pauses[0] ?? null,
    pauses: () => state.pauses,
    signInNeeded: () => state.signInNeeded,
    mongoRefusals: () => state.refused,
  };
  const monitor = new ActivityMonitor(bus, sources, clock);
  monitor.start();
  return { clock, bus, state, monitor };
}

describe('ActivityMonitor', () => {
  it('counts the run from the jobs waiting at start and those added, until the queue is idle', () => {
    const { bus, monitor } = rig([{ id: 'old', size: 4 * MB, confirmedBytes: MB }]);
    bus.emit('job.queued', { job: job('a') });
    expect(monitor.summary().run).toEqual({
      filesDone: 0,
      filesTotal: 2,
      bytesDone: MB,
      bytesTotal: 14 * MB,
    });
    bus.emit('job.done', { job: job('old', { state: 'done', size: 4 * MB }) });
    bus.emit('job.failed', { job: job('a', { state: 'retrying' }), willRetry: true });
    expect(monitor.summary().run).toMatchObject({ filesDone: 1, filesTotal: 2, bytesDone: 4 * MB });
    // A cancelled file leaves the run; a failure for good finishes it.
    bus.emit('job.queued', { job: job('b') });
    bus.emit('job.cancelled', { job: job('b', { state: 'cancelled' }) });
    expect(monitor.summary().run.filesTotal).toBe(2);
    bus.emit('job.failed', { job: job('a', { state: 'failed' }), willRetry: false });
    // Idle: the next job starts a new run.
    expect(monitor.summary().run).toEqual({
      filesDone: 0,
      filesTotal: 0,
      bytesDone: 0,
      bytesTotal: 0,
    });
    bus.emit('job.queued', { job: job('c', { size: MB }) });
    expect(monitor.summary().run).toEqual({
      filesDone: 0,
      filesTotal: 1,
      bytesDone: 0,
      bytesTotal: MB,
    });
  });

  it('measures each running file’s rate and time left, and the overall ones, from progress', () => {
    const { bus, clock, monitor } = rig();
    bus.emit('job.queued', { job: job('a') });
    bus.emit('job.queued', { job: job('b') });
    bus.emit('job.started', { job: job('a', { state: 'running' }) });
    bus.emit('job.started', { job: job('b', { state: 'running' }) });
    expect(monitor.progressOf('a')).toEqual({
      sentBytes: 0,
      rateBytesPerSecond: null,
      etaSeconds: null,
    });
    for (let second = 1; second <= 4; second++) {
      clock.advance(1000);
      bus.emit('job.progress', {
        jobId: 'a',
        sentBytes: second * MB,
        confirmedBytes: 0,
        size: 10 * MB,
      });
      bus.emit('job.progress', {
        jobId: 'b',
        sentBytes: second * 2 * MB,
        confirmedBytes: 0,
        size: 10 * MB,
      });
    }
    expect(monitor.progressOf('a')).toEqual({
      sentBytes: 4 * MB,
      rateBytesPerSecond: MB,
      etaSeconds: 6,
    });
    const summary = monitor.summary();
    expect(summary.rateBytesPerSecond).toBe(3 * MB);
    expect(summary.run).toMatchObject({ bytesDone: 12 * MB, bytesTotal: 20 * MB });
    expect(summary.etaSeconds).toBe(3);
    expect(summary.running.map((r) => [r.job.id, r.sentBytes])).toEqual([
      ['a', 4 * MB],
      ['b', 8 * MB],
    ]);
    // Nothing moving for a while: no rate is claimed.
    clock.advance(10_000);
    expect(monitor.summary().rateBytesPerSecond).toBeNull();
    expect(monitor.summary().etaSeconds).toBeNull();
  });

  it('lists what needs a person: failures, a sign-in, a full disk, no network, MongoDB refusing', () => {
    const { state, monitor } = rig();
    expect(monitor.summary().attention).toEqual([]);
    state.counts.failed = 3;
    state.signInNeeded = true;
    state.pauses = [
      { kind: 'disk-full', path: '/data/driveup.db', mount: '/data' },
      { kind: 'offline' },
    ];
    state.refused = { count: 2, detail: 'document failed validation' };
    expect(monitor.summary().attention).toEqual([
      { kind: 'failed', count: 3 },
      { kind: 'sign-in', count: null },
      { kind: 'disk-full', count: null, mount: '/data' },
      { kind: 'offline', count: null },
      { kind: 'mongodb', count: 2, detail: 'document failed validation' },
    ]);
  });

  it('says activity changed at most four times a second, with the summary', () => {
    const { bus, clock } = rig();
    const changes: number[] = [];
    bus.on('activity.changed', ({ summary }) => changes.push(summary.run.filesTotal));
    for (let i = 0; i < 100; i++) bus.emit('job.queued', { job: job(`f${i}`) });
    clock.advance(0);
    expect(changes).toEqual([100]);
    for (let i = 100; i < 200; i++) {
      bus.emit('job.queued', { job: job(`f${i}`) });
      clock.advance(10);
    }
    // 100 events over one second: four announcements, each with what it knew then.
    expect(changes.length).toBeLessThanOrEqual(1 + 4);
    expect(changes.at(-1)).toBeLessThanOrEqual(200);
    clock.advance(250);
    expect(changes.at(-1)).toBe(200);
  });
});
