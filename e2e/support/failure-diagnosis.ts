import { writeFile } from 'node:fs/promises';
import type { Page, Request, TestInfo } from '@playwright/test';
import type { AgentApi, Mode } from './fixtures.ts';

/** How long each check on the agent may take when a test has failed. */
const CHECK_MS = 3000;

interface PageTraffic {
  /**
   * Requests the page sent that have not ended: when each was sent and, once its answer began
   * (an event stream's answer never ends), with what status and when.
   */
  pending: Map<Request, { sentAt: number; answer?: { status: number; at: number } }>;
  /** Requests that failed or were refused, and the page's console, in order, with times. */
  lines: string[];
}

/**
 * Watches what a page asks of the agent, so that a failed test can say which side stopped
 * answering: the agent (no answer over its socket nor over HTTP), or the page (the agent answers
 * the test, but the page's requests hang or fail). A windows test that failed in CI only, with the
 * page saying "not reachable" while the agent logged nothing, left no way to tell.
 */
export function watchPageTraffic(page: Page): PageTraffic {
  const traffic: PageTraffic = { pending: new Map(), lines: [] };
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(2)}s`;
  page.on('request', (request) => traffic.pending.set(request, { sentAt: Date.now() }));
  page.on('requestfinished', (request) => traffic.pending.delete(request));
  page.on('requestfailed', (request) => {
    traffic.pending.delete(request);
    const why = request.failure()?.errorText ?? 'failed';
    traffic.lines.push(`${stamp()} request failed: ${request.method()} ${request.url()}: ${why}`);
  });
  page.on('response', (response) => {
    const entry = traffic.pending.get(response.request());
    if (entry) entry.answer = { status: response.status(), at: Date.now() };
    if (response.status() < 400) return;
    traffic.lines.push(`${stamp()} HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('console', (message) => {
    traffic.lines.push(`${stamp()} console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => traffic.lines.push(`${stamp()} page error: ${error.message}`));
  return traffic;
}

/**
 * Attaches `diagnosis.txt` (the agent checked over both ways in, and the page's traffic) and
 * prints it: a CI run keeps only its log.
 */
export async function attachFailureDiagnosis(
  testInfo: TestInfo,
  target: { mode: Mode; origin: string; api: AgentApi; page: Page; traffic: PageTraffic },
): Promise<void> {
  const now = Date.now();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const pending = [...target.traffic.pending].map(([r, { sentAt, answer }]) => {
    const state = answer
      ? `answered ${answer.status} after ${seconds(answer.at - sentAt)}, still open (a stream) after ${seconds(now - sentAt)}`
      : `no answer for ${seconds(now - sentAt)}`;
    return `${r.method()} ${r.url()}: ${state}`;
  });
  const lines = [
    `agent over its socket: ${await timed(() => target.api.agent.status.query())}`,
    target.mode === 'web'
      ? `agent over HTTP (/session, with the page's cookie): ${await timed(() => sessionCheck(target))}`
      : 'agent over HTTP: not in bridge mode',
    `page's requests not ended (${pending.length}):`,
    ...pending.map((line) => `  ${line}`),
    "page's failed or refused requests, and its console:",
    ...target.traffic.lines.map((line) => `  ${line}`),
  ];
  const path = testInfo.outputPath('diagnosis.txt');
  await writeFile(path, `${lines.join('\n')}\n`);
  await testInfo.attach('diagnosis.txt', { path, contentType: 'text/plain' });
  console.error(`${testInfo.titlePath.join(' › ')}: failure diagnosis\n${lines.join('\n')}`);
}

async function sessionCheck(target: { origin: string; page: Page }): Promise<string> {
  const cookies = await target.page.context().cookies(target.origin);
  const response = await fetch(`${target.origin}/session`, {
    headers: {
      cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
      origin: target.origin,
    },
    signal: AbortSignal.timeout(CHECK_MS),
  });
  return `HTTP ${response.status}`;
}

/** What the check answered and how soon, or that it did not within CHECK_MS. */
async function timed(check: () => Promise<unknown>): Promise<string> {
  const start = Date.now();
  const late = new Promise<string>((resolve) =>
    setTimeout(() => resolve(`no answer within ${CHECK_MS / 1000} s`), CHECK_MS).unref(),
  );
  const answer = check().then(
    (value) =>
      `answered in ${Date.now() - start} ms${typeof value === 'string' ? `: ${value}` : ''}`,
    (error: unknown) => `failed in ${Date.now() - start} ms: ${String(error)}`,
  );
  return Promise.race([answer, late]);
}
