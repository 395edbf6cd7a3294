import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TmuxSession {
  /** The screen as text, one line per row. */
  screen(): Promise<string>;
  /** Resolves with the screen once `test` accepts it; rejects with the last screen at the deadline. */
  waitForScreen(test: (screen: string) => boolean, timeoutMs?: number): Promise<string>;
  /** `tmux send-keys`: `C-c`, `Tab`, or literal text. */
  sendKeys(...keys: string[]): Promise<void>;
  /** `tmux display -p FORMAT`, e.g. `#{cursor_flag}`. */
  display(format: string): Promise<string>;
  kill(): Promise<void>;
}

/** Whether tmux runs here; tests that need a terminal skip themselves (saying so) without it. */
export async function hasTmux(): Promise<boolean> {
  return run('tmux', ['-V']).then(
    () => true,
    () => false,
  );
}

/**
 * A real terminal: `command` runs under `sh -c` in a detached tmux session of the given size, on
 * its own tmux server (so a test never touches a person's sessions).
 */
export async function startTmux(
  command: string,
  options: { columns?: number; rows?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<TmuxSession> {
  const socket = `du-test-${randomUUID().slice(0, 8)}`;
  const tmux = (...args: string[]) =>
    run('tmux', ['-L', socket, ...args], { env: { ...process.env, ...options.env } });
  await tmux(
    'new-session',
    '-d',
    '-s',
    't',
    '-x',
    String(options.columns ?? 120),
    '-y',
    String(options.rows ?? 30),
    command,
  );
  await tmux('set-option', '-t', 't', 'remain-on-exit', 'on');
  const socketPath = (await tmux('display', '-p', '-t', 't', '#{socket_path}')).stdout.trim();
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 't')).stdout;
  return {
    screen,
    async waitForScreen(test, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await screen();
        if (test(text)) return text;
        if (Date.now() > deadline) throw new Error(`the screen never matched; it shows:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async sendKeys(...keys) {
      await tmux('send-keys', '-t', 't', ...keys);
    },
    async display(format) {
      return (await tmux('display', '-p', '-t', 't', format)).stdout.trim();
    },
    async kill() {
      await tmux('kill-server').catch(() => undefined);
      // tmux leaves its socket file behind.
      if (socketPath) await rm(socketPath, { force: true });
    },
  };
}
