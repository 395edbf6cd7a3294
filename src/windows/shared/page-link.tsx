import type { ComponentChildren } from 'preact';
import { WINDOW_PAGES, type WindowPage } from '../../ipc/common/window-pages.ts';
import { transport } from './agent-client.ts';

/**
 * A way to another window: a link in a browser; in the desktop app, where each page is its own
 * window and pages cannot navigate, the words say where to find it.
 */
export function PageLink({ page, children }: { page: WindowPage; children: ComponentChildren }) {
  if (transport === 'http') return <a href={`/${page}`}>{children}</a>;
  return <span>{`${WINDOW_PAGES[page]} in DriveUp's menu`}</span>;
}
