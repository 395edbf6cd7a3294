import { resolvePaths, type DriveUpPaths } from '../core/config/paths.ts';
import { connectToAgent, type AgentClient } from './agent-client.ts';
import { answerText } from './answer-text.ts';

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

  /** Prints a command's answer: `data` as JSON with `--json`, else `human()` (answer-text.ts). */
  print(data: unknown, human: () => string): void {
    const text = answerText(data, human, this.json);
    if (text) process.stdout.write(text);
  }
}
