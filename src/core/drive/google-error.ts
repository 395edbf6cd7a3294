/**
 * Reading Google's error answers without logging what the request carried: a GaxiosError holds the
 * request (refresh token in the body, bearer token in the headers), so only the answer's `error`
 * code and description, or the network error's code, are ever turned into text.
 */
interface ErrorShape {
  code?: unknown;
  status?: unknown;
  response?: { status?: unknown; data?: unknown };
}

/** Google refused the refresh token (revoked, expired, or the user removed DriveUp's access). */
export function isInvalidGrant(error: unknown): boolean {
  return oauthError(error)?.error === 'invalid_grant';
}

/** A one-line, token-free description for messages and logs. */
export function describeGoogleError(error: unknown): string {
  const oauth = oauthError(error);
  if (oauth) return [oauth.error, oauth.description].filter(Boolean).join(': ');
  const shape = (error ?? {}) as ErrorShape;
  const status = shape.response?.status ?? shape.status;
  if (typeof status === 'number') return `HTTP ${status}`;
  if (typeof shape.code === 'string') return shape.code;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause && cause !== error) return describeGoogleError(cause);
  return error instanceof Error ? error.name : 'unknown error';
}

function oauthError(error: unknown): { error: string; description?: string } | undefined {
  const data = (error as ErrorShape | null)?.response?.data;
  if (!data || typeof data !== 'object') return undefined;
  const { error: code, error_description: description } = data as Record<string, unknown>;
  if (typeof code !== 'string') return undefined;
  return typeof description === 'string' ? { error: code, description } : { error: code };
}
