import type { Tone } from './job-words.ts';

/**
 * A small shape per state, so that state never rests on colour alone: a tick, a cross, an arrow,
 * a clock, a dash. Decorative: the state's word beside it is what screen readers read.
 */
const PATHS: Record<Tone, string> = {
  success: 'M3 8.5l3 3 7-7',
  danger: 'M4 4l8 8M12 4l-8 8',
  active: 'M8 13V3M4 7l4-4 4 4',
  warning: 'M8 4v4l3 2M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13z',
  neutral: 'M4 8h8',
};

export function StateIcon({ tone }: { tone: Tone }) {
  return (
    <svg
      class={`state-icon state-icon-${tone}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[tone]} />
    </svg>
  );
}
