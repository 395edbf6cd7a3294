// The `driveup` command. The Node.js version is checked before anything else is loaded: on an
// older Node the engine's imports fail with "No such built-in module: node:sqlite", which tells a
// person nothing. So this file imports only the check; the rest comes by dynamic import.
import { nodeVersionProblem } from './node-version.ts';

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
const args = process.argv.slice(2);
// `driveup status`, the command run most often, answered without commander or the tRPC client
// (quick-status.ts, one small file of its own in the bundle); when it cannot answer, the full
// command line below does.
if (args.includes('status') && args.length <= 2) {
  const quick = await import('./quick-status.ts');
  if (quick.isQuickStatus(args) && (await quick.quickStatus(args))) process.exit(0);
}
(await import('./compile-cache.ts')).enableCompileCache();
const { main } = await import('./main.ts');
await main(process.argv);
