// The floor of the watch benchmark's latency: @parcel/watcher alone, in a process of its own,
// subscribed to the burst's folder as the agent subscribes (folder-watcher.ts). `node
// bench/watch-floor-child.ts ROOT OUT` prints `ready` once subscribed, and on the end of its
// stdin writes OUT: each changed path → when its events arrived (Date.now(), as the writer's).
import { writeFileSync } from 'node:fs';
import watcher from '@parcel/watcher';
import { nativeBackend } from '../src/core/watch/folder-watcher.ts';

const [root, out] = process.argv.slice(2) as [string, string];
const arrivals: Record<string, number[]> = {};
const subscription = await watcher.subscribe(
  root,
  (error, events) => {
    const now = Date.now();
    for (const event of events) {
      if (event.type !== 'delete') (arrivals[event.path] ??= []).push(now);
    }
  },
  { backend: nativeBackend(process.platform) },
);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void subscription.unsubscribe().then(() => {
    writeFileSync(out, JSON.stringify(arrivals));
    process.exit(0);
  });
});
