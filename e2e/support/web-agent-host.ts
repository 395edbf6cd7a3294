/**
 * TEST-ONLY launcher: `driveup agent` with the web server beside its socket, until
 * `driveup agent --web` exists (the lead wires it; then e2e/support/web-agent.ts starts that
 * instead). Run as its own process with DRIVEUP_HOME and the fake Google's environment.
 *
 * stdout, one JSON line each: `{"origin": …}` once serving; then for every stdin line
 * `open PAGE`, `{"url": …}` (what `driveup open PAGE --print` will print).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { resolvePaths } from '../../src/core/config/paths.ts';
import { StagingArea } from '../../src/core/staging/staging-area.ts';
import { hostAgent } from '../../src/ipc/server/agent-host.ts';
import { createAppRouter } from '../../src/ipc/server/app-router.ts';
import { isWindowPage } from '../../src/ipc/common/window-pages.ts';
import { queueWithAgent, stageThenQueue } from '../../src/ipc/server/browser-upload.ts';
import { startWebServer } from '../../src/ipc/server/web-server.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

const paths = resolvePaths();
const hosted = await hostAgent({ paths, openBrowser: async () => {} });
const staging = new StagingArea({ dir: paths.stagingDir });
const web = await startWebServer(
  createAppRouter(hosted.agent, { requestShutdown: () => void hosted.stop() }),
  {
    port: Number(values.port),
    stageAndQueue: stageThenQueue(staging, queueWithAgent(hosted.agent)),
    onError: (error) => hosted.agent.logger.error({ err: error }, 'web server error'),
  },
);
console.log(JSON.stringify({ origin: web.origin, pid: process.pid }));

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, page = 'history'] = line.trim().split(/\s+/);
  if (command === 'open' && isWindowPage(page))
    console.log(JSON.stringify({ url: web.createOpenUrl(page) }));
});

const stop = () => {
  void web.close().then(() => hosted.stop());
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
await hosted.stopped;
await web.close();
process.exit(0);
