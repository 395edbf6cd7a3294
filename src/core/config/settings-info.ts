import type { SettingKey } from './settings-schema.ts';

/**
 * What every face needs to know about each setting besides its value: whether the running agent
 * applies a change at once, and whether the value is a secret to be shown masked. One entry per
 * key of the schema (the type checker insists), so a key added later must say both.
 *
 * Kept apart from the schema module, which loads the MongoDB driver: the CLI masks output without
 * loading the engine.
 */
export interface SettingInfo {
  /** False when the running agent uses a new value only from its next start. */
  appliesLive: boolean;
  /** `whole`: the value is a secret; `uri-password`: a connection string whose password is. */
  secret?: 'whole' | 'uri-password';
}

export const SETTING_INFO = {
  machineName: { appliesLive: true },
  logLevel: { appliesLive: true },
  'google.clientId': { appliesLive: true },
  'google.clientSecret': { appliesLive: true, secret: 'whole' },
  'google.endpoint': { appliesLive: true },
  'google.scope': { appliesLive: true },
  'uploads.concurrency': { appliesLive: true },
  'uploads.bandwidthLimitBytesPerSecond': { appliesLive: true },
  'uploads.chunkSizeBytes': { appliesLive: true },
  'uploads.defaultFolder': { appliesLive: true },
  'uploads.conflictPolicy': { appliesLive: true },
  'uploads.retryMaxDelaySeconds': { appliesLive: true },
  'uploads.retryWindowHours': { appliesLive: true },
  'history.mongodbUri': { appliesLive: true, secret: 'uri-password' },
  'history.mongodbDatabase': { appliesLive: true },
  'watch.rescanIntervalSeconds': { appliesLive: true },
  'notifications.enabled': { appliesLive: true },
  'notifications.batchSeconds': { appliesLive: true },
  'web.enabled': { appliesLive: false },
  'web.port': { appliesLive: false },
  'desktop.startAtLogin': { appliesLive: true },
} as const satisfies Record<SettingKey, SettingInfo>;

/** What a masked secret looks like in every face. */
export const SECRET_MASK = '••••';

export function settingInfo(key: string): SettingInfo | undefined {
  return Object.hasOwn(SETTING_INFO, key) ? SETTING_INFO[key as SettingKey] : undefined;
}

/** The value as a face shows it unless asked to reveal secrets. */
export function maskSettingValue(key: string, value: unknown): unknown {
  const secret = settingInfo(key)?.secret;
  if (!secret || typeof value !== 'string' || value === '') return value;
  return secret === 'whole' ? SECRET_MASK : maskUriSecrets(value);
}

/** A copy of a settings object (or a section of one) with every secret masked. */
export function maskSecrets<T>(settings: T, prefix = ''): T {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    return maskSettingValue(prefix, settings) as T;
  }
  return Object.fromEntries(
    Object.entries(settings).map(([name, value]) => {
      const key = prefix ? `${prefix}.${name}` : name;
      return [name, maskSecrets(value, key)];
    }),
  ) as T;
}

/** Query options of a MongoDB connection string that carry a credential. */
const SECRET_URI_OPTION = /password|secret|token|authMechanismProperties/i;

/**
 * The connection string with its password (and any option carrying a credential) masked. Written
 * by hand: a string with several hosts (`mongodb://a:1,b:2/`) is not a URL that `URL` parses, and
 * the driver's own parser keeps the password in what it returns.
 */
export function maskUriSecrets(uri: string): string {
  const withoutPassword = uri.replace(
    /^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^@/?#]*@/i,
    `$1${SECRET_MASK}@`,
  );
  return withoutPassword.replace(/([?&])([^=&#]+)=([^&#]*)/g, (whole, sep: string, name: string) =>
    SECRET_URI_OPTION.test(name) ? `${sep}${name}=${SECRET_MASK}` : whole,
  );
}
