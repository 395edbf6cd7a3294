/** Names that say a variable holds a credential, whoever set it. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSPHRASE|CREDENTIAL|API_?KEY/i;

/**
 * The environment for a process DriveUp starts (the browser for sign-in): the person's own
 * environment without DriveUp's variables (DRIVEUP_SECRET_KEY, DRIVEUP_GOOGLE_CLIENT_SECRET, a
 * DRIVEUP_MONGODB_URI with its password; none is of use to another program) and without anything
 * whose name says it holds a credential. A browser, and whatever it starts, sees none of them.
 */
export function childProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) =>
        value !== undefined &&
        !name.toUpperCase().startsWith('DRIVEUP_') &&
        !SECRET_NAME.test(name),
    ),
  );
}
