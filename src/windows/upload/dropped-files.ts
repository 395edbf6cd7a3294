import { desktop } from '../shared/bridge.ts';

/** A file a browser handed over, and the folder it sits in under what was dropped or chosen. */
export interface HandedFile {
  file: File;
  /** `/`-separated folders below the dropped folder ('' for a dropped file). */
  relativeDir: string;
}

/** What was dropped: real paths in the desktop app, the files' bytes in a browser. */
export type Dropped =
  | { kind: 'paths'; paths: string[] }
  | { kind: 'files'; files: HandedFile[]; skipped: Array<{ path: string; message: string }> };

/**
 * Reads a drop. The entries must be taken while the drop event runs (the browser empties the
 * DataTransfer after it); folders are then walked. In the desktop app every dropped file or folder
 * has its path, and the agent walks folders itself, with its own rules for what it leaves out.
 */
export function readDrop(data: DataTransfer): () => Promise<Dropped> {
  if (desktop) {
    const paths = Array.from(data.files, (file) => desktop!.getPathForFile(file)).filter(Boolean);
    return async () => ({ kind: 'paths', paths });
  }
  const taken = Array.from(data.items)
    .filter((item) => item.kind === 'file')
    .map((item) => ({ entry: item.webkitGetAsEntry?.() ?? null, file: item.getAsFile() }));
  return async () => {
    const files: HandedFile[] = [];
    const skipped: Array<{ path: string; message: string }> = [];
    for (const { entry, file } of taken) {
      if (entry?.isDirectory) await walk(entry as FileSystemDirectoryEntry, '', files, skipped);
      else if (file) files.push({ file, relativeDir: '' });
    }
    return { kind: 'files', files, skipped };
  };
}

/**
 * Files of an `<input type="file" webkitdirectory>`: each knows its path under the chosen folder.
 * Names starting with a dot are left out, as from a dropped folder.
 */
export function chosenFolder(list: FileList): Extract<Dropped, { kind: 'files' }> {
  const files: HandedFile[] = [];
  const skipped: Array<{ path: string; message: string }> = [];
  for (const file of Array.from(list)) {
    const path = file.webkitRelativePath || file.name;
    const parts = path.split('/');
    if (parts.some((part) => part.startsWith('.'))) skipped.push({ path, message: hidden(path) });
    else files.push({ file, relativeDir: parts.slice(0, -1).join('/') });
  }
  return { kind: 'files', files, skipped };
}

/** The agent's words for the same case (skipped-path.ts), so both modes say it alike. */
const hidden = (path: string) => `${path} is hidden (its name starts with a dot)`;

/**
 * A dropped folder, depth first. Names starting with a dot are left out, as the agent leaves
 * them out of a folder added by path (`includeHidden` off), and listed with that reason.
 */
async function walk(
  dir: FileSystemDirectoryEntry,
  below: string,
  files: HandedFile[],
  skipped: Array<{ path: string; message: string }>,
): Promise<void> {
  const here = below ? `${below}/${dir.name}` : dir.name;
  for (const entry of await allEntries(dir)) {
    if (entry.name.startsWith('.')) {
      skipped.push({
        path: `${here}/${entry.name}`,
        message: 'hidden: its name starts with a dot',
      });
    } else if (entry.isDirectory) {
      await walk(entry as FileSystemDirectoryEntry, here, files, skipped);
    } else {
      try {
        files.push({ file: await fileOf(entry as FileSystemFileEntry), relativeDir: here });
      } catch {
        const path = `${here}/${entry.name}`;
        skipped.push({ path, message: `${path} could not be read by the browser` });
      }
    }
  }
}

/** readEntries answers in batches (100 in Chromium) until an empty one. */
async function allEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}
