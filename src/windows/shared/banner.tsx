import type { ComponentChildren } from 'preact';
import { connection, transport, type ConnectionState } from './agent-client.ts';

interface BannerProps {
  tone?: 'warning' | 'danger';
  children: ComponentChildren;
  action?: ComponentChildren;
}

/** A line across the top of the page for what stops the page from working. */
export function Banner({ tone = 'warning', children, action }: BannerProps) {
  return (
    <div class={`banner${tone === 'danger' ? ' banner-danger' : ''}`} role="status">
      <span class="banner-icon" aria-hidden="true">
        !
      </span>
      <span>{children}</span>
      {action}
    </div>
  );
}

function connectionMessage(state: ConnectionState): ComponentChildren {
  switch (state) {
    case 'reconnecting':
      return "DriveUp's agent is not reachable; reconnecting…";
    case 'agent-gone':
      return transport === 'http' ? (
        <>
          DriveUp's agent is not running. Start it again (<code>driveup agent --web</code>); this
          page reconnects by itself.
        </>
      ) : (
        "DriveUp's agent is not running; restarting it. This window reconnects by itself."
      );
    case 'signed-out':
      return (
        <>
          DriveUp's agent restarted and no longer knows this browser. Run <code>driveup open</code>{' '}
          on its machine; this page reconnects by itself.
        </>
      );
    default:
      return null;
  }
}

/** The banner every page shows while the agent cannot be reached; it goes away by itself. */
export function ConnectionBanner() {
  const message = connectionMessage(connection.value);
  if (!message) return null;
  return (
    <Banner tone={connection.value === 'reconnecting' ? 'warning' : 'danger'}>{message}</Banner>
  );
}
