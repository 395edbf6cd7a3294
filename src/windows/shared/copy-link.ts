import { signal } from '@preact/signals';

/** What was just done (a link copied), for the page's status line and screen readers. */
export const notice = signal('');

let clear: ReturnType<typeof setTimeout> | undefined;

export function say(text: string): void {
  notice.value = text;
  clearTimeout(clear);
  clear = setTimeout(() => (notice.value = ''), 6000);
}

/** Copies a Drive link; when the browser refuses, the link is shown instead so it can be copied by hand. */
export async function copyLink(name: string, link: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(link);
    say(`Link to ${name} copied.`);
  } catch {
    say(`The browser did not allow copying. The link is ${link}`);
  }
}
