import type { Job } from '../../src/core/queue/job.ts';

const BASE = Date.parse('2026-11-02T09:00:00Z');

/** A finished upload job; `minute` places it in time so tests can reason about order. */
export function finishedJob(overrides: Partial<Job> & { minute?: number } = {}): Job {
  const { minute = 0, ...rest } = overrides;
  const finishedAt = new Date(BASE + minute * 60_000);
  const name = rest.name ?? `file-${minute}.txt`;
  return {
    id: `job-${minute}-${name}`,
    path: `/home/alice/data/${name}`,
    name,
    size: 1000 + minute,
    mtimeMs: finishedAt.getTime() - 3_600_000,
    md5: 'd41d8cd98f00b204e9800998ecf8427e',
    mimeType: 'text/plain',
    folderPath: 'DriveUp/lab-pc',
    source: 'drop',
    ruleId: null,
    foundIn: null,
    followLinks: true,
    conflictPolicy: 'keep-both',
    priority: 0,
    state: 'done',
    attempts: 1,
    nextAttemptAt: null,
    error: null,
    errorKind: null,
    sessionUri: null,
    confirmedBytes: 1000 + minute,
    driveFileId: `drive-${minute}`,
    webViewLink: `https://drive.google.com/file/d/drive-${minute}/view`,
    queuedAt: new Date(finishedAt.getTime() - 5000),
    startedAt: new Date(finishedAt.getTime() - 2000),
    finishedAt,
    updatedAt: finishedAt,
    ...rest,
  };
}

export const BASE_TIME = new Date(BASE);

export function minutesAfterBase(minute: number): Date {
  return new Date(BASE + minute * 60_000);
}
