import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.ts';

interface TestEvents {
  'job.queued': { jobId: string };
  'queue.paused': { reason: string };
}

describe('EventBus', () => {
  it('delivers typed events with increasing ids to every subscriber', () => {
    const bus = new EventBus<TestEvents>();
    const seen: string[] = [];
    bus.on('job.queued', (data) => seen.push(data.jobId));
    const ids: number[] = [];
    bus.subscribe((event) => ids.push(event.id));
    bus.emit('job.queued', { jobId: 'a' });
    bus.emit('queue.paused', { reason: 'user' });
    expect(seen).toEqual(['a']);
    expect(ids).toEqual([1, 2]);
  });

  it('keeps delivering when one subscriber throws', () => {
    const bus = new EventBus<TestEvents>();
    bus.subscribe(() => {
      throw new Error('broken window');
    });
    const seen: string[] = [];
    bus.on('job.queued', (d) => seen.push(d.jobId));
    bus.emit('job.queued', { jobId: 'x' });
    expect(seen).toEqual(['x']);
  });

  it('streams missed events after a given id, then every live one, and stops on abort', async () => {
    const bus = new EventBus<TestEvents>();
    bus.emit('job.queued', { jobId: 'before-1' });
    bus.emit('job.queued', { jobId: 'before-2' });
    const controller = new AbortController();
    const received: string[] = [];
    const stream = bus.stream({ afterId: 1, signal: controller.signal });
    const first = await stream.next();
    received.push((first.value!.data as { jobId: string }).jobId);
    // A burst while the consumer is not reading: none may be skipped.
    for (let i = 0; i < 50; i++) bus.emit('job.queued', { jobId: `live-${i}` });
    for await (const event of stream) {
      received.push((event.data as { jobId: string }).jobId);
      if (received.length === 51) controller.abort();
    }
    expect(received[0]).toBe('before-2');
    expect(received.slice(1)).toEqual(Array.from({ length: 50 }, (_, i) => `live-${i}`));
  });
});
