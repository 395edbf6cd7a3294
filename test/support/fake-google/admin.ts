import { faultFromJson } from './faults.ts';
import type { Exchange } from './http-io.ts';
import type { FakeGoogle } from './index.ts';

/**
 * /__admin/ routes: the same controls as the FakeGoogle object, in JSON, for tests that drive the
 * fake from another process (`npm run fake-google`).
 */
export async function handleAdmin(fake: FakeGoogle, ex: Exchange): Promise<void> {
  const route = `${ex.method} ${ex.url.pathname}`;
  const body = ex.method === 'POST' ? await ex.readJson() : {};
  const ok = (): void => ex.json(200, { ok: true });
  try {
    switch (route) {
      case 'POST /__admin/faults':
        fake.addFault(faultFromJson(body));
        return ok();
      case 'DELETE /__admin/faults':
        fake.clearFaults();
        return ok();
      case 'GET /__admin/state':
        return ex.json(200, fake.state());
      case 'POST /__admin/reset':
        fake.reset();
        return ok();
      case 'POST /__admin/consent':
        if (body.mode !== 'grant' && body.mode !== 'deny')
          throw new Error("mode must be 'grant' or 'deny'");
        fake.setConsent(body.mode);
        return ok();
      case 'GET /__admin/latency':
        return ex.json(200, fake.latency());
      case 'POST /__admin/latency':
        fake.setLatency(requireNumber(body.ms, 'ms'));
        return ok();
      case 'POST /__admin/bandwidth':
        fake.setBandwidth(
          body.bytesPerSecond === null
            ? null
            : requireNumber(body.bytesPerSecond, 'bytesPerSecond'),
        );
        return ok();
      case 'POST /__admin/tokens':
        return ex.json(200, fake.issueTokens());
      case 'POST /__admin/expire-access-tokens':
        fake.expireAccessTokens();
        return ok();
      case 'POST /__admin/revoke-refresh-tokens':
        fake.revokeAllRefreshTokens();
        return ok();
      default:
        return ex.json(404, { error: `no admin route ${route}` });
    }
  } catch (error) {
    ex.json(400, { error: (error as Error).message });
  }
}

function requireNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number`);
  }
  return value;
}
