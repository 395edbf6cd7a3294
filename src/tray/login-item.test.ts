import { describe, expect, it } from 'vitest';
import { autostartEntry, LOGIN_FLAG, startedAtLogin } from './login-item.ts';

describe('autostartEntry', () => {
  it('quotes and escapes Exec as the Desktop Entry Specification asks', () => {
    const entry = autostartEntry('/home/ada/Apps/Drive Up $1.AppImage', ['--x=50%', LOGIN_FLAG]);
    expect(entry).toContain(
      `Exec="/home/ada/Apps/Drive Up \\\\$1.AppImage" "--x=50%%" ${LOGIN_FLAG}\n`,
    );
    expect(entry.startsWith('[Desktop Entry]\nType=Application\n')).toBe(true);
  });
});

describe('startedAtLogin', () => {
  const app = (wasOpenedAtLogin: boolean) => ({
    getLoginItemSettings: () => ({
      openAtLogin: true,
      wasOpenedAtLogin,
      status: 'enabled' as const,
      executableWillLaunchAtLogin: true,
      launchItems: [],
    }),
  });
  it('asks macOS, and looks for our flag elsewhere', () => {
    expect(startedAtLogin('darwin', [], app(true))).toBe(true);
    expect(startedAtLogin('darwin', [LOGIN_FLAG], app(false))).toBe(false);
    expect(startedAtLogin('linux', ['exe', LOGIN_FLAG], app(false))).toBe(true);
    expect(startedAtLogin('win32', ['exe'], app(true))).toBe(false);
  });
});
