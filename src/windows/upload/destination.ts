import { computed, signal } from '@preact/signals';
import { api, onResync } from '../shared/agent-client.ts';

/** `uploads.defaultFolder`: where files go when no destination is typed. */
export const defaultFolder = signal<string | null>(null);
/** Drive folders uploads went to lately, newest first: one click to use again. */
export const recentFolders = signal<string[]>([]);
/** What the destination box says; empty for the default. */
export const typed = signal('');

/** The folders of a Drive path, as the agent will read them (empty parts and spaces around dropped). */
export function folderParts(path: string): string[] {
  return path
    .split('/')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** Where the next drop goes: the typed folder, else the default. */
export const destination = computed(() => {
  const parts = folderParts(typed.value);
  return parts.length ? parts.join('/') : (defaultFolder.value ?? '');
});

/** The Drive folder for a file found `relativeDir` below what was dropped. */
export function folderFor(relativeDir: string): string {
  return [...folderParts(destination.value), ...folderParts(relativeDir)].join('/');
}

const RECENT = 6;

export async function loadDestinations(): Promise<void> {
  const [settings, recent] = await Promise.allSettled([
    api.settings.get.query(),
    api.history.search.query({ limit: 100, status: 'uploaded' }),
  ]);
  if (settings.status === 'fulfilled') defaultFolder.value = settings.value.uploads.defaultFolder;
  if (recent.status === 'fulfilled') {
    const folders = new Set(recent.value.items.map((record) => record.folderPath));
    recentFolders.value = [...folders].slice(0, RECENT);
  }
}

export function startDestinations(): void {
  void loadDestinations();
  onResync(() => void loadDestinations());
}
