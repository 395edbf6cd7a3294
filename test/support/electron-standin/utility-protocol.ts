/** Between the stand-in's utility process and its parent, over the child process's IPC channel. */
export type ToChild =
  | { kind: 'message'; data: unknown; ports: number[] }
  | { kind: 'port-message'; id: number; data: unknown }
  | { kind: 'port-close'; id: number };

export type ToParent =
  | { kind: 'message'; data: unknown }
  | { kind: 'port-message'; id: number; data: unknown }
  | { kind: 'port-close'; id: number };
