import { describe, expect, it } from 'vitest';
import { resolvePaths } from './paths.ts';

describe('resolvePaths', () => {
  it('puts everything under DRIVEUP_HOME when it is set', () => {
    const paths = resolvePaths({
      env: { DRIVEUP_HOME: '/srv/du' },
      platform: 'linux',
      home: '/home/a',
    });
    for (const value of Object.values(paths)) expect(value.startsWith('/srv/du')).toBe(true);
    expect(paths.socketPath).toBe('/srv/du/data/agent.sock');
  });

  it('follows the XDG base directories on Linux', () => {
    const paths = resolvePaths({
      env: { XDG_CONFIG_HOME: '/x/cfg', XDG_STATE_HOME: '/x/state' },
      platform: 'linux',
      home: '/home/a',
    });
    expect(paths.settingsFile).toBe('/x/cfg/driveup/settings.json');
    expect(paths.databaseFile).toBe('/home/a/.local/share/driveup/driveup.db');
    expect(paths.stateDir).toBe('/x/state/driveup');
  });

  it('uses Application Support on macOS and APPDATA on Windows', () => {
    const mac = resolvePaths({ env: {}, platform: 'darwin', home: '/Users/a' });
    expect(mac.dataDir).toBe('/Users/a/Library/Application Support/DriveUp');
    const win = resolvePaths({
      env: { APPDATA: 'C:\\Users\\a\\AppData\\Roaming', USERNAME: 'a' },
      platform: 'win32',
      home: 'C:\\Users\\a',
    });
    expect(win.configDir).toContain('DriveUp');
    expect(win.socketPath).toMatch(/^\\\\\.\\pipe\\driveup-a-[0-9a-f]+$/);
  });
});
