// Enqueues every file of a folder into a fresh agent's queue (not started, so nothing uploads)
// and prints how long it took and the process's peak memory.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from '../src/core/agent.ts';
import { resolvePaths } from '../src/core/config/paths.ts';

const [dir, home] = process.argv.slice(2) as [string, string];
const env = { ...process.env, DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '' };
const agent = await Agent.open({ paths: resolvePaths({ env }), env });
const names = await readdir(dir);
const items = names.map((name) => ({
  path: join(dir, name),
  folderPath: 'Bench',
  source: 'cli' as const,
}));
const start = performance.now();
const jobs = await agent.queue.enqueue(items);
const seconds = (performance.now() - start) / 1000;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
await agent.stop();
console.log(JSON.stringify({ seconds, peakRssMb, jobs: jobs.length }));
