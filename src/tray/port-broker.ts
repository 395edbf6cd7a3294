import { isAppUrl } from './app-protocol.ts';
import { BRIDGE_CHANNELS } from './bridge-channels.ts';
import type { ElectronMainApi, FrameApi, MessagePortMain } from './electron-api.ts';
import type { WindowKind } from './window-manager.ts';

/** Where a window's port goes: the agent process, or a bridge to a headless agent's socket. */
export interface AgentPorts {
  connectPort(port: MessagePortMain, client: string): void;
}

export interface SenderEvent {
  sender: { id: number; mainFrame: FrameApi };
  senderFrame: FrameApi | null;
}

/**
 * The window behind an IPC message, if main should answer it: one of our windows, from its main
 * frame (not an iframe), showing one of our pages. Anything else gets nothing.
 */
export function trustedSender(
  event: SenderEvent,
  windows: { kindOf(webContentsId: number): WindowKind | undefined },
): WindowKind | undefined {
  const kind = windows.kindOf(event.sender.id);
  const frame = event.senderFrame;
  if (!kind || !frame) return undefined;
  const main = event.sender.mainFrame;
  if (frame.processId !== main.processId || frame.routingId !== main.routingId) return undefined;
  return isAppUrl(frame.url) ? kind : undefined;
}

export interface PortBrokerOptions {
  electron: Pick<ElectronMainApi, 'ipcMain' | 'MessageChannelMain' | 'dialog'>;
  windows: { kindOf(webContentsId: number): WindowKind | undefined };
  agent: () => AgentPorts | undefined;
  log: (message: string, details: Record<string, unknown>) => void;
}

/**
 * Answers the preload: a window that asks gets one end of a new channel, the agent the other;
 * main is not in the data path. The pickers run here too, since dialogs are main's.
 */
export function serveWindows(options: PortBrokerOptions): () => void {
  const { ipcMain, MessageChannelMain, dialog } = options.electron;
  ipcMain.on(BRIDGE_CHANNELS.connect, (event) => {
    const kind = trustedSender(event, options.windows);
    if (!kind) {
      options.log('refused a port to a sender that is not one of our pages', {
        url: event.senderFrame?.url,
      });
      return;
    }
    const { port1, port2 } = new MessageChannelMain();
    const agent = options.agent();
    if (agent) agent.connectPort(port2, kind);
    // No agent right now: the window gets a port that closes, and asks again later.
    else port2.close();
    event.sender.postMessage(BRIDGE_CHANNELS.port, null, [port1]);
  });
  const picker =
    (properties: Array<'openFile' | 'openDirectory' | 'multiSelections'>) =>
    async (event: SenderEvent) => {
      if (!trustedSender(event, options.windows)) throw new Error('refused');
      const answer = await dialog.showOpenDialog({ properties });
      return answer.canceled ? [] : answer.filePaths;
    };
  ipcMain.handle(BRIDGE_CHANNELS.pickFiles, picker(['openFile', 'multiSelections']));
  ipcMain.handle(BRIDGE_CHANNELS.pickFolder, picker(['openDirectory']));
  return () => {
    ipcMain.removeAllListeners(BRIDGE_CHANNELS.connect);
    ipcMain.removeHandler(BRIDGE_CHANNELS.pickFiles);
    ipcMain.removeHandler(BRIDGE_CHANNELS.pickFolder);
  };
}
