import { statSync } from 'node:fs';
import type * as Electron from 'electron';

/** An image is the file it came from. */
export class StandinNativeImage {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  isEmpty(): boolean {
    return false;
  }
}

/**
 * Electron returns an empty image for a path that is not an image file, and the tray then shows
 * nothing; the stand-in throws instead, so a missing asset fails the test that uses it.
 */
export function createFromPath(path: string): Electron.NativeImage {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new Error(`nativeImage.createFromPath: no image file at ${path}`);
  return new StandinNativeImage(path) as unknown as Electron.NativeImage;
}

export function asStandinImage(image: Electron.NativeImage): StandinNativeImage {
  if (!(image instanceof StandinNativeImage)) throw new TypeError('not a stand-in image');
  return image;
}
