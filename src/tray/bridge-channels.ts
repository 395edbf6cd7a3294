/** IPC channels between the preload and main; nothing else is listened to. */
export const BRIDGE_CHANNELS = {
  /** Renderer → main: a window asks for its port to the agent. */
  connect: 'driveup:connect',
  /** Main → renderer: the port, as the message's only transfer. */
  port: 'driveup:port',
  pickFiles: 'driveup:pick-files',
  pickFolder: 'driveup:pick-folder',
} as const;
