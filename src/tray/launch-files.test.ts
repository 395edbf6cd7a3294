import { describe, expect, it } from 'vitest';
import { filesFromArgv, filesFromSecondInstance } from './launch-files.ts';

describe('filesFromArgv', () => {
  it('takes the paths after the app, resolved where it was launched, skipping switches', () => {
    expect(
      filesFromArgv(
        ['electron', '/app', 'a.txt', '--original-process-start-time=1', '-psn_0_1', '/b c.txt'],
        '/home/ada',
        false,
      ),
    ).toEqual(['/home/ada/a.txt', '/b c.txt']);
    expect(filesFromArgv(['/opt/DriveUp/driveup', 'x.tif'], '/data', true)).toEqual([
      '/data/x.tif',
    ]);
  });

  it('takes file:// URLs and everything after --', () => {
    expect(filesFromArgv(['exe', 'file:///tmp/a%20b.txt', '--', '-dash.txt'], '/w', true)).toEqual([
      '/tmp/a b.txt',
      '/w/-dash.txt',
    ]);
  });
});

describe('filesFromSecondInstance', () => {
  it('takes absolute paths from data of the right shape, and nothing from anything else', () => {
    expect(filesFromSecondInstance({ files: ['/a', '/b'] })).toEqual(['/a', '/b']);
    expect(filesFromSecondInstance({ files: ['relative'] })).toEqual([]);
    expect(filesFromSecondInstance({ files: ['/ok', 'x\0y'] })).toEqual([]);
    expect(filesFromSecondInstance('files')).toEqual([]);
    expect(filesFromSecondInstance(null)).toEqual([]);
    expect(filesFromSecondInstance({})).toEqual([]);
  });
});
