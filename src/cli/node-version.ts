/**
 * The oldest Node.js major the `driveup` command runs on: the engine needs `node:sqlite` and the
 * sources use type stripping, both Node 24. (The `node` devDependency pins it for npm scripts;
 * an installed `driveup` runs on whatever `node` the PATH has.)
 */
const MIN_NODE_MAJOR = 24;

/**
 * What to tell a person whose Node is too old, or undefined when it will do. Kept free of
 * imports so that the command can ask before it loads anything that older Node cannot load.
 */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return (
    `DriveUp needs Node.js ${MIN_NODE_MAJOR} or newer; this is ${version.replace(/^v/, '')}.\n` +
    `Install Node.js ${MIN_NODE_MAJOR} (https://nodejs.org, or your version manager: ` +
    `\`nvm install ${MIN_NODE_MAJOR}\`), then run driveup again.`
  );
}
