import type { ComponentChildren } from 'preact';

interface ToolbarProps {
  /** Names the group for screen readers ("Search and filters"). */
  label: string;
  /** A search form: a landmark people can jump to; Enter never reloads the page. */
  search?: boolean;
  children: ComponentChildren;
}

/** A row of controls above a page's content; wraps on narrow windows. */
export function Toolbar({ label, search, children }: ToolbarProps) {
  if (search) {
    return (
      <form class="toolbar" role="search" aria-label={label} onSubmit={(e) => e.preventDefault()}>
        {children}
      </form>
    );
  }
  return (
    <div class="toolbar" role="group" aria-label={label}>
      {children}
    </div>
  );
}
