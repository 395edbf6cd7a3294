import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { scrollToShow, visibleRange } from './virtual-range.ts';

interface VirtualListProps<T> {
  items: readonly T[];
  /** Every row's height in pixels (fixed: that is what keeps 10,000 rows cheap). */
  rowHeight: number;
  /** The list's accessible name. */
  label: string;
  itemKey(item: T): string;
  renderRow(item: T, index: number): ComponentChildren;
  /** Called when the last rows come into view: the place to load the next page. */
  onNearEnd?(): void;
}

const FOCUSABLE = 'a[href], button:not(:disabled), input, select, [tabindex]';
const NEAR_END_ROWS = 10;

/**
 * A list that renders only the rows in view. Written here rather than with @tanstack/virtual-core:
 * with a fixed row height it is a division and a slice (virtual-range.ts), and the pages' scripts
 * stay small. Arrow keys, Page Up/Down, Home and End move focus from row to row (keeping the
 * column), scrolling as needed, so the keyboard reaches every row, not only the rendered ones.
 */
export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowHeight, label, itemKey, renderRow, onNearEnd } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);
  const frame = useRef(0);
  const pendingFocus = useRef<{ index: number; column: number } | null>(null);

  useLayoutEffect(() => {
    const element = viewport.current!;
    const measure = () => setHeight(element.clientHeight);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, []);

  const { start, end } = visibleRange(scrollTop, height, rowHeight, items.length);

  useEffect(() => {
    if (onNearEnd && items.length > 0 && end >= items.length - NEAR_END_ROWS) onNearEnd();
  }, [end, items.length, onNearEnd]);

  const focusPending = () => {
    const target = pendingFocus.current;
    const row = target && viewport.current?.querySelector(`[data-index="${target.index}"]`);
    if (!target || !row) return;
    pendingFocus.current = null;
    const focusables = row.querySelectorAll<HTMLElement>(FOCUSABLE);
    focusables[Math.min(target.column, focusables.length - 1)]?.focus();
  };
  useLayoutEffect(focusPending);

  // Scroll events come faster than frames: read the position once per frame.
  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setScrollTop(viewport.current!.scrollTop);
    });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const active = document.activeElement as HTMLElement | null;
    const row = active?.closest<HTMLElement>('[data-index]');
    const step = keyStep(event.key, Math.max(1, Math.floor(height / rowHeight) - 1));
    if (!row || !active || step === 0 || active.tagName === 'INPUT') return;
    event.preventDefault();
    const index = clamp(Number(row.dataset.index) + step, 0, items.length - 1);
    const column = Array.from(row.querySelectorAll(FOCUSABLE)).indexOf(active);
    pendingFocus.current = { index, column: Math.max(0, column) };
    const element = viewport.current!;
    element.scrollTop = scrollToShow(index, element.scrollTop, element.clientHeight, rowHeight);
    setScrollTop(element.scrollTop);
    focusPending();
  };

  return (
    <div class="vlist" ref={viewport} onScroll={onScroll} onKeyDown={onKeyDown}>
      <div class="vlist-spacer" style={{ height: `${items.length * rowHeight}px` }}>
        <ul
          class="vlist-rows"
          aria-label={label}
          style={{ transform: `translateY(${start * rowHeight}px)` }}
        >
          {items.slice(start, end).map((item, offset) => (
            <li
              key={itemKey(item)}
              class="vlist-row"
              data-index={start + offset}
              aria-setsize={items.length}
              aria-posinset={start + offset + 1}
              style={{ height: `${rowHeight}px` }}
            >
              {renderRow(item, start + offset)}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

function keyStep(key: string, pageRows: number): number {
  switch (key) {
    case 'ArrowDown':
      return 1;
    case 'ArrowUp':
      return -1;
    case 'PageDown':
      return pageRows;
    case 'PageUp':
      return -pageRows;
    case 'Home':
      return -Infinity;
    case 'End':
      return Infinity;
    default:
      return 0;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}
