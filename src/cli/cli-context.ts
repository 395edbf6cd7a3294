import { resolvePaths, type DriveUpPaths } from '../core/config/paths.ts';
import { connectToAgent, type AgentClient } from './agent-client.ts';
import { escapeControlKeepingLines } from './terminal-text.ts';

/**
 * What every command shares: where the agent lives, whether to print for people or scripts, and
 * a client made on first use (so `driveup agent` never connects to itself).
 */
export class CliContext {
  readonly paths: DriveUpPaths;
  json = false;
  #client: AgentClient | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.paths = resolvePaths({ env });
  }

  get client(): AgentClient {
    this.#client ??= connectToAgent(this.paths);
    return this.#client;
  }

  /**
   * `--json` prints `data` as one JSON document (stable field names, names exact); otherwise
   * `human()`, with any control character that slipped into it escaped.
   */
  print(data: unknown, human: () => string): void {
    const text = this.json ? JSON.stringify(data, null, 2) : escapeControlKeepingLines(human());
    if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
