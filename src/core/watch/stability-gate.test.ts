import { describe, expect, it } from 'vitest';
import { type FileVersion, StabilityGate } from './stability-gate.ts';

/** A gate over a fake file system and a fake clock: every step is explicit. */
function fakeGate(windowMs = 2000) {
  let now = 0;
  const files = new Map<string, { size: number; mtimeMs: number }>();
  const settled: FileVersion[] = [];
  const gone: string[] = [];
  const gate = new StabilityGate({
    windowMs,
    now: () => now,
    autoTick: false,
    stat: async (path) => files.get(path) ?? null,
    onSettled: (batch) => settled.push(...batch),
    onGone: (paths) => gone.push(...paths),
  });
  const write = (path: string, size: number) => {
    files.set(path, { size, mtimeMs: now });
    gate.observe({ path, size, mtimeMs: now });
  };
  const advance = async (ms: number) => {
    now += ms;
    await gate.check();
  };
  return { gate, files, settled, gone, write, advance };
}

describe('StabilityGate', () => {
  it('passes a file once its size and time stayed unchanged for the window, not before', async () => {
    const { write, advance, settled } = fakeGate(2000);
    write('a.bin', 10);
    await advance(1999);
    expect(settled).toEqual([]);
    await advance(1);
    expect(settled).toEqual([{ path: 'a.bin', size: 10, mtimeMs: 0 }]);
    await advance(5000);
    expect(settled).toHaveLength(1);
  });

  it('never gives up on a file that keeps growing: it passes when the writer stops', async () => {
    const { write, advance, settled, files } = fakeGate(2000);
    write('long.mkv', 0);
    for (let minute = 0; minute < 60; minute++) {
      // Grows between the checks, and the gate sees only the stat at each deadline.
      files.set('long.mkv', { size: (minute + 1) * 1000, mtimeMs: minute });
      await advance(2000);
      expect(settled).toEqual([]);
    }
    await advance(2000);
    expect(settled).toEqual([{ path: 'long.mkv', size: 60_000, mtimeMs: 59 }]);
  });

  it('restarts the window on a new sighting with other values, not on a repeat of the same', async () => {
    const { gate, write, advance, settled } = fakeGate(2000);
    write('a', 1);
    await advance(1500);
    gate.observe({ path: 'a', size: 1, mtimeMs: 0 }); // a duplicate event
    await advance(500);
    expect(settled).toHaveLength(1);
    write('b', 1);
    await advance(1500);
    write('b', 2);
    await advance(1500);
    expect(settled).toHaveLength(1);
    await advance(500);
    expect(settled.at(-1)).toMatchObject({ path: 'b', size: 2 });
  });

  it('counts the window from the file’s own time, so a late report of a change adds nothing', async () => {
    const { gate, files, advance, settled } = fakeGate(2000);
    files.set('late.csv', { size: 7, mtimeMs: 0 });
    await advance(600); // the OS (and a busy event loop) reported the write 600 ms after it
    gate.observe({ path: 'late.csv', size: 7, mtimeMs: 0 });
    await advance(1399);
    expect(settled).toEqual([]);
    // By T + window, give or take the tick of the kernel clock that stamps file times.
    await advance(11);
    expect(settled).toEqual([{ path: 'late.csv', size: 7, mtimeMs: 0 }]);
  });

  it('watches a file unchanged for half the window itself, whatever its time says', async () => {
    // A network share whose clock is behind ours: the file looks long finished.
    const { gate, files, advance, settled } = fakeGate(2000);
    await advance(60_000);
    files.set('share.raw', { size: 1, mtimeMs: 0 });
    gate.observe({ path: 'share.raw', size: 1, mtimeMs: 0 });
    await advance(999);
    expect(settled).toEqual([]);
    await advance(1);
    expect(settled).toHaveLength(1);
  });

  it('passes files in the order their windows end, not the order they were seen', async () => {
    const { gate, files, write, advance, settled } = fakeGate(2000);
    write('fresh.bin', 1); // ends at 2000
    await advance(100);
    files.set('old.bin', { size: 1, mtimeMs: -5000 });
    gate.observe({ path: 'old.bin', size: 1, mtimeMs: -5000 }); // ends at 100 + 1000
    await advance(1000);
    expect(settled.map((f) => f.path)).toEqual(['old.bin']);
    await advance(900);
    expect(settled.map((f) => f.path)).toEqual(['old.bin', 'fresh.bin']);
  });

  it('looks at a thousand due files within one turn of the event loop, and hands them over at once', async () => {
    // Under a burst each turn of the loop is long: a check that yields often falls behind.
    const { write, advance, settled } = fakeGate(2000);
    for (let i = 0; i < 1000; i++) write(`f${i}`, 1);
    let turns = 0;
    let checking = true;
    const countTurn = () => {
      if (!checking) return;
      turns++;
      setImmediate(countTurn);
    };
    setImmediate(countTurn);
    await advance(2000);
    checking = false;
    expect(turns).toBe(0);
    expect(settled).toHaveLength(1000);
  });

  it('reports files that disappeared while settling (renamed away, deleted)', async () => {
    const { write, advance, settled, gone, files } = fakeGate(100);
    write('x.crdownload', 5);
    files.delete('x.crdownload');
    await advance(100);
    expect(gone).toEqual(['x.crdownload']);
    expect(settled).toEqual([]);
  });
});
