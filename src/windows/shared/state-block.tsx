import type { ComponentChildren } from 'preact';

interface StateBlockProps {
  kind: 'empty' | 'loading' | 'error';
  title: string;
  detail?: ComponentChildren;
  /** The button that does what the words say (Try again, Clear filters). */
  action?: ComponentChildren;
}

/** What a page shows instead of content: nothing yet, on its way, or what went wrong. */
export function StateBlock({ kind, title, detail, action }: StateBlockProps) {
  return (
    <div class={`state state-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {kind === 'loading' && <div class="spinner" aria-hidden="true" />}
      <p class="state-title">{title}</p>
      {detail && <p class="state-detail">{detail}</p>}
      {action}
    </div>
  );
}
