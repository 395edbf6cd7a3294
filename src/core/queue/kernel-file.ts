import { statfs } from 'node:fs/promises';

/**
 * Linux file systems whose files the kernel makes up as they are read (statfs(2) magic numbers):
 * they list a size of 0 (or a page), so an upload by the listed size would send nothing.
 */
const MADE_UP_AS_READ = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x62656570, // configfs
]);

/**
 * Whether a file that lists 0 bytes is one of those (`/proc/self/environ`, `/sys/…/uevent`). Only
 * such files are asked about: a real empty file costs one statfs, any other file nothing.
 */
export async function isKernelFile(path: string, listedSize: number): Promise<boolean> {
  if (process.platform !== 'linux' || listedSize !== 0) return false;
  try {
    return MADE_UP_AS_READ.has((await statfs(path)).type);
  } catch {
    return false;
  }
}
