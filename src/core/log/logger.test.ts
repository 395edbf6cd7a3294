import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.ts';
import { createFileLogger } from './logger.ts';

const tempDir = useTempDir();

describe('createFileLogger', () => {
  it('writes JSON lines to the state directory and never writes a secret', async () => {
    const stateDir = join(await tempDir(), 'logs');
    const { logger, currentFile, close } = await createFileLogger({ stateDir, level: 'info' });
    logger.info(
      {
        tokens: { access_token: 'ya29.SECRET-ACCESS', refresh_token: '1//SECRET-REFRESH' },
        request: {
          headers: { Authorization: 'Bearer SECRET-HEADER' },
          url: 'http://x/cb?code=SECRET-CODE&state=s',
        },
        clientSecret: 'SECRET-CLIENT',
        file: 'report.pdf',
      },
      'token refreshed for Bearer SECRET-MESSAGE',
    );
    logger.error({
      err: Object.assign(new Error('failed'), {
        config: { headers: { authorization: 'Bearer SECRET-ERR' } },
      }),
    });
    await close();
    const text = await readFile(currentFile, 'utf8');
    expect(text).not.toMatch(/SECRET/);
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({
      file: 'report.pdf',
      msg: 'token refreshed for Bearer [redacted]',
    });
    expect(lines[0].request.url).toBe('http://x/cb?code=[redacted]&state=s');
    expect((await stat(currentFile)).isFile()).toBe(true);
  });

  it('drops lines below the configured level', async () => {
    const stateDir = await tempDir();
    const { logger, currentFile, close } = await createFileLogger({ stateDir, level: 'warn' });
    logger.info('quiet');
    logger.warn('loud');
    await close();
    const text = await readFile(currentFile, 'utf8');
    expect(text).toContain('loud');
    expect(text).not.toContain('quiet');
  });
});
