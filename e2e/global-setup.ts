import { buildWindows } from '../scripts/build-windows.ts';

/** The pages under test are the built ones, as the agent serves them. */
export default async function globalSetup(): Promise<void> {
  await buildWindows();
}
