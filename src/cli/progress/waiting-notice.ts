/** How long an answer may take before the command says it is still waiting for it. */
const NOTICE_AFTER_MS = 1000;

/**
 * Says `message` on a terminal (stderr) when `answer` takes longer than a second, and takes it
 * back once the answer comes. Adding many files, or files the agent asks Drive about first, can
 * take seconds, and a terminal that shows nothing meanwhile looks stuck. Piped or with `--json`,
 * it says nothing: scripts read the answer.
 */
export async function noticeWhileWaiting<T>(
  answer: Promise<T>,
  message: string,
  options: { stderr: NodeJS.WriteStream; json: boolean },
): Promise<T> {
  const { stderr } = options;
  if (options.json || !stderr.isTTY) return answer;
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    stderr.write(message);
  }, NOTICE_AFTER_MS);
  try {
    return await answer;
  } finally {
    clearTimeout(timer);
    // Back to the start of the line, cleared: the answer is written where the notice was.
    if (shown) stderr.write('\r\x1b[2K');
  }
}
