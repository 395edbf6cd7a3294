/**
 * What a terminal must never receive from a name: file names, folder names, error messages and
 * anything else that came from outside are text, and a name such as `\e]0;pwned\a\e[2J` would
 * otherwise retitle the window and clear the screen. `--json` keeps names exact; only what is
 * printed for a person goes through here.
 *
 * Escaped: C0 controls (including newline and tab: a name that spans lines would forge rows),
 * DEL, C1 controls (U+0080–U+009F: 8-bit CSI and OSC on some terminals), and the bidirectional
 * formatting characters that reorder what follows them ("Trojan Source", CVE-2021-42574), so that
 * `report\u202Efdp.exe` cannot pass for `reportexe.pdf`.
 */
/* eslint-disable no-control-regex -- matching control characters is the point */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** The same, but line breaks stay: for whole messages we wrote ourselves around such names. */
const UNSAFE_EXCEPT_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
/* eslint-enable no-control-regex */

/** A name for one line of a terminal: every control and bidi character as `\xNN` / `\uNNNN`. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * A whole block of human output: the last guard before the terminal, for text that may have
 * gathered a foreign name somewhere (an error message from the agent). Newlines are kept.
 */
export function escapeControlKeepingLines(text: string): string {
  return text.replace(UNSAFE_EXCEPT_NEWLINE, escapeOne);
}

function escapeOne(char: string): string {
  const code = char.codePointAt(0)!;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}
