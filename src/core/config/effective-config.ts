import type { Settings } from './settings-schema.ts';
import { logLevelSchema } from './settings-schema.ts';

/**
 * Environment variables override the settings file, for headless machines and tests. Each one
 * maps to exactly one setting; the README lists them.
 */
export const ENV_OVERRIDES = {
  DRIVEUP_GOOGLE_ENDPOINT: 'google.endpoint',
  DRIVEUP_GOOGLE_CLIENT_ID: 'google.clientId',
  DRIVEUP_GOOGLE_CLIENT_SECRET: 'google.clientSecret',
  DRIVEUP_MONGODB_URI: 'history.mongodbUri',
  DRIVEUP_LOG_LEVEL: 'logLevel',
} as const;

export function applyEnvOverrides(settings: Settings, env: NodeJS.ProcessEnv): Settings {
  const logLevel = env.DRIVEUP_LOG_LEVEL
    ? logLevelSchema.catch(settings.logLevel).parse(env.DRIVEUP_LOG_LEVEL)
    : settings.logLevel;
  return {
    ...settings,
    logLevel,
    google: {
      ...settings.google,
      endpoint: env.DRIVEUP_GOOGLE_ENDPOINT || settings.google.endpoint,
      clientId: env.DRIVEUP_GOOGLE_CLIENT_ID || settings.google.clientId,
      clientSecret: env.DRIVEUP_GOOGLE_CLIENT_SECRET || settings.google.clientSecret,
    },
    history: {
      ...settings.history,
      mongodbUri: env.DRIVEUP_MONGODB_URI || settings.history.mongodbUri,
    },
  };
}

/**
 * The environment variable that overrides `key` in `env` right now, or null. A setting saved while
 * its variable is set is kept in the file but not used until the variable is gone.
 */
export function envOverrideOf(key: string, env: NodeJS.ProcessEnv): string | null {
  for (const [variable, setting] of Object.entries(ENV_OVERRIDES)) {
    if (setting !== key) continue;
    const value = env[variable];
    if (!value) return null;
    if (variable === 'DRIVEUP_LOG_LEVEL' && !logLevelSchema.safeParse(value).success) return null;
    return variable;
  }
  return null;
}
