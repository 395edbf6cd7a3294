import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { WatchRuleError } from './rule-placement.ts';
import { createHarness, type Harness } from '../../../test/support/watch/watch-test-harness.ts';
import { watchRuleInputSchema } from './watch-rules.ts';

const tempDir = useTempDir();
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function setUp() {
  const top = await tempDir();
  const dataDir = join(top, 'data');
  const root = join(top, 'w');
  await mkdir(root);
  harness = createHarness(dataDir);
  await harness.service.start();
  return { top, root, dataDir, h: harness };
}

async function refusal(promise: Promise<unknown>): Promise<WatchRuleError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WatchRuleError);
  return error as WatchRuleError;
}

describe('watch rules', () => {
  it('adds a rule with the documented defaults, lists it with its state and counts, persists it', async () => {
    const { root, h } = await setUp();
    const folder = join(root, 'in');
    await mkdir(folder);
    const added = await h.service.addRule({ folder });
    expect(added.rule).toMatchObject({
      folder,
      destination: 'DriveUp/{machine}/{relativeDir}',
      include: [],
      exclude: [],
      recursive: true,
      stabilityWindowMs: 2000,
      conflictPolicy: 'keep-both',
      afterUpload: { action: 'keep' },
      ignoreHidden: true,
      ignoreTemporary: true,
      enabled: true,
      followSymlinks: false,
    });
    expect(added.state).toBe('watching');
    expect(added.counts).toEqual({
      seen: 0,
      pending: 0,
      queued: 0,
      retrying: 0,
      uploaded: 0,
      failed: 0,
      cancelled: 0,
      skipped: 0,
    });
    const again = await h.restart();
    expect(again.listRules().map((s) => s.rule)).toEqual([added.rule]);
  });

  it('updates, pauses, resumes and removes a rule', async () => {
    const { root, h } = await setUp();
    const folder = join(root, 'in');
    await mkdir(folder);
    const { rule } = await h.service.addRule({ folder });
    const updated = await h.service.updateRule(rule.id, {
      destination: 'Lab/{yyyy}',
      exclude: ['*.log'],
      afterUpload: { action: 'delete' },
    });
    expect(updated.rule).toMatchObject({ destination: 'Lab/{yyyy}', exclude: ['*.log'], folder });
    expect((await h.service.pauseRule(rule.id)).state).toBe('paused');
    expect(h.service.getRule(rule.id).rule.enabled).toBe(false);
    expect((await h.service.resumeRule(rule.id)).state).toBe('watching');
    await h.service.removeRule(rule.id);
    expect(h.service.listRules()).toEqual([]);
    expect((await refusal(h.service.removeRule(rule.id))).reason).toBe('not-found');
  });

  it('refuses a folder inside or around another rule’s tree, through symlinked aliases too', async () => {
    const { root, h } = await setUp();
    await mkdir(join(root, 'photos/raw'), { recursive: true });
    await h.service.addRule({ folder: join(root, 'photos') });
    expect((await refusal(h.service.addRule({ folder: join(root, 'photos/raw') }))).reason).toBe(
      'overlap',
    );
    expect((await refusal(h.service.addRule({ folder: root }))).message).toMatch(/overlaps/);
    expect((await refusal(h.service.addRule({ folder: join(root, 'photos') }))).reason).toBe(
      'overlap',
    );
    await symlink(join(root, 'photos/raw'), join(root, 'alias'));
    expect((await refusal(h.service.addRule({ folder: join(root, 'alias') }))).reason).toBe(
      'overlap',
    );
    // A non-recursive rule on the parent does not watch the subfolder's files.
    await mkdir(join(root, 'other/sub'), { recursive: true });
    await h.service.addRule({ folder: join(root, 'other'), recursive: false });
    await expect(h.service.addRule({ folder: join(root, 'other/sub') })).resolves.toBeDefined();
  });

  it('refuses DriveUp’s own data directory and any folder around it', async () => {
    const { top, dataDir, h } = await setUp();
    expect((await refusal(h.service.addRule({ folder: dataDir }))).reason).toBe('data-dir');
    expect((await refusal(h.service.addRule({ folder: join(dataDir, 'x') }))).reason).toBe(
      'data-dir',
    );
    expect((await refusal(h.service.addRule({ folder: top }))).message).toMatch(/DriveUp's own/);
  });

  it('refuses a move target that a rule watches (moved files would be uploaded again)', async () => {
    const { root, h } = await setUp();
    const folder = join(root, 'in');
    const error = await refusal(
      h.service.addRule({ folder, afterUpload: { action: 'move', folder: join(folder, 'done') } }),
    );
    expect(error.reason).toBe('move-target');
    await mkdir(folder);
    await expect(
      h.service.addRule({ folder, afterUpload: { action: 'move', folder: join(root, 'done') } }),
    ).resolves.toBeDefined();
  });

  it('rejects bad input with messages a person can act on', async () => {
    const { h } = await setUp();
    const bad = [
      { folder: 'relative/path' },
      { folder: '/x', include: ['[abc'] },
      { folder: '/x', exclude: ['/abs/*.tmp'] },
      { folder: '/x', destination: 'DriveUp/{host}' },
      { folder: '/x', conflictPolicy: 'overwrite' },
      { folder: '/x', stabilityWindowMs: -1 },
      { folder: '/x', afterUpload: { action: 'move' } },
      { folder: '/x', surprise: true },
    ];
    for (const input of bad) {
      await expect(h.service.addRule(input as never), JSON.stringify(input)).rejects.toBeInstanceOf(
        ZodError,
      );
    }
    const parsed = watchRuleInputSchema.safeParse({ folder: '/x', include: ['*.{jpg'] });
    expect(parsed.error?.issues[0]?.message).toMatch(/bad pattern "\*\.\{jpg"/);
    expect(h.service.listRules()).toEqual([]);
  });
});
