/**
 * Writes a Windows .ico file from PNG images. Written here rather than taken from a package
 * because the format is a 6-byte header and a 16-byte entry per image followed by the PNGs
 * themselves (PNG entries are valid in .ico since Windows Vista), and the packages that do it
 * also resize and re-encode, which we do not want: resvg already rendered each size.
 */
export interface IcoImage {
  /** Width and height in pixels (icons are square), 1 to 256. */
  size: number;
  png: Buffer;
}

const HEADER_BYTES = 6;
const ENTRY_BYTES = 16;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function icoFile(images: readonly IcoImage[]): Buffer {
  if (images.length === 0) throw new Error('an .ico file needs at least one image');
  const sorted = [...images].sort((a, b) => a.size - b.size);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon (2 would be a cursor)
  header.writeUInt16LE(sorted.length, 4);
  const entries = Buffer.alloc(ENTRY_BYTES * sorted.length);
  let offset = HEADER_BYTES + entries.length;
  sorted.forEach((image, i) => {
    if (!Number.isInteger(image.size) || image.size < 1 || image.size > 256)
      throw new Error(`an .ico image must be 1 to 256 pixels, not ${image.size}`);
    if (!image.png.subarray(0, 8).equals(PNG_SIGNATURE))
      throw new Error(`the ${image.size} px image is not a PNG`);
    const at = i * ENTRY_BYTES;
    entries.writeUInt8(image.size % 256, at); // 0 means 256
    entries.writeUInt8(image.size % 256, at + 1);
    entries.writeUInt8(0, at + 2); // no palette
    entries.writeUInt8(0, at + 3); // reserved
    entries.writeUInt16LE(1, at + 4); // colour planes
    entries.writeUInt16LE(32, at + 6); // bits per pixel
    entries.writeUInt32LE(image.png.length, at + 8);
    entries.writeUInt32LE(offset, at + 12);
    offset += image.png.length;
  });
  return Buffer.concat([header, entries, ...sorted.map((image) => image.png)]);
}

/** The images of an .ico file, for tests and for checking what was written. */
export function readIcoFile(ico: Buffer): IcoImage[] {
  if (ico.length < HEADER_BYTES || ico.readUInt16LE(2) !== 1) throw new Error('not an .ico file');
  const count = ico.readUInt16LE(4);
  return Array.from({ length: count }, (_, i) => {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    const size = ico.readUInt8(at) || 256;
    const length = ico.readUInt32LE(at + 8);
    const offset = ico.readUInt32LE(at + 12);
    return { size, png: ico.subarray(offset, offset + length) };
  });
}
