/**
 * The environment that points a DriveUp agent at the fake Google server, with everything under
 * `home` and the local history only (a developer's own DRIVEUP_MONGODB_URI never reaches a test).
 */
export function fakeGoogleEnv(url: string, home: string): Record<string, string> {
  return {
    DRIVEUP_HOME: home,
    DRIVEUP_GOOGLE_ENDPOINT: url,
    DRIVEUP_GOOGLE_CLIENT_ID: 'fake-client-id',
    DRIVEUP_GOOGLE_CLIENT_SECRET: 'fake-client-secret',
    DRIVEUP_MONGODB_URI: '',
  };
}
