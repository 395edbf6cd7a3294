import type { ComponentChildren } from 'preact';
import { render } from 'preact';
import { WINDOW_PAGES, type WindowPage } from '../../ipc/common/window-pages.ts';
import { transport } from './agent-client.ts';
import { ConnectionBanner } from './banner.tsx';
import { startBrowserNotifications } from './browser-notifications.ts';

interface PageFrameProps {
  page: WindowPage;
  /** Beside the title: the page's own header controls. */
  actions?: ComponentChildren;
  /** The page's status bar, below its content (a `contentinfo` landmark). */
  footer?: ComponentChildren;
  children: ComponentChildren;
}

/**
 * Every page's frame: the connection banner, the title and the content. In a browser the pages
 * link to each other; in the desktop app each is its own window, reached from the tray.
 */
export function PageFrame({ page, actions, footer, children }: PageFrameProps) {
  return (
    <div class="page">
      <ConnectionBanner />
      <header class="page-header">
        <h1>{WINDOW_PAGES[page]}</h1>
        {actions}
        {transport === 'http' && (
          <nav class="page-nav" aria-label="DriveUp windows">
            {(Object.keys(WINDOW_PAGES) as WindowPage[]).map((other) => (
              <a key={other} href={`/${other}`} aria-current={other === page ? 'page' : undefined}>
                {WINDOW_PAGES[other]}
              </a>
            ))}
          </nav>
        )}
      </header>
      <main class="page-main">{children}</main>
      {footer}
    </div>
  );
}

export function mountPage(element: ComponentChildren): void {
  startBrowserNotifications();
  render(element, document.getElementById('app')!);
}
