import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../src/core/agent.ts';
import type { AgentEvents } from '../../src/core/agent-events.ts';
import { resolvePaths } from '../../src/core/config/paths.ts';
import type { SettingsInput } from '../../src/core/config/settings-schema.ts';
import { startFakeGoogle, type FakeGoogle } from './fake-google/index.ts';
import { fakeGoogleEnv } from './fake-google-env.ts';
import { followSignInUrl } from './follow-sign-in.ts';

export interface AgentHarness {
  agent: Agent;
  fake: FakeGoogle;
  home: string;
  signIn(): Promise<void>;
  /** Resolves with the first event of `type` that satisfies `accept`. */
  next<K extends keyof AgentEvents>(
    type: K,
    accept?: (data: AgentEvents[K]) => boolean,
  ): Promise<AgentEvents[K]>;
  close(): Promise<void>;
}

/** A real Agent in a fresh home, talking to its own fake Google, started and (optionally) signed in. */
export async function startAgentHarness(
  options: { signedIn?: boolean; settings?: SettingsInput } = {},
): Promise<AgentHarness> {
  const fake = await startFakeGoogle();
  const home = await mkdtemp(join(tmpdir(), 'du-'));
  if (options.settings)
    await writeFile(join(home, 'settings.json'), JSON.stringify(options.settings));
  const env = fakeGoogleEnv(fake.url, home);
  const agent = await Agent.open({
    paths: resolvePaths({ env }),
    env,
    openBrowser: async () => {},
  });
  await agent.start();
  const harness: AgentHarness = {
    agent,
    fake,
    home,
    async signIn() {
      const attempt = await agent.auth.beginSignIn({ openBrowser: false });
      await followSignInUrl(attempt.url);
      await attempt.completion;
    },
    next(type, accept = () => true) {
      return new Promise((resolve) => {
        const off = agent.bus.on(type, (data) => {
          if (!accept(data)) return;
          off();
          resolve(data);
        });
      });
    },
    async close() {
      await agent.stop();
      await fake.close();
      await rm(home, { recursive: true, force: true });
    },
  };
  if (options.signedIn !== false) await harness.signIn();
  return harness;
}
