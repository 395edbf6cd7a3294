import { createTRPCUntypedClient, TRPCClientError, type TRPCClient } from '@trpc/client';
import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths, type DriveUpPaths } from '../../src/core/config/paths.ts';
import { socketTransport } from '../../src/ipc/server/agent-transports.ts';
import { serveAgent } from '../../src/ipc/server/serve-agent.ts';
import { createAppRouter, type AppRouter } from '../../src/ipc/server/app-router.ts';
import { createSocketClient, socketLinks } from '../../src/ipc/node/socket-client.ts';
import { transformer } from '../../src/ipc/server/trpc.ts';
import type { SuperJSONResult } from 'superjson';
import { createSocketFetch } from '../../src/ipc/node/socket-fetch.ts';
import { isAgentNotRunningError } from '../../src/ipc/node/socket-errors.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google/index.ts';
import { fakeGoogleEnv } from '../support/fake-google-env.ts';
import {
  describeValue,
  malformedValues,
  mulberry32,
  randomValue,
  type LabelledValue,
} from '../support/fuzz-values.ts';

/**
 * "Every procedure validates its input and answers bad input with a clear message": malformed and
 * random input thrown at every procedure of the real router, over the real socket, to a real
 * agent with jobs in its queue and a watch rule. Procedures are found by walking the router, so
 * one added later is fuzzed without touching this file.
 */

type ProcedureType = 'query' | 'mutation' | 'subscription';

interface StandardSchema {
  '~standard': {
    validate(
      value: unknown,
    ): { issues?: readonly unknown[] } | Promise<{ issues?: readonly unknown[] }>;
  };
}

interface ProcedureInfo {
  path: string;
  type: ProcedureType;
  /** The input schema, if the procedure takes input. */
  schema: StandardSchema | undefined;
  /** Top-level fields of the input object (all options of a union), each with its own schema. */
  fields: Map<string, unknown>;
}

const RANDOM_SEED = 0x5eed_d21e;
const RANDOM_INPUTS_PER_PROCEDURE = 50;
/** How many fields a refusal names before it counts the rest (input-issues.ts). */
const NAMED_FIELDS = 5;

let fake: FakeGoogle;
let home: string;
let scratch: string;
let paths: DriveUpPaths;
let hosted: Awaited<ReturnType<typeof serveAgent>>;
let client: TRPCClient<AppRouter>;
let untyped: ReturnType<typeof createTRPCUntypedClient<AppRouter>>;
let procedures: ProcedureInfo[];

/** What the fuzzing must not disturb, read before it starts. */
let before: {
  jobIds: string[];
  ruleId: string;
  rules: unknown;
  settings: unknown;
  settingsFile: string | null;
};

beforeAll(async () => {
  fake = await startFakeGoogle();
  home = await mkdtemp(join(tmpdir(), 'du-'));
  // Files and the watched folder live outside the agent's home: DriveUp refuses to watch its own.
  scratch = await mkdtemp(join(tmpdir(), 'du-f-'));
  const env = fakeGoogleEnv(fake.url, home);
  paths = resolvePaths({ env });
  // A sign-in started by a fuzzed call must never open a real browser.
  hosted = await serveAgent({ paths, env, openBrowser: async () => {} }, [
    socketTransport(paths.socketPath),
  ]);
  client = createSocketClient<AppRouter>(paths.socketPath);
  untyped = createTRPCUntypedClient<AppRouter>({ links: socketLinks(paths.socketPath) });
  procedures = proceduresOf(createAppRouter(hosted.agent, { requestShutdown: () => {} }));

  await client.queue.pause.mutate({});
  const files = ['a.txt', 'b.txt', 'c.txt'].map((name) => join(scratch, name));
  await Promise.all(files.map((file, i) => writeFile(file, `fuzz file ${i}\n`)));
  const added = await client.queue.add.mutate({ paths: files, folder: 'Fuzz' });
  const watched = join(scratch, 'watched');
  await mkdir(watched);
  const rule = await client.watch.add.mutate({ folder: watched });

  before = {
    jobIds: added.jobs.map((job) => job.id).sort(),
    ruleId: rule.rule.id,
    rules: (await client.watch.list.query()).map((status) => status.rule),
    settings: await client.settings.get.query(),
    settingsFile: await readFile(paths.settingsFile, 'utf8').catch(() => null),
  };
});

afterAll(async () => {
  await hosted?.stop();
  await fake?.close();
  await rm(home, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

describe(
  'every procedure refuses malformed input clearly, and the agent stays up',
  { timeout: 180_000 },
  () => {
    it('finds queries, mutations and the events subscription by walking the router', () => {
      const byType = (type: ProcedureType) =>
        procedures.filter((p) => p.type === type).map((p) => p.path);
      expect(byType('query')).toEqual(expect.arrayContaining(['queue.list', 'agent.status']));
      expect(byType('mutation')).toEqual(expect.arrayContaining(['queue.add', 'settings.update']));
      expect(byType('subscription')).toEqual(['events']);
      expect(before.jobIds).toHaveLength(3);
    });

    it('answers every fixed malformed input with success, BAD_REQUEST or NOT_FOUND', async () => {
      const problems: string[] = [];
      for (const procedure of procedures) {
        problems.push(...(await tryAll(procedure, fixedInputs(procedure))));
      }
      expect(problems).toEqual([]);
      await expect(client.agent.status.query()).resolves.toMatchObject({
        bootId: hosted.agent.bootId,
      });
    });

    it('answers seeded random input the same way', async () => {
      const random = mulberry32(RANDOM_SEED);
      const problems: string[] = [];
      for (const procedure of procedures) {
        const keys = [...procedure.fields.keys()];
        const inputs = Array.from({ length: RANDOM_INPUTS_PER_PROCEDURE }, (_, i) => ({
          label: `random #${i} (seed ${RANDOM_SEED})`,
          // Half the time an object built from the procedure's own fields, so the values get checked.
          value:
            i % 2 === 0
              ? Object.fromEntries(
                  keys
                    .filter(() => random() < 0.5)
                    .map((key) => [key, randomValue(random, keys, 1)]),
                )
              : randomValue(random, keys),
        }));
        problems.push(...(await tryAll(procedure, inputs)));
      }
      expect(problems).toEqual([]);
    });

    it('answers raw garbage on the HTTP endpoint with 4xx', async () => {
      const fetch = createSocketFetch(paths.socketPath);
      const post = (path: string, body: string, contentType = 'application/json') =>
        fetch(`/${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

      const answers: Record<string, number> = {};
      const record = async (name: string, response: Promise<Response>) => {
        const res = await response;
        await res.text();
        answers[name] = res.status;
      };
      await record('invalid JSON', post('queue.pause', '{"json": {'));
      await record('JSON that is not an object', post('queue.get', '"just a string"'));
      await record('wrong content-type', post('queue.pause', 'reason=x', 'text/plain'));
      await record(
        'form content-type',
        post('queue.pause', 'a=b', 'application/x-www-form-urlencoded'),
      );
      await record('unknown procedure', post('nothing.here', '{}'));
      await record('unknown nested procedure', post('queue.list.deeper', '{}'));
      await record('prototype path', post('__proto__.constructor', '{}'));
      await record('batch of unknown procedures', post('nope,nada?batch=1', '{}'));
      await record('mutation as GET', fetch('/queue.pause'));
      await record(
        'deeply nested JSON',
        post('queue.get', `{"json":{"id":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}}`),
      );

      // A batch of 1000 malformed calls: each one refused, nothing else happens.
      const batch = Array.from({ length: 1000 }, () => 'queue.get').join(',');
      const batchBody = JSON.stringify(
        Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [i, { json: { id: i } }])),
      );
      const batchResponse = await post(`${batch}?batch=1`, batchBody);
      answers['batch of 1000 malformed calls'] = batchResponse.status;
      const batchAnswers = (await batchResponse.json()) as Array<{
        error?: { json: { data: { code: string } } };
      }>;
      expect(batchAnswers).toHaveLength(1000);
      expect(new Set(batchAnswers.map((answer) => answer.error?.json.data.code))).toEqual(
        new Set(['BAD_REQUEST']),
      );

      for (const [name, status] of Object.entries(answers)) {
        expect({ name, status, clientError: status >= 400 && status < 500 }).toMatchObject({
          name,
          clientError: true,
        });
      }
      await expect(client.agent.version.query()).resolves.toMatchObject({
        node: expect.any(String),
      });
    });

    it('keeps the agent up, the queue, the watch rule and the settings intact', async () => {
      // The agent runs in this process: a polluted prototype would show here.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await expect(client.agent.status.query()).resolves.toMatchObject({
        bootId: hosted.agent.bootId,
        queue: { paused: true },
      });
      const jobs = await client.queue.list.query({ limit: 1000 });
      expect(jobs.jobs.map((job) => job.id).sort()).toEqual(before.jobIds);
      expect(new Set(jobs.jobs.map((job) => job.state))).toEqual(new Set(['queued']));
      const rules = (await client.watch.list.query()).map((status) => status.rule);
      expect(rules).toEqual(before.rules);
      expect(rules.map((rule) => rule.id)).toEqual([before.ruleId]);
      await expect(client.settings.get.query()).resolves.toEqual(before.settings);
      await expect(readFile(paths.settingsFile, 'utf8').catch(() => null)).resolves.toBe(
        before.settingsFile,
      );
    });

    it('stops cleanly when agent.shutdown is called last, even with input it does not take', async () => {
      const shutdown = untyped.mutation('agent.shutdown', { unexpected: ['input'] });
      await expect(shutdown).resolves.toEqual({ stopping: true });
      await hosted.stopped;
      const after = await client.agent.status.query().catch((error: unknown) => error);
      expect(isAgentNotRunningError(after)).toBe(true);
      expect(existsSync(paths.socketPath)).toBe(false);
    });
  },
);

/** The fixed list, whole, plus each value placed in each field (and each field of a nested object). */
function fixedInputs(procedure: ProcedureInfo): LabelledValue[] {
  const values = malformedValues();
  const inputs = [...values];
  for (const [field, schema] of procedure.fields) {
    for (const { label, value } of values) {
      inputs.push({ label: `${field}: ${label}`, value: { [field]: value } });
    }
    for (const sub of fieldsOf(schema).keys()) {
      for (const { label, value } of values) {
        inputs.push({ label: `${field}.${sub}: ${label}`, value: { [field]: { [sub]: value } } });
      }
    }
  }
  return inputs;
}

/**
 * Queries and mutations go a few at a time, so the client batches them as any busy client would;
 * subscriptions one by one, since each is answered by the event its probe causes.
 */
async function tryAll(procedure: ProcedureInfo, inputs: LabelledValue[]): Promise<string[]> {
  const atOnce = procedure.type === 'subscription' ? 1 : 16;
  const problems: string[] = [];
  for (let i = 0; i < inputs.length; i += atOnce) {
    const slice = inputs.slice(i, i + atOnce);
    const answers = await Promise.all(slice.map((x) => tryInput(procedure, x.value, x.label)));
    problems.push(...answers.flat());
  }
  return problems;
}

/**
 * Sends one input and returns what is wrong with the answer (nothing, when the procedure either
 * accepted it or refused it as BAD_REQUEST / NOT_FOUND with a message a person can act on).
 */
async function tryInput(
  procedure: ProcedureInfo,
  input: unknown,
  label: string,
): Promise<string[]> {
  const valid = await isValidInput(procedure, input);
  if (valid && !maySendValid(procedure.path, input)) return [];
  const where = `${procedure.path} with ${label} ${describeValue(input)}`;
  const outcome = await call(procedure, input);
  if (outcome.ok) {
    return valid ? [] : [`${where}: accepted input its own schema refuses`];
  }
  const problems: string[] = [];
  const { error } = outcome;
  if (!(error instanceof TRPCClientError)) {
    return [`${where}: failed with ${String(error)}, not a TRPCClientError`];
  }
  const code = (error.data as { code?: string } | undefined)?.code;
  // A subscription's input travels in its URL; a huge one is refused before tRPC sees it.
  const tooLarge = procedure.type === 'subscription' && /input is too large/.test(error.message);
  if (code !== 'BAD_REQUEST' && code !== 'NOT_FOUND' && !tooLarge) {
    return [`${where}: answered ${code ?? 'no code'}: ${error.message.slice(0, 300)}`];
  }
  const message = error.message;
  if (!message.trim()) problems.push(`${where}: empty message`);
  if (message.includes('[object Object]'))
    problems.push(`${where}: "[object Object]" in ${message}`);
  if (/\n\s+at /.test(message)) problems.push(`${where}: stack trace in message`);
  if (/^\s*[[{]/.test(message))
    problems.push(`${where}: raw JSON as message: ${message.slice(0, 200)}`);
  if (message.length > 2000) {
    problems.push(`${where}: ${message.length}-character message: ${message.slice(0, 100)}…`);
  }
  if (code === 'BAD_REQUEST') problems.push(...fieldProblems(procedure, input, error, where));
  return problems;
}

/** A refused input names its field: each issue's field is in the message, and a bad field is named. */
function fieldProblems(
  procedure: ProcedureInfo,
  input: unknown,
  error: TRPCClientError<AnyTRPCRouter>,
  where: string,
): string[] {
  const issues = (error.data as { inputIssues?: Array<{ field: string }> | null }).inputIssues;
  if (!issues) return [];
  // The message names the first few fields and counts the rest.
  const problems: string[] = [];
  for (const issue of issues.slice(0, NAMED_FIELDS)) {
    if (!error.message.includes(issue.field)) {
      problems.push(`${where}: field ${issue.field} not named in "${error.message}"`);
    }
  }
  const more = issues.length - NAMED_FIELDS;
  if (more > 0 && !error.message.includes(`and ${more} more`)) {
    problems.push(`${where}: ${more} more problems not counted in "${error.message}"`);
  }
  return problems;
}

type Outcome = { ok: true } | { ok: false; error: unknown };

async function call(procedure: ProcedureInfo, input: unknown): Promise<Outcome> {
  const outcome = await callThroughClient(procedure, input);
  // superjson refuses to send `__proto__`/`constructor` keys; a hostile client would not, so
  // those go to the server as raw JSON.
  return !outcome.ok && refusedByClient(outcome.error) ? rawCall(procedure, input) : outcome;
}

async function callThroughClient(procedure: ProcedureInfo, input: unknown): Promise<Outcome> {
  try {
    if (procedure.type === 'query') await untyped.query(procedure.path, input);
    else if (procedure.type === 'mutation') await untyped.mutation(procedure.path, input);
    else return await subscribeOnce(procedure.path, input);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

function refusedByClient(error: unknown): boolean {
  if (!(error instanceof TRPCClientError) || error.data) return false;
  const cause = error.cause as Error | undefined;
  return /prototype pollution/.test(`${error.message} ${cause?.message ?? ''}`);
}

/** The call as raw JSON over the socket, its answer read back as the client would. */
async function rawCall(procedure: ProcedureInfo, input: unknown): Promise<Outcome> {
  const fetch = createSocketFetch(paths.socketPath);
  const body = JSON.stringify(overTheWire(input));
  const response =
    procedure.type === 'subscription'
      ? await fetch(`/${procedure.path}?input=${encodeURIComponent(body)}`)
      : await fetch(`/${procedure.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
  const answer = await readAnswer(response);
  if (response.ok && answer.event !== 'serialized-error') return { ok: true };
  const envelope = JSON.parse(answer.data) as {
    error?: { json: { message: string; data: unknown } };
    json?: { message: string; data: unknown };
  };
  const shape = envelope.error?.json ?? envelope.json!;
  return { ok: false, error: new TRPCClientError(shape.message, { result: { error: shape } }) };
}

/** The body, or for an event stream the first event after "connected" (caused by a probe). */
async function readAnswer(response: Response): Promise<{ event?: string; data: string }> {
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return { data: await response.text() };
  }
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let probed = false;
  try {
    for (;;) {
      const blocks = buffer.split('\n\n');
      for (const block of blocks.slice(0, -1)) {
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        if (event === 'connected') continue;
        return { event, data: /^data: (.*)$/m.exec(block)?.[1] ?? '' };
      }
      if (blocks.length > 1 && !probed) {
        // Connected and no error yet: an event proves the stream is live.
        probed = true;
        await client.queue.pause.mutate({ reason: `raw probe ${++probes}` });
      }
      const { done, value } = await reader.read();
      if (done) return { event: 'end', data: '{}' };
      buffer += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel();
  }
}

let probes = 0;

/**
 * The server answers a subscription with "connected" before it checks the input, then either an
 * error or the stream. So once started, an event is caused (pausing the paused queue with a new
 * reason) and whichever comes first, that event or the error, is the answer.
 */
function subscribeOnce(path: string, input: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    const settle = (outcome: Outcome) => {
      resolve(outcome);
      subscription.unsubscribe();
    };
    const subscription = untyped.subscription(path, input, {
      onStarted: () => {
        client.queue.pause.mutate({ reason: `subscription probe ${++probes}` }).catch(() => {});
      },
      onData: () => settle({ ok: true }),
      onError: (error) => settle({ ok: false, error }),
      onComplete: () => resolve({ ok: false, error: new Error('ended without an answer') }),
    });
  });
}

/** The body a client sends for `input` (raw JSON where superjson refuses), as the server parses it. */
function overTheWire(input: unknown): SuperJSONResult {
  let body: string;
  try {
    body = JSON.stringify(transformer.serialize(input));
  } catch {
    body = JSON.stringify({ json: input }, (_key, v: unknown) =>
      typeof v === 'bigint' ? String(v) : v,
    );
  }
  return JSON.parse(body) as SuperJSONResult;
}

/** Judged on what the server receives: superjson turns some values (NaN, invalid dates) into others. */
async function isValidInput(procedure: ProcedureInfo, input: unknown): Promise<boolean> {
  if (!procedure.schema) return true;
  const received = transformer.deserialize(overTheWire(input));
  const result = await procedure.schema['~standard'].validate(received);
  return !result.issues;
}

/**
 * Valid input is sent only where it cannot disturb what the last tests check: reads, pausing the
 * (already paused) queue, and calls naming jobs, rules or files that do not exist. A mutation added
 * later gets invalid input only until it is listed here.
 */
function maySendValid(path: string, input: unknown): boolean {
  const fields = (input ?? {}) as Record<string, unknown>;
  const isKnownId = (id: unknown) => before.jobIds.includes(id as string) || id === before.ruleId;
  switch (path) {
    case 'queue.pause':
    case 'auth.cancelSignIn':
      return true;
    case 'queue.cancel':
    case 'queue.retry':
    case 'watch.update':
    case 'watch.remove':
    case 'watch.pause':
    case 'watch.resume':
      return typeof fields.id === 'string' && !isKnownId(fields.id);
    case 'queue.add':
      return (fields.paths as string[]).every((file) => !existsSync(file));
    case 'watch.add':
      return (fields.folder as string).includes('\0');
    default:
      return procedures.find((p) => p.path === path)?.type !== 'mutation';
  }
}

function proceduresOf(router: AnyTRPCRouter): ProcedureInfo[] {
  const flat = router._def.procedures as Record<string, AnyTRPCProcedure>;
  return Object.entries(flat).map(([path, procedure]) => {
    const [schema, ...more] = procedure._def.inputs as unknown[];
    if (more.length) throw new Error(`${path}: chained inputs are not fuzzed yet`);
    if (schema !== undefined && !(schema as Partial<StandardSchema>)['~standard']) {
      throw new Error(`${path}: its input parser is not a Standard Schema`);
    }
    return {
      path,
      type: procedure._def.type as ProcedureType,
      schema: schema as StandardSchema | undefined,
      fields: fieldsOf(schema),
    };
  });
}

interface ZodLike {
  shape?: Record<string, unknown>;
  def?: { innerType?: unknown; options?: unknown[]; in?: unknown };
}

/** The fields of an object schema, looking through optional/default/prefault, unions and pipes. */
function fieldsOf(schema: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 5) return;
    const zod = node as ZodLike;
    if (zod.shape) {
      for (const [key, value] of Object.entries(zod.shape))
        if (!fields.has(key)) fields.set(key, value);
      return;
    }
    for (const option of zod.def?.options ?? []) visit(option, depth + 1);
    visit(zod.def?.innerType, depth + 1);
    visit(zod.def?.in, depth + 1);
  };
  visit(schema, 0);
  return fields;
}
