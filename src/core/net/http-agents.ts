import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * The port every request to Google goes through: the connection agent for a URL. The host picks
 * it: Node's own keep-alive agents headless, one that follows the system proxy in the desktop
 * app. gaxios (google-auth-library) takes the same function as its `agent`.
 */
export type HttpAgentFor = (url: URL) => HttpAgent;

export interface HttpAgents {
  agentFor: HttpAgentFor;
  /** Drops pooled connections so a closing agent leaves nothing behind. */
  destroy(): void;
}

/** Node's keep-alive agents, one per protocol: the default when the host gives none. */
export function nodeHttpAgents(): HttpAgents {
  const http = new HttpAgent({ keepAlive: true });
  const https = new HttpsAgent({ keepAlive: true });
  return {
    agentFor: (url) => (url.protocol === 'https:' ? https : http),
    destroy: () => {
      http.destroy();
      https.destroy();
    },
  };
}

/**
 * A small form POST through the agent (the token revocation): `fetch` cannot take a Node agent,
 * so a proxy the host chose would be bypassed. Answers the status and the body as text.
 */
export function postForm(
  url: string,
  form: Record<string, string>,
  options: { agentFor: HttpAgentFor; timeoutMs: number },
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const body = Buffer.from(new URLSearchParams(form).toString());
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, {
      method: 'POST',
      agent: options.agentFor(target),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
      },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.end(body);
  });
}
