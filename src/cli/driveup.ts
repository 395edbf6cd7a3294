// The `driveup` command. The Node.js version is checked before anything else is loaded: on an
// older Node the engine's imports fail with "No such built-in module: node:sqlite", which tells a
// person nothing. So this file imports only the check; the rest comes by dynamic import.
import { nodeVersionProblem } from './node-version.ts';

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
(await import('./compile-cache.ts')).enableCompileCache();
const { main } = await import('./main.ts');
await main(process.argv);
