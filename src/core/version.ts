import packageJson from '../../package.json' with { type: 'json' };

/** One source for the version every face reports: package.json. */
export const DRIVEUP_VERSION: string = packageJson.version;
