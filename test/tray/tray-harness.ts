import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../src/cli/node-flags.ts';
import { resolvePaths, type DriveUpPaths } from '../../src/core/config/paths.ts';
import { systemClock, type Clock } from '../../src/core/queue/clock.ts';
import type {
  AgentConnector,
  TrayAgentApi,
  TrayAgentEvent,
  TrayAuth,
  TraySummary,
} from '../../src/tray/agent-api.ts';
import { createAgentConnector } from '../../src/tray/agent-connector.ts';
import { appFiles, type AppFiles } from '../../src/tray/app-files.ts';
import type { MessagePortMain } from '../../src/tray/electron-api.ts';
import { startTrayApp, type TrayApp, type TrayAppOptions } from '../../src/tray/tray-app.ts';
import { WINDOW_KINDS } from '../../src/tray/window-manager.ts';
import { buildTrayBundles } from '../../scripts/tray-bundles.ts';
import {
  createElectronStandin,
  type ElectronStandin,
  type StandinBrowserWindow,
  type StandinOptions,
} from '../support/electron-standin/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURE_AGENT = join(import.meta.dirname, 'fixtures', 'agent-process.ts');

export function summary(overrides: Partial<TraySummary> = {}): TraySummary {
  return {
    run: { filesDone: 0, filesTotal: 0 },
    rateBytesPerSecond: null,
    etaSeconds: null,
    running: [],
    pause: null,
    attention: [],
    ...overrides,
  };
}

/**
 * A TrayAgentApi that records the procedures main calls and lets the test speak as the agent.
 * Main's wiring is what these tests are about; the procedures themselves are tested over a real
 * agent in trpc-agent-api.test.ts.
 */
export class RecordingAgentApi implements TrayAgentApi {
  readonly calls: Array<[string, ...unknown[]]> = [];
  state: { summary: TraySummary; auth: TrayAuth; startAtLogin: boolean } = {
    summary: summary(),
    auth: { state: 'signed-in', account: { email: 'ada@example.com' } },
    startAtLogin: false,
  };
  /** Rejects `add` with this message (the agent refusing a vanished file). */
  refuseAdd: string | undefined;
  readonly #listeners = new Set<(event: TrayAgentEvent) => void>();
  readonly #waiters: Array<{ name: string; resolve: (args: unknown[]) => void }> = [];
  /** The port main gave this client (own agent process), if any. */
  port: MessagePortMain | undefined;
  closed = false;

  summary = async () => this.#record('summary', this.state.summary);
  authStatus = async () => this.#record('authStatus', this.state.auth);
  desktopSettings = async () =>
    this.#record('desktopSettings', { startAtLogin: this.state.startAtLogin });
  pause = async () => void this.#record('pause', undefined);
  resume = async () => void this.#record('resume', undefined);
  add = async (paths: string[]) => {
    this.#record('add', undefined, paths);
    if (this.refuseAdd) throw new Error(this.refuseAdd);
  };
  retry = async (jobIds: string[]) => void this.#record('retry', undefined, jobIds);

  subscribe(listener: (event: TrayAgentEvent) => void): () => void {
    this.#record('subscribe', undefined);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
  }

  /** Speaks as the agent's event stream. */
  emit(event: TrayAgentEvent): void {
    if (event.type === 'activity') this.state.summary = event.summary;
    if (event.type === 'auth') this.state.auth = event.status;
    for (const listener of this.#listeners) listener(event);
  }

  /** Resolves with the arguments of the next (or an earlier, not yet awaited) call of `name`. */
  called(name: string): Promise<unknown[]> {
    const earlier = this.calls.find(([n]) => n === name);
    if (earlier) {
      this.calls.splice(this.calls.indexOf(earlier), 1);
      return Promise.resolve(earlier.slice(1));
    }
    return new Promise((resolve) => this.#waiters.push({ name, resolve }));
  }

  #record<T>(name: string, result: T, ...args: unknown[]): T {
    const waiter = this.#waiters.find((w) => w.name === name);
    if (waiter) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(args);
    } else this.calls.push([name, ...args]);
    return result;
  }
}

export interface TrayHarness {
  standin: ElectronStandin;
  app: TrayApp | undefined;
  home: string;
  paths: DriveUpPaths;
  files: AppFiles;
  /** The clients main made, newest last. */
  clients: RecordingAgentApi[];
  /** Resolves with main's client once it has one that was not awaited yet. */
  nextClient(): Promise<RecordingAgentApi>;
  /** The options the app was started with (a second instance reuses them). */
  options: TrayAppOptions;
  close(): Promise<void>;
}

export interface HarnessOptions extends StandinOptions {
  /** A headless agent already serves the socket (no agent process is forked). */
  externalAgent?: boolean;
  argv?: string[];
  cwd?: string;
  env?: Record<string, string>;
  home?: string;
  clock?: Clock;
  supervisor?: TrayAppOptions['supervisor'];
  /** The port transport is not there: making a client over a port throws. */
  noPortTransport?: boolean;
  /** What every agent client answers at first. */
  agentState?: Partial<RecordingAgentApi['state']>;
  /**
   * The app as it ships: the agent-process bundle (dist/tray/agent-process.js) and the real
   * connector (tRPC over main's port, windows bridged to a headless agent's socket), instead of
   * the fixture and recorded clients (`clients` stays empty).
   */
  realAgent?: boolean;
}

let built: Promise<string> | undefined;
/** The real preload bundle (and main's), built once per test file into a temporary dist/. */
export function builtApp(): Promise<string> {
  built ??= (async () => {
    const root = await mkdtemp(join(tmpdir(), 'du-app-'));
    await buildTrayBundles(join(root, 'dist'), ROOT);
    const pages = join(root, 'dist', 'windows');
    await mkdir(pages, { recursive: true });
    for (const kind of WINDOW_KINDS)
      await writeFile(join(pages, `${kind}.html`), `<!doctype html><title>${kind}</title>`);
    // The bundles leave packages out, as the packaged app has them beside dist/.
    await symlink(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    return root;
  })();
  return built;
}

export async function startTrayHarness(options: HarnessOptions = {}): Promise<TrayHarness> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'du-')));
  const env = { DRIVEUP_HOME: home, DRIVEUP_MONGODB_URI: '', ...options.env };
  const paths = resolvePaths({ env });
  const standin = createElectronStandin({ userData: join(home, 'electron'), ...options });
  const root = await builtApp();
  const files: AppFiles = {
    ...appFiles(root),
    assets: join(ROOT, 'assets'),
    agentEntry: options.realAgent ? appFiles(root).agentEntry : FIXTURE_AGENT,
  };
  const clients: RecordingAgentApi[] = [];
  const waiting: Array<(client: RecordingAgentApi) => void> = [];
  let handedOut = 0;
  const newClient = (port?: MessagePortMain) => {
    const client = new RecordingAgentApi();
    Object.assign(client.state, options.agentState);
    client.port = port;
    clients.push(client);
    const waiter = waiting.shift();
    if (waiter) {
      handedOut = clients.length;
      waiter(client);
    }
    return client;
  };
  const bridged: Array<{ port: MessagePortMain; client: string }> = [];
  const recording: AgentConnector = {
    probe: async () => options.externalAgent === true,
    apiOverPort: (port) => {
      if (options.noPortTransport) throw new Error('no port transport');
      return newClient(port);
    },
    apiOverSocket: () => newClient(),
    bridgeToSocket: (port, _socketPath, client) => void bridged.push({ port, client }),
  };
  const appOptions: TrayAppOptions = {
    electron: standin.electron,
    platform: standin.platform,
    env,
    argv: options.argv ?? ['electron', root],
    cwd: options.cwd ?? home,
    paths,
    files,
    agentExecArgv: NODE_FLAGS,
    connector: options.realAgent ? createAgentConnector() : recording,
    clock: options.clock ?? systemClock,
    log: { info() {}, warn() {}, error() {} },
    autostartDir: join(home, 'autostart'),
    executable: '/opt/DriveUp/driveup',
    executableArgs: [],
    supervisor: { firstBackoffMs: 5, ...options.supervisor },
  };
  const app = await startTrayApp(appOptions);
  return {
    standin,
    app,
    home,
    paths,
    files,
    clients,
    options: appOptions,
    nextClient() {
      if (clients.length > handedOut) return Promise.resolve(clients[handedOut++]!);
      return new Promise((resolve) => waiting.push(resolve));
    },
    async close() {
      standin.app.quit();
      await standin.app.quitted;
      await Promise.all(standin.forks.map((f) => f.process.exited));
      if (!options.home) await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the built preload bundle (dist/tray/preload.cjs) as Electron would in a sandboxed window:
 * its only module is `electron` (here the renderer side of the stand-in), its only global the
 * sandbox's `process`. Returns what it put into the page's world.
 */
export async function runPreload(
  standin: ElectronStandin,
  window: StandinBrowserWindow,
  preloadPath: string,
): Promise<Record<string, unknown>> {
  const renderer = standin.renderer(window, (file) => `/home/ada/${file.name}`);
  const code = await readFile(preloadPath, 'utf8');
  const required: string[] = [];
  const require = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return renderer;
  };
  new Function('require', 'process', 'module', 'exports', code)(
    require,
    { platform: 'linux' },
    { exports: {} },
    {},
  );
  if (required.join() !== 'electron') throw new Error(`the preload required ${required.join()}`);
  return renderer.mainWorld;
}
