import { join } from 'node:path';
import type { DriveUpPaths } from '../core/config/paths.ts';
import type { Clock } from '../core/queue/clock.ts';
import type { AgentConnector, TrayAgentApi, TrayAgentEvent } from './agent-api.ts';
import { AgentSupervisor, type AgentSupervisorOptions } from './agent-supervisor.ts';
import type { AppFiles } from './app-files.ts';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES } from './app-protocol.ts';
import type { ElectronMainApi, TrayApi } from './electron-api.ts';
import { FileIntake } from './file-intake.ts';
import { filesFromArgv, filesFromSecondInstance, type SecondInstanceData } from './launch-files.ts';
import { applyStartAtLogin, startedAtLogin } from './login-item.ts';
import { Notifier } from './notifier.ts';
import { createPageHandler } from './page-protocol.ts';
import { serveWindows, type AgentPorts } from './port-broker.ts';
import { SafeStorageSecrets } from './safe-storage-secrets.ts';
import { appIconFile, trayIconFile, type TrayIconState } from './tray-icon-files.ts';
import { menuTemplate } from './tray-menu-template.ts';
import { presentTray, type TrayAction, type TrayInput } from './tray-presenter.ts';
import { TrayRenderer } from './tray-renderer.ts';
import { guardWebContents } from './web-contents-guard.ts';
import { WINDOW_KINDS, WindowManager } from './window-manager.ts';
import { WindowStateStore } from './window-state-store.ts';

export type TrayLog = Pick<Console, 'info' | 'warn' | 'error'>;

export interface TrayAppOptions {
  electron: ElectronMainApi;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** This process's own argv and working directory (never another instance's). */
  argv: readonly string[];
  cwd: string;
  paths: DriveUpPaths;
  files: AppFiles;
  /** V8 flags for the agent process (src/cli/node-flags.ts). */
  agentExecArgv: readonly string[];
  connector: AgentConnector;
  clock: Clock;
  log: TrayLog;
  /** Linux: where the autostart entry goes (`$XDG_CONFIG_HOME/autostart`). */
  autostartDir: string;
  /** What the login item starts (`$APPIMAGE` or the executable), and its leading arguments. */
  executable: string;
  executableArgs: readonly string[];
  /** Backoff and timeouts of the agent process, for tests. */
  supervisor?: Partial<
    Pick<
      AgentSupervisorOptions,
      | 'clock'
      | 'firstBackoffMs'
      | 'maxBackoffMs'
      | 'stableAfterMs'
      | 'failuresBeforeNotice'
      | 'stopTimeoutMs'
    >
  >;
}

export interface TrayApp {
  readonly agent: 'own' | 'external';
  readonly windows: WindowManager;
  readonly supervisor: AgentSupervisor | undefined;
  readonly tray: TrayApi;
}

/**
 * The desktop app's main process, given Electron's API: single instance, tray and menu, windows,
 * notifications, login item, and the agent (its own process, or a headless one already serving
 * this data directory). Resolves with undefined in a second instance, which hands its files to
 * the first and quits.
 */
export async function startTrayApp(options: TrayAppOptions): Promise<TrayApp | undefined> {
  const { electron, platform, env, paths, files, clock, log } = options;
  const { app } = electron;
  // With DRIVEUP_HOME (tests, portable setups) the instance lock follows the data directory.
  if (env.DRIVEUP_HOME) app.setPath('userData', join(paths.dataDir, 'electron'));
  const ownFiles = filesFromArgv(options.argv, options.cwd, app.isPackaged);
  if (!app.requestSingleInstanceLock({ files: ownFiles } satisfies SecondInstanceData)) {
    app.quit();
    return undefined;
  }

  let api: TrayAgentApi | undefined;
  // Made before ready (they open nothing yet), so that every event below can use them.
  const appIcon = join(files.assets, appIconFile(platform));
  const states = new WindowStateStore(join(paths.dataDir, 'windows.json'));
  // Read while Electron starts; nothing may be awaited before the handlers below are on.
  const statesLoaded = states.load();
  const windows = new WindowManager({
    electron,
    preloadPath: files.preload,
    iconPath: platform === 'darwin' ? undefined : appIcon,
    devTools: !app.isPackaged,
    states,
    guard: (contents) => guardWebContents(contents, electron.shell),
  });
  const notifier = new Notifier({
    Notification: electron.Notification,
    platform,
    icon: platform === 'darwin' ? undefined : appIcon,
    openReview: (batchId) => windows.open('review', { batch: batchId }),
    retry: (jobIds) => void api?.retry(jobIds).catch((e: Error) => log.warn('retry failed', e)),
    openExternal: (url) => void electron.shell.openExternal(url).catch(() => undefined),
  });
  const intake = new FileIntake({
    clock,
    send: (paths) => (api ? api.add(paths) : Promise.reject(new Error('no agent'))),
    onRefused: (message, refused) =>
      notifier.showProblem(
        `DriveUp could not queue ${refused.length === 1 ? 'a file' : `${refused.length} files`}`,
        message,
      ),
  });
  intake.add(ownFiles);
  // macOS sends "Open with DriveUp" (and drops on the Dock icon) even before ready.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    intake.add([path]);
  });
  app.on('second-instance', (_event, _argv, _cwd, additionalData) => {
    const handed = filesFromSecondInstance(additionalData);
    if (handed.length > 0) intake.add(handed);
    else windows.open('activity');
  });
  // A tray app stays when its last window closes (Electron would quit without this listener).
  app.on('window-all-closed', () => {});
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, electron.shell));
  electron.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

  await app.whenReady();
  await statesLoaded;
  if (platform === 'darwin') app.dock?.hide();
  if (platform === 'win32') app.setAppUserModelId('app.driveup.desktop');
  electron.protocol.handle(APP_SCHEME, createPageHandler(files.pages, WINDOW_KINDS));

  // The tray, drawn from what the agent last said.
  const state: Omit<TrayInput, 'platform' | 'agent'> = {
    connection: 'connecting',
    summary: null,
    auth: null,
  };
  const iconPlace = {
    platform,
    scaleFactor: electron.screen.getPrimaryDisplay().scaleFactor,
    desktop: env.XDG_CURRENT_DESKTOP,
  };
  const images = new Map<TrayIconState, ReturnType<typeof electron.nativeImage.createFromPath>>();
  const image = (iconState: TrayIconState) => {
    let loaded = images.get(iconState);
    if (!loaded) {
      loaded = electron.nativeImage.createFromPath(
        join(files.assets, trayIconFile(iconState, iconPlace)),
      );
      images.set(iconState, loaded);
    }
    return loaded;
  };
  const tray = new electron.Tray(image('idle'));
  const onAction = (action: TrayAction) => runAction(action);
  const renderer = new TrayRenderer(
    {
      setIcon: (iconState) => tray.setImage(image(iconState)),
      setToolTip: (text) => tray.setToolTip(text),
      setMenu: (items) =>
        tray.setContextMenu(electron.Menu.buildFromTemplate(menuTemplate(items, onAction))),
    },
    { clock },
  );
  let agentKind: 'own' | 'external' = 'own';
  const render = () => renderer.show(presentTray({ ...state, platform, agent: agentKind }));

  const runAction = (action: TrayAction) => {
    const failed = (error: Error) => log.warn(`${action} failed`, error.message);
    switch (action) {
      case 'upload':
      case 'activity':
      case 'history':
      case 'settings':
        windows.open(action);
        return;
      case 'account':
      case 'sign-in':
        windows.open('signin');
        return;
      case 'pause':
        void api?.pause().catch(failed);
        return;
      case 'resume':
        void api?.resume().catch(failed);
        return;
      case 'open-logs':
        void electron.shell.openPath(paths.stateDir);
        return;
      case 'quit':
        app.quit();
        return;
    }
  };
  tray.on('click', () => {
    // Windows opens the menu on a right click; a left click opens Activity. Linux panels often
    // deliver no clicks at all, and macOS shows the menu: there, the menu is the way in.
    if (platform === 'win32') windows.open('activity');
  });
  tray.on('drop-files', (_event, dropped) => intake.add(dropped));

  // Settings main acts on: start at login.
  let startAtLogin: boolean | undefined;
  const applyLogin = (enabled: boolean) => {
    if (enabled === startAtLogin) return;
    startAtLogin = enabled;
    void applyStartAtLogin(enabled, {
      platform,
      app,
      executable: options.executable,
      args: options.executableArgs,
      autostartDir: options.autostartDir,
    }).catch((error: Error) => log.warn('could not change start at login', error.message));
  };

  const atLogin = startedAtLogin(platform, options.argv, app);
  let firstWindowDecided = atLogin || ownFiles.length > 0;
  // Events that arrive while the state is being read are newer than what the read returns.
  const seen = { activity: 0, auth: 0, settings: 0 };
  const onEvent = (event: TrayAgentEvent) => {
    switch (event.type) {
      case 'activity':
        seen.activity += 1;
        state.summary = event.summary;
        break;
      case 'auth':
        seen.auth += 1;
        state.auth = event.status;
        break;
      case 'settings':
        seen.settings += 1;
        applyLogin(event.settings.startAtLogin);
        return;
      case 'batch':
        notifier.showBatch(event.batch);
        return;
      case 'resync':
        void readState();
        return;
    }
    render();
  };
  const readState = async () => {
    const client = api;
    if (!client) return;
    const before = { ...seen };
    try {
      const [summary, auth, settings] = await Promise.all([
        client.summary(),
        client.authStatus(),
        client.desktopSettings(),
      ]);
      if (client !== api) return;
      state.connection = 'connected';
      if (seen.activity === before.activity) state.summary = summary;
      if (seen.auth === before.auth) state.auth = auth;
      if (seen.settings === before.settings) applyLogin(settings.startAtLogin);
      render();
      if (!firstWindowDecided && state.auth) {
        firstWindowDecided = true;
        // Started by hand: show something (GNOME may show no tray at all).
        windows.open(state.auth.state === 'signed-in' ? 'activity' : 'signin');
      }
    } catch (error) {
      log.warn('could not read the agent’s state', (error as Error).message);
    }
  };
  let unsubscribe: (() => void) | undefined;
  const attach = (client: TrayAgentApi) => {
    detach();
    api = client;
    unsubscribe = client.subscribe(onEvent);
    intake.setReady(true);
    void readState();
  };
  const detach = () => {
    unsubscribe?.();
    unsubscribe = undefined;
    api?.close();
    api = undefined;
    intake.setReady(false);
  };

  // The agent: a headless one already serving this data directory, or our own process.
  const secrets = new SafeStorageSecrets(electron.safeStorage, platform);
  let supervisor: AgentSupervisor | undefined;
  let ports: AgentPorts;
  if (await options.connector.probe(paths.socketPath)) {
    agentKind = 'external';
    ports = {
      connectPort: (port, client) =>
        options.connector.bridgeToSocket(port, paths.socketPath, client),
    };
    attach(options.connector.apiOverSocket(paths.socketPath));
  } else {
    const own = new AgentSupervisor({
      utilityProcess: electron.utilityProcess,
      entry: files.agentEntry,
      execArgv: options.agentExecArgv,
      env,
      clock,
      secrets: (request) => secrets.answer(request),
      ...options.supervisor,
      onState: (processState) => {
        if (processState === 'ready') {
          const { port1, port2 } = new electron.MessageChannelMain();
          own.connectPort(port2, 'tray');
          try {
            attach(options.connector.apiOverPort(port1));
          } catch (error) {
            // Main keeps running (windows, menu, quit) even when it cannot talk to the agent.
            log.error('cannot talk to the agent process', (error as Error).message);
            state.connection = 'unreachable';
            render();
          }
        } else if (processState === 'restarting') {
          detach();
          state.connection = 'lost';
          render();
        }
      },
      // `agent.shutdown` (a script, `driveup` against this agent) stops the whole app: a tray
      // whose agent is gone would only claim to upload.
      onStoppedByItself: () => {
        log.info('the agent stopped by itself (agent.shutdown or a signal); DriveUp quits');
        app.quit();
      },
      onRepeatedFailure: (failures, message) =>
        notifier.showProblem(
          'DriveUp’s agent keeps stopping',
          `It stopped ${failures} times in a row${message ? ` (${message})` : ''}. Uploads wait ` +
            `until it runs again; its log is in ${paths.stateDir}.`,
        ),
    });
    supervisor = own;
    ports = own;
    own.start();
  }
  serveWindows({
    electron,
    windows,
    agent: () => ports,
    log: (message, details) => log.warn(message, details),
  });
  render();

  // Quitting: the agent stops first (within 10 s), then the app.
  let stopped = false;
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    renderer.stop();
    detach();
    void (async () => {
      await supervisor?.stop();
      // Windows close before the app, so that their places are on disk when it exits.
      await windows.closeAll();
      stopped = true;
      tray.destroy();
      app.quit();
    })();
  });

  return { agent: agentKind, windows, supervisor, tray };
}
