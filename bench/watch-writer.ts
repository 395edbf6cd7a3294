// The burst writer of the watch benchmark, in a process of its own as a camera or an instrument
// would be: `node bench/watch-writer.ts ROOT TOTAL MANIFEST`. Writes TOTAL files across 50
// folders that exist and 50 nested ones it creates, and then MANIFEST: each file's relative path
// and when its last byte landed under its final name.
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WriterManifest {
  /** Relative path (`/`-separated) → Date.now() just after its last write or rename, and how. */
  files: Record<string, { at: number; kind: Kind }>;
  kinds: Record<Kind, number>;
  startedAt: number;
  endedAt: number;
  /** The longest pause between two appends to a slow file; above the window it settled early. */
  slowMaxGapMs: number;
}

export type Kind = 'direct' | 'renamedPart' | 'renamedHidden' | 'slow';

const SLOW_FOR_MS = 5000;
const SLOW_EVERY_MS = 400;
const YIELD_EVERY = 100;

const [root, totalArg, manifestPath] = process.argv.slice(2) as [string, string, string];
const total = Number(totalArg);
const dirs: string[] = [];
for (let i = 0; i < 50; i++) dirs.push(`existing-${i}`);
for (let i = 0; i < 50; i++) dirs.push(`new-${i}/deep/er`);

const files: WriterManifest['files'] = {};
const kinds: Record<Kind, number> = { direct: 0, renamedPart: 0, renamedHidden: 0, slow: 0 };
const slow: Array<{ rel: string; startedAt: number; lastAt: number }> = [];
let slowMaxGapMs = 0;

// Slow files grow in small appends, well inside the stability window, for several seconds each.
const grow = setInterval(() => {
  const now = Date.now();
  for (const file of slow) {
    if (file.rel in files) continue;
    slowMaxGapMs = Math.max(slowMaxGapMs, now - file.lastAt);
    file.lastAt = now;
    if (now - file.startedAt < SLOW_FOR_MS) {
      appendFileSync(join(root, file.rel), ' more');
    } else {
      appendFileSync(join(root, file.rel), ' end');
      files[file.rel] = { at: Date.now(), kind: 'slow' };
    }
  }
}, SLOW_EVERY_MS);

const startedAt = Date.now();
for (let n = 0; n < total; n++) {
  // Lets the slow files' timer in, as a real writer's other threads would be.
  if (n % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
  const dir = dirs[n % dirs.length]!;
  // `mkdir -p` of a nested tree: the watcher gets an event for the top folder only.
  if (n < dirs.length && dir.startsWith('new-')) mkdirSync(join(root, dir), { recursive: true });
  const rel = `${dir}/f${n}.dat`;
  const path = join(root, rel);
  const content = `file ${n}${' '.repeat(n % 200)}`;
  if (n % 100 === 7) {
    writeFileSync(path, content);
    const now = Date.now();
    slow.push({ rel, startedAt: now, lastAt: now });
    kinds.slow++;
    continue;
  }
  let kind: Kind = 'direct';
  if (n % 10 === 3) {
    writeFileSync(`${path}.part`, content);
    renameSync(`${path}.part`, path);
    kind = 'renamedPart';
  } else if (n % 20 === 9) {
    // rsync's way: a hidden temporary name beside the final one.
    const hidden = join(root, dir, `.f${n}.dat.tmp`);
    writeFileSync(hidden, content);
    renameSync(hidden, path);
    kind = 'renamedHidden';
  } else writeFileSync(path, content);
  kinds[kind]++;
  files[rel] = { at: Date.now(), kind };
}
while (slow.some((file) => !(file.rel in files))) {
  await new Promise((resolve) => setTimeout(resolve, SLOW_EVERY_MS));
}
clearInterval(grow);

const manifest: WriterManifest = { files, kinds, startedAt, endedAt: Date.now(), slowMaxGapMs };
writeFileSync(manifestPath, JSON.stringify(manifest));
