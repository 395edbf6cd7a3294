import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import type * as Electron from 'electron';
import type { UtilityProcessApi } from '../../../src/tray/electron-api.ts';
import { asStandinPort } from './message-ports.ts';
import type { ToChild, ToParent } from './utility-protocol.ts';

const BOOTSTRAP = fileURLToPath(new URL('./utility-bootstrap.ts', import.meta.url));

export interface ForkRecord {
  modulePath: string;
  args: string[];
  options: Electron.ForkOptions;
  process: StandinUtilityProcess;
}

/**
 * Electron's utility process as a Node child process running the same module with the same V8
 * flags, so the agent really runs in its own process (a worker thread cannot: @parcel/watcher's
 * addon loads once per process). Message ports cannot cross processes in Node, so each port
 * handed over is proxied: its messages travel over the IPC channel to a port made in the child.
 */
export class StandinUtilityProcess extends EventEmitter implements UtilityProcessApi {
  pid: number | undefined;
  readonly child: ChildProcess;
  /** Resolves with the exit code once the process ended, however it ended. */
  readonly exited: Promise<number>;
  /** What it wrote to stdout and stderr. */
  output = '';
  /** How it ended: killed by a signal, or exited by itself. */
  signal: NodeJS.Signals | null = null;
  readonly #ports = new Map<number, MessagePort>();
  #nextPortId = 1;

  constructor(modulePath: string, args: string[], options: Electron.ForkOptions) {
    super();
    // Output is kept (and shown with STANDIN_DEBUG=1) rather than mixed into the test report.
    this.child = fork(BOOTSTRAP, [modulePath, ...args], {
      execArgv: options.execArgv ?? [],
      env: options.env ? { ...options.env } : process.env,
      cwd: options.cwd,
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        this.output += text;
        if (process.env.STANDIN_DEBUG) process.stderr.write(text);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.pid = undefined;
        this.signal = signal;
        for (const port of this.#ports.values()) port.close();
        const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
        this.emit('exit', exitCode);
        resolve(exitCode);
      });
    });
    this.child.once('spawn', () => {
      this.pid = this.child.pid;
      this.emit('spawn');
    });
    this.child.on('message', (message: ToParent) => this.#receive(message));
  }

  postMessage(message: unknown, transfer: Electron.MessagePortMain[] = []): void {
    const ports = transfer.map((port) => this.#adopt(asStandinPort(port).raw));
    this.#send({ kind: 'message', data: message, ports });
  }

  kill(): boolean {
    if (this.pid === undefined) return false;
    return this.child.kill('SIGTERM');
  }

  #adopt(raw: MessagePort): number {
    const id = this.#nextPortId++;
    this.#ports.set(id, raw);
    raw.on('message', (data: unknown) => this.#send({ kind: 'port-message', id, data }));
    raw.on('close', () => {
      if (this.#ports.delete(id)) this.#send({ kind: 'port-close', id });
    });
    return id;
  }

  #receive(message: ToParent): void {
    if (message.kind === 'message') this.emit('message', message.data);
    else if (message.kind === 'port-message')
      this.#ports.get(message.id)?.postMessage(message.data);
    else if (message.kind === 'port-close') {
      const port = this.#ports.get(message.id);
      this.#ports.delete(message.id);
      port?.close();
    }
  }

  #send(message: ToChild): void {
    if (this.child.connected) this.child.send(message);
  }
}
