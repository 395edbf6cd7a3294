import { escapeControlKeepingLines } from './terminal-text.ts';

/**
 * What a command prints for its answer: with `--json`, `data` as one JSON document (stable field
 * names, names exact); otherwise `human()`, with any control character that slipped into it
 * escaped. Ends with a newline; empty when there is nothing to print.
 */
export function answerText(data: unknown, human: () => string, json: boolean): string {
  const text = json ? JSON.stringify(data, null, 2) : escapeControlKeepingLines(human());
  if (!text) return '';
  return text.endsWith('\n') ? text : `${text}\n`;
}
