import { createHash } from 'node:crypto';
import { newId } from './store.ts';
import type { Exchange } from './http-io.ts';

export const DEFAULT_SCOPE = 'https://www.googleapis.com/auth/drive.file';

export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  accessTokenTtlSeconds: number;
  user: { email: string; displayName: string };
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** One user consent: a refresh token and the access tokens minted from it. Revoking either kills both, as at Google. */
interface Grant {
  refreshToken: string;
  scope: string;
  revoked: boolean;
  accessTokens: Set<string>;
}

interface AccessToken {
  grant: Grant;
  expiresAt: number;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  challenge: string | undefined;
  challengeMethod: string;
  expiresAt: number;
}

/** Google's answer when a Drive request carries no valid bearer token. */
const INVALID_CREDENTIALS = {
  error: {
    code: 401,
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    errors: [
      {
        message: 'Invalid Credentials',
        domain: 'global',
        reason: 'authError',
        location: 'Authorization',
        locationType: 'header',
      },
    ],
    status: 'UNAUTHENTICATED',
  },
};

/**
 * Google's OAuth endpoints at the paths google-auth-library's `OAuth2Client` `endpoints` option takes:
 * oauth2AuthBaseUrl = /o/oauth2/v2/auth, oauth2TokenUrl = /token, oauth2RevokeUrl = /revoke,
 * tokenInfoUrl = /tokeninfo (plus /oauth2/v3/userinfo).
 */
export class OAuthServer {
  consent: 'grant' | 'deny' = 'grant';
  readonly #config: OAuthConfig;
  #codes = new Map<string, AuthCode>();
  #grants = new Map<string, Grant>();
  #accessTokens = new Map<string, AccessToken>();

  constructor(config: OAuthConfig) {
    this.#config = config;
  }

  /** Returns true when it answered the request. */
  async handle(ex: Exchange): Promise<boolean> {
    const route = `${ex.method} ${ex.url.pathname}`;
    switch (route) {
      case 'GET /o/oauth2/v2/auth':
      case 'GET /o/oauth2/auth':
        this.#authorize(ex);
        return true;
      case 'POST /token':
      case 'POST /o/oauth2/token':
        await this.#token(ex);
        return true;
      case 'POST /revoke':
      case 'GET /revoke':
      case 'POST /o/oauth2/revoke':
        await this.#revoke(ex);
        return true;
      case 'GET /tokeninfo':
      case 'POST /tokeninfo':
      case 'GET /oauth2/v3/tokeninfo':
        await this.#tokenInfo(ex);
        return true;
      case 'GET /oauth2/v3/userinfo':
      case 'GET /oauth2/v2/userinfo':
        this.#userInfo(ex);
        return true;
      default:
        return false;
    }
  }

  issueTokens(scope = DEFAULT_SCOPE): TokenResponse {
    const grant: Grant = {
      refreshToken: '1//fake-refresh-' + newId(40),
      scope,
      revoked: false,
      accessTokens: new Set(),
    };
    this.#grants.set(grant.refreshToken, grant);
    return {
      access_token: this.#mintAccessToken(grant),
      refresh_token: grant.refreshToken,
      expires_in: this.#config.accessTokenTtlSeconds,
    };
  }

  revokeAllRefreshTokens(): void {
    for (const grant of this.#grants.values()) this.#revokeGrant(grant);
  }

  expireAccessTokens(): void {
    for (const token of this.#accessTokens.values()) token.expiresAt = 0;
  }

  /** Answers 401 itself and returns false when the request has no live access token. */
  authenticate(ex: Exchange): boolean {
    if (this.#liveToken(bearerToken(ex))) return true;
    ex.json(401, INVALID_CREDENTIALS, {
      'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
    });
    return false;
  }

  #liveToken(token: string | undefined): AccessToken | undefined {
    const found = token ? this.#accessTokens.get(token) : undefined;
    if (!found || found.grant.revoked || found.expiresAt <= Date.now()) return undefined;
    return found;
  }

  #mintAccessToken(grant: Grant): string {
    const token = 'ya29.fake-' + newId(60);
    grant.accessTokens.add(token);
    this.#accessTokens.set(token, {
      grant,
      expiresAt: Date.now() + this.#config.accessTokenTtlSeconds * 1000,
    });
    return token;
  }

  #revokeGrant(grant: Grant): void {
    grant.revoked = true;
    for (const token of grant.accessTokens) this.#accessTokens.delete(token);
    grant.accessTokens.clear();
  }

  #authorize(ex: Exchange): void {
    const p = ex.url.searchParams;
    const redirectUri = p.get('redirect_uri') ?? '';
    const problem =
      p.get('client_id') !== this.#config.clientId
        ? 'Error 401: invalid_client. The OAuth client was not found.'
        : !isLoopbackRedirect(redirectUri)
          ? 'Error 400: redirect_uri_mismatch. The redirect URI must be a loopback http URL.'
          : p.get('response_type') !== 'code'
            ? 'Error 400: unsupported_response_type.'
            : !p.get('scope')
              ? 'Error 400: invalid_request. Missing required parameter: scope'
              : p.get('code_challenge') && !['S256', 'plain'].includes(challengeMethod(p))
                ? 'Error 400: invalid_request. Invalid code_challenge_method.'
                : undefined;
    if (problem) {
      ex.send(400, { 'Content-Type': 'text/html; charset=utf-8' }, `<h1>${problem}</h1>`);
      return;
    }
    const target = new URL(redirectUri);
    const state = p.get('state');
    if (this.consent === 'deny') {
      target.searchParams.set('error', 'access_denied');
    } else {
      const code = '4/fake-code-' + newId(40);
      this.#codes.set(code, {
        clientId: this.#config.clientId,
        redirectUri,
        scope: p.get('scope') ?? '',
        challenge: p.get('code_challenge') ?? undefined,
        challengeMethod: challengeMethod(p),
        expiresAt: Date.now() + 10 * 60 * 1000,
      });
      target.searchParams.set('code', code);
      target.searchParams.set('scope', p.get('scope') ?? '');
    }
    if (state !== null) target.searchParams.set('state', state);
    ex.send(302, { Location: target.href });
  }

  async #token(ex: Exchange): Promise<void> {
    const form = await ex.readForm();
    const client = clientCredentials(ex, form);
    if (client.id !== this.#config.clientId || client.secret !== this.#config.clientSecret) {
      ex.json(401, { error: 'invalid_client', error_description: 'Unauthorized' });
      return;
    }
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') return this.#exchangeCode(ex, form);
    if (grantType === 'refresh_token') {
      const grant = this.#grants.get(form.get('refresh_token') ?? '');
      if (!grant || grant.revoked) {
        ex.json(400, {
          error: 'invalid_grant',
          error_description: 'Token has been expired or revoked.',
        });
        return;
      }
      // Like Google, a refresh answers without a new refresh_token.
      ex.json(200, {
        access_token: this.#mintAccessToken(grant),
        expires_in: this.#config.accessTokenTtlSeconds,
        scope: grant.scope,
        token_type: 'Bearer',
      });
      return;
    }
    ex.json(400, {
      error: 'unsupported_grant_type',
      error_description: `Invalid grant_type: ${grantType ?? ''}`,
    });
  }

  #exchangeCode(ex: Exchange, form: URLSearchParams): void {
    const codeValue = form.get('code') ?? '';
    const code = this.#codes.get(codeValue);
    // Codes are single use: gone on first presentation, even when the rest of the request is wrong.
    this.#codes.delete(codeValue);
    if (!code || code.expiresAt <= Date.now()) {
      ex.json(400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
      return;
    }
    if (form.get('redirect_uri') !== code.redirectUri) {
      ex.json(400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
      return;
    }
    if (code.challenge !== undefined) {
      const verifier = form.get('code_verifier');
      if (!verifier) {
        ex.json(400, { error: 'invalid_grant', error_description: 'Missing code verifier.' });
        return;
      }
      const computed =
        code.challengeMethod === 'S256'
          ? createHash('sha256').update(verifier).digest('base64url')
          : verifier;
      if (computed !== code.challenge) {
        ex.json(400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
        return;
      }
    }
    const tokens = this.issueTokens(code.scope);
    ex.json(200, {
      ...tokens,
      scope: code.scope,
      token_type: 'Bearer',
      ...(code.scope.split(' ').includes('openid') ? { id_token: this.#idToken() } : {}),
    });
  }

  async #revoke(ex: Exchange): Promise<void> {
    const form = ex.method === 'POST' ? await ex.readForm() : new URLSearchParams();
    const token = form.get('token') ?? ex.query('token') ?? '';
    const grant = this.#grants.get(token) ?? this.#accessTokens.get(token)?.grant;
    if (!grant || grant.revoked) {
      ex.json(400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
      return;
    }
    this.#revokeGrant(grant);
    ex.json(200, {});
  }

  async #tokenInfo(ex: Exchange): Promise<void> {
    const form = ex.method === 'POST' ? await ex.readForm() : new URLSearchParams();
    const token = this.#liveToken(
      form.get('access_token') ?? ex.query('access_token') ?? bearerToken(ex),
    );
    if (!token) {
      ex.json(400, { error: 'invalid_token', error_description: 'Invalid Value' });
      return;
    }
    ex.json(200, {
      azp: this.#config.clientId,
      aud: this.#config.clientId,
      sub: this.#subject(),
      scope: token.grant.scope,
      exp: String(Math.floor(token.expiresAt / 1000)),
      expires_in: Math.max(0, Math.floor((token.expiresAt - Date.now()) / 1000)),
      email: this.#config.user.email,
      email_verified: 'true',
      access_type: 'offline',
    });
  }

  #userInfo(ex: Exchange): void {
    if (!this.authenticate(ex)) return;
    ex.json(200, {
      sub: this.#subject(),
      name: this.#config.user.displayName,
      email: this.#config.user.email,
      email_verified: true,
    });
  }

  #subject(): string {
    return createHash('sha256').update(this.#config.user.email).digest('hex').slice(0, 21);
  }

  /** Unsigned-looking JWT: clients read its claims; nothing in DriveUp verifies Google's signature. */
  #idToken(): string {
    const encode = (value: object): string =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    return [
      encode({ alg: 'RS256', kid: 'fake', typ: 'JWT' }),
      encode({
        iss: 'https://accounts.google.com',
        aud: this.#config.clientId,
        azp: this.#config.clientId,
        sub: this.#subject(),
        email: this.#config.user.email,
        email_verified: true,
        name: this.#config.user.displayName,
        iat: now,
        exp: now + this.#config.accessTokenTtlSeconds,
      }),
      'fake-signature',
    ].join('.');
  }
}

function bearerToken(ex: Exchange): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(ex.header('authorization') ?? '');
  return match?.[1] ?? ex.query('access_token') ?? undefined;
}

function challengeMethod(p: URLSearchParams): string {
  return p.get('code_challenge_method') ?? 'plain';
}

function clientCredentials(ex: Exchange, form: URLSearchParams): { id: string; secret: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(ex.header('authorization') ?? '');
  if (basic?.[1]) {
    const [id = '', secret = ''] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return { id: decodeURIComponent(id), secret: decodeURIComponent(secret) };
  }
  return { id: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' };
}

/** Desktop apps may only redirect to themselves: http on a loopback address, any port and path. */
function isLoopbackRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}
