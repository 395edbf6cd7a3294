import type { SecretCipher, SecretProtection } from '../../core/auth/secret-cipher.ts';
import type { SecretRequest } from '../common/agent-process-protocol.ts';
import type { AgentProcessParent } from './process-parent.ts';

/**
 * The desktop agent's secret cipher: every seal and open is a request to the host over the parent
 * port, answered in Electron's main with safeStorage (src/tray/safe-storage-secrets.ts), which a
 * utility process does not have. The host never sees which file a secret goes to, only its name
 * (`context`), which it seals with the value.
 */
export function parentSecretCipher(parent: AgentProcessParent): SecretCipher {
  const pending = new Map<number, PromiseWithResolvers<string>>();
  let lastId = 0;
  parent.onSecretReply((reply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.data);
    else waiting.reject(new Error(`the desktop app could not use its keyring: ${reply.message}`));
  });
  const ask = (op: SecretRequest['op'], context: string, data: string): Promise<string> => {
    const id = ++lastId;
    const waiting = Promise.withResolvers<string>();
    pending.set(id, waiting);
    parent.post({ type: 'secret', id, op, context, data });
    return waiting.promise;
  };
  return {
    // Names the format in the files it seals: safeStorage's, bound to the secret's name.
    alg: 'safe-storage',
    seal: (plaintext, context) => ask('seal', context, plaintext),
    open: (sealed, context) => ask('open', context, sealed),
    async protection(): Promise<SecretProtection> {
      const answer = await ask('protection', '', '');
      if (answer !== 'os' && answer !== 'none')
        throw new Error(`the desktop app answered an unknown protection: ${answer.slice(0, 40)}`);
      return answer;
    },
  };
}
