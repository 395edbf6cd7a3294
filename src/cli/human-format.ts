import prettyBytes from 'pretty-bytes';
import prettyMilliseconds from 'pretty-ms';

export function formatBytes(bytes: number | null | undefined): string {
  return bytes == null ? '—' : prettyBytes(bytes);
}

export function formatDuration(ms: number | null | undefined): string {
  return ms == null ? '—' : prettyMilliseconds(ms, { secondsDecimalDigits: 0, unitCount: 2 });
}

/** Today's times as `14:03`, older ones with their date: what people scan in a list. */
export function formatTime(date: Date | null | undefined, now = new Date()): string {
  if (!date) return '—';
  const sameDay = date.toDateString() === now.toDateString();
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${date.toLocaleDateString()} ${time}`;
}
