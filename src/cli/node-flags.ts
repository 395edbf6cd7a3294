/**
 * V8 flags every `driveup` process runs with: the bundle's shebang carries them, and the
 * benchmarks start their agent processes with them.
 *
 * V8 sizes the young generation from the machine's memory (64 MiB semi-spaces on a 24 GB machine),
 * so a burst of short-lived objects, such as enqueueing 100,000 files, grows the resident size by
 * well over 100 MB of nursery that an agent running all day does not need. With 8 MiB the 100k
 * enqueue peaked at 211 MB instead of 329 MB, in the same time (bench/enqueue-child.ts).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
