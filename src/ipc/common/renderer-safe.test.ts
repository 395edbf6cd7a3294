import { build } from 'esbuild';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * src/ipc/common is what a sandboxed renderer loads (the port link, the port adapters): it must
 * bundle for a browser with no Node built-in and nothing from the engine. Bundled the way a
 * window's pages will be, with esbuild for the browser, so a `node:*` import anywhere in its
 * import graph fails here.
 */
const COMMON = fileURLToPath(new URL('.', import.meta.url));

describe('src/ipc/common in a sandboxed renderer', () => {
  it('bundles for the browser without Node built-ins, src/core or `process`', async () => {
    const modules = (await readdir(COMMON)).filter(
      (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'),
    );
    const result = await build({
      stdin: {
        contents: modules.map((name) => `export * from './${name}';`).join('\n'),
        resolveDir: COMMON,
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });

    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => /^node:|src\/core\//.test(input))).toEqual([]);
    expect(inputs).toContain('src/ipc/common/port-link.ts');
    expect(result.outputFiles[0]!.text).not.toMatch(/\bprocess\.(env|versions|platform)\b/);
  });
});
