import { formatBytesOf, formatRate, formatTimeLeft } from './format.ts';

interface ProgressBarProps {
  /** What is progressing, for screen readers: "Uploading scan.tif". */
  label: string;
  done: number;
  total: number;
  /** Bytes per second; omitted while unknown. */
  rate?: number | null;
  /** Seconds left; omitted while unknown. */
  secondsLeft?: number | null;
}

/** A bar with the bytes, the rate and the time left ("12.4 of 80.0 MB · 4.1 MB/s · about 1 min left"). */
export function ProgressBar({ label, done, total, rate, secondsLeft }: ProgressBarProps) {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const text = [
    formatBytesOf(done, total),
    rate ? formatRate(rate) : '',
    secondsLeft != null ? formatTimeLeft(secondsLeft) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return <ProgressTrack label={label} fraction={fraction} text={text} />;
}

/** The bar itself: `fraction` filled, `text` beside it and read out as its value. */
export function ProgressTrack({
  label,
  fraction,
  text,
}: {
  label: string;
  fraction: number;
  text: string;
}) {
  return (
    <div class="progress">
      <div
        class="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
        aria-valuetext={text}
      >
        <div class="progress-fill" style={{ transform: `scaleX(${fraction})` }} />
      </div>
      <div class="progress-text" aria-hidden="true">
        {text}
      </div>
    </div>
  );
}
