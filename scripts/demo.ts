// `npm run demo`: the whole product without a Google account. Starts the fake Google server and
// an agent (with web mode) in a temporary home, signs in against the fake, watches a sample folder, and prints
// what to try. Ctrl-C stops everything and removes the temporary directory.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePaths } from '../src/core/config/paths.ts';
import { socketTransport, webModeTransport } from '../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../src/ipc/server/serve-agent.ts';
import { startFakeGoogle } from '../test/support/fake-google/index.ts';
import { followSignInUrl } from '../test/support/follow-sign-in.ts';

const fake = await startFakeGoogle();
const root = await mkdtemp(join(tmpdir(), 'driveup-demo-'));
const home = join(root, 'home');
const env = {
  ...process.env,
  DRIVEUP_HOME: home,
  DRIVEUP_GOOGLE_ENDPOINT: fake.url,
  DRIVEUP_GOOGLE_CLIENT_ID: 'fake-client-id',
  DRIVEUP_GOOGLE_CLIENT_SECRET: 'fake-client-secret',
};
const paths = resolvePaths({ env });
const hosted = await serveAgent({ paths, env, openBrowser: async () => {} }, [
  socketTransport(paths.socketPath),
  // The windows too, in a browser on this machine (`driveup open`), as `driveup agent --web`.
  webModeTransport({ force: true, portFile: join(paths.dataDir, 'web-port') }),
]);

const attempt = await hosted.agent.auth.beginSignIn({ openBrowser: false });
await followSignInUrl(attempt.url);
await attempt.completion;

const sample = join(root, 'sample');
await mkdir(sample, { recursive: true });
await writeFile(join(sample, 'hello.txt'), 'Hello from the DriveUp demo\n');
await hosted.agent.watch.addRule({
  folder: sample,
  destination: 'DriveUp/{machine}/{relativeDir}',
  stabilityWindowMs: 1000,
});

const cli = fileURLToPath(new URL('../src/cli/driveup.ts', import.meta.url));
console.log(`
DriveUp demo is running (fake Google at ${fake.url}, agent pid ${process.pid}).
In another terminal:

  export DRIVEUP_HOME=${home}
  alias driveup='${process.execPath} ${cli}'

  driveup status
  driveup add ~/some-file.pdf --to Demo --wait
  driveup queue
  driveup history hello
  echo "new data" > ${join(sample, 'run-001.csv')}     # uploaded once it stops changing
  driveup watch list
  driveup open activity        # the windows in your browser (web mode; --print for the address)

Ctrl-C here stops everything and removes ${root}.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await hosted.stop();
  await fake.close();
  await rm(root, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
