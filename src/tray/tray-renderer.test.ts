import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/queue/manual-clock.ts';
import type { TrayMenuItem, TrayView } from './tray-presenter.ts';
import { TrayRenderer, type TrayTarget } from './tray-renderer.ts';

function recordingTarget() {
  const calls: Array<[string, unknown]> = [];
  const target: TrayTarget = {
    setIcon: (state) => calls.push(['icon', state]),
    setToolTip: (text) => calls.push(['tooltip', text]),
    setMenu: (items) => calls.push(['menu', items]),
  };
  return { calls, target };
}

function view(tooltip: string, menu: TrayMenuItem[] = [{ type: 'status', label: tooltip }]) {
  return { icon: 'uploading', tooltip, menu } satisfies TrayView;
}

describe('TrayRenderer', () => {
  it('renders at most four times a second, the latest view winning', () => {
    const clock = new ManualClock();
    const { calls, target } = recordingTarget();
    const renderer = new TrayRenderer(target, { clock });
    // 100 progress updates in one second.
    for (let i = 0; i < 100; i++) {
      renderer.show(view(`Uploading ${i}`));
      clock.advance(10);
    }
    clock.advance(250);
    const tooltips = calls.filter(([what]) => what === 'tooltip').map(([, text]) => text);
    expect(tooltips.length).toBeLessThanOrEqual(5);
    expect(tooltips.at(-1)).toBe('Uploading 99');
    expect(tooltips[0]).toBe('Uploading 0');
  });

  it('sets the menu again on every change, and only then', () => {
    const clock = new ManualClock();
    const { calls, target } = recordingTarget();
    const renderer = new TrayRenderer(target, { clock });
    const menu: TrayMenuItem[] = [{ type: 'status', label: 'Up to date' }];
    renderer.show(view('Up to date', menu));
    clock.advance(1_000);
    renderer.show(view('Up to date', [...menu]));
    clock.advance(1_000);
    expect(calls.filter(([what]) => what === 'menu')).toHaveLength(1);
    renderer.show(view('Paused by you', [{ type: 'status', label: 'Paused by you' }]));
    expect(calls.slice(-2)).toEqual([
      ['tooltip', 'Paused by you'],
      ['menu', [{ type: 'status', label: 'Paused by you' }]],
    ]);
    expect(calls.filter(([what]) => what === 'icon')).toHaveLength(1);
  });

  it('drops a pending render when stopped', () => {
    const clock = new ManualClock();
    const { calls, target } = recordingTarget();
    const renderer = new TrayRenderer(target, { clock });
    renderer.show(view('a'));
    renderer.show(view('b'));
    renderer.stop();
    clock.advance(1_000);
    expect(calls.filter(([what]) => what === 'tooltip')).toEqual([['tooltip', 'a']]);
  });
});
