import type { Clock } from '../core/queue/clock.ts';
import {
  fromAgentProcessSchema,
  type SecretReply,
  type SecretRequest,
  type ToAgentProcess,
} from '../ipc/common/agent-process-protocol.ts';
import type { ElectronMainApi, MessagePortMain, UtilityProcessApi } from './electron-api.ts';
import type { AgentPorts } from './port-broker.ts';

export type AgentProcessState = 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped';

export interface AgentSupervisorOptions {
  utilityProcess: ElectronMainApi['utilityProcess'];
  /** The agent-process entry module. */
  entry: string;
  /** V8 flags, the same as the `driveup` command's (src/cli/node-flags.ts). */
  execArgv: readonly string[];
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** First wait before a restart, doubling per failure in a row up to `maxBackoffMs`. */
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** A process that stayed up this long after `ready` clears the count of failures. */
  stableAfterMs?: number;
  /** Failures in a row before people are told (once per run of failures). */
  failuresBeforeNotice?: number;
  /** How long `stop()` waits for a clean exit before killing the process. */
  stopTimeoutMs?: number;
  /** Answers the agent's secret cipher requests (safeStorage, in main). */
  secrets?: (request: SecretRequest) => Promise<SecretReply>;
  onState: (state: AgentProcessState) => void;
  onRepeatedFailure: (failures: number, lastMessage: string | undefined) => void;
  /**
   * The agent stopped by itself, cleanly (exit code 0): the API's `agent.shutdown`, a SIGTERM
   * from someone else. Not a crash, so it is not restarted; main decides what follows.
   */
  onStoppedByItself?: () => void;
}

/**
 * Runs the agent process: forks it, hands it ports, restarts it with backoff when it dies (exits
 * other than 0), and stops it (cleanly, or killed after 10 s) when the app quits. Ports asked
 * for while it is down wait for the next process.
 */
export class AgentSupervisor implements AgentPorts {
  readonly #options: AgentSupervisorOptions;
  #child: UtilityProcessApi | undefined;
  #state: AgentProcessState = 'stopped';
  #failures = 0;
  #noticed = false;
  #lastMessage: string | undefined;
  #waitingPorts: Array<{ port: MessagePortMain; client: string }> = [];
  #restartTimer: unknown;
  #stableTimer: unknown;
  #stopping: Promise<void> | undefined;

  constructor(options: AgentSupervisorOptions) {
    this.#options = options;
  }

  get state(): AgentProcessState {
    return this.#state;
  }

  start(): void {
    if (this.#stopping || this.#child) return;
    this.#setState(this.#failures === 0 ? 'starting' : 'restarting');
    const { utilityProcess, entry, execArgv, env } = this.#options;
    const child = utilityProcess.fork(entry, [], {
      execArgv: [...execArgv],
      env: { ...env },
      serviceName: 'DriveUp agent',
      stdio: 'inherit',
    });
    this.#child = child;
    child.on('message', (message) => this.#onMessage(child, message));
    child.once('exit', (code) => this.#onExit(child, code));
  }

  connectPort(port: MessagePortMain, client: string): void {
    if (this.#stopping) {
      port.close();
      return;
    }
    if (this.#state === 'ready' && this.#child)
      this.#send(this.#child, { type: 'connect', client }, [port]);
    else this.#waitingPorts.push({ port, client });
  }

  /** Stops the agent: asks it to stop, kills it if it has not exited within 10 s. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { clock } = this.#options;
    clock.clearTimeout(this.#restartTimer);
    clock.clearTimeout(this.#stableTimer);
    for (const { port } of this.#waitingPorts.splice(0)) port.close();
    const child = this.#child;
    if (!child) {
      this.#setState('stopped');
      return;
    }
    this.#setState('stopping');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.#send(child, { type: 'stop' });
    const timer = clock.setTimeout(() => child.kill(), this.#options.stopTimeoutMs ?? 10_000);
    await exited;
    clock.clearTimeout(timer);
    this.#setState('stopped');
  }

  #onMessage(child: UtilityProcessApi, raw: unknown): void {
    const parsed = fromAgentProcessSchema.safeParse(raw);
    if (!parsed.success || child !== this.#child) return;
    if (parsed.data.type === 'failed') {
      this.#lastMessage = parsed.data.message;
      return;
    }
    if (parsed.data.type === 'secret') {
      const request = parsed.data;
      const answer = this.#options.secrets?.(request) ?? Promise.resolve(noCipher(request));
      void answer.then((reply) => {
        if (child === this.#child) this.#send(child, reply);
      });
      return;
    }
    this.#setState('ready');
    for (const { port, client } of this.#waitingPorts.splice(0))
      this.#send(child, { type: 'connect', client }, [port]);
    this.#stableTimer = this.#options.clock.setTimeout(() => {
      this.#failures = 0;
      this.#noticed = false;
    }, this.#options.stableAfterMs ?? 60_000);
  }

  #onExit(child: UtilityProcessApi, code: number): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    const { clock } = this.#options;
    clock.clearTimeout(this.#stableTimer);
    if (this.#stopping) return;
    if (code === 0) {
      this.#stopping = Promise.resolve();
      this.#setState('stopped');
      this.#options.onStoppedByItself?.();
      return;
    }
    this.#failures += 1;
    this.#lastMessage ??= `exit code ${code}`;
    if (this.#failures >= (this.#options.failuresBeforeNotice ?? 3) && !this.#noticed) {
      this.#noticed = true;
      this.#options.onRepeatedFailure(this.#failures, this.#lastMessage);
    }
    this.#lastMessage = undefined;
    this.#setState('restarting');
    const first = this.#options.firstBackoffMs ?? 1_000;
    const delay = Math.min(first * 2 ** (this.#failures - 1), this.#options.maxBackoffMs ?? 60_000);
    this.#restartTimer = clock.setTimeout(() => this.start(), delay);
  }

  #send(child: UtilityProcessApi, message: ToAgentProcess, ports: MessagePortMain[] = []): void {
    child.postMessage(message, ports);
  }

  #setState(state: AgentProcessState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.onState(state);
  }
}

function noCipher(request: SecretRequest): SecretReply {
  return { type: 'secret-reply', id: request.id, ok: false, message: 'no secret cipher in main' };
}
