import { Aggregator } from 'mingo';
import { docArg, docArrayArg, numberArg } from './command-args.ts';
import type { CommandContext } from './command-context.ts';
import { CommandError } from './command-error.ts';
import { cloneDoc, type Doc } from './document.ts';

/** Stages that write; mingo would write into a copy, silently losing the output, so refuse them. */
const WRITE_STAGES = new Set(['$out', '$merge']);

export function aggregate(command: Doc, context: CommandContext): Doc {
  const target = aggregateTarget(command);
  const pipeline = docArrayArg(command, 'pipeline');
  const cursorOptions = docArg(command, 'cursor');
  const batchSize =
    cursorOptions.batchSize === undefined ? undefined : numberArg(cursorOptions, 'batchSize', 0);
  const results = runPipeline(context, target, pipeline);
  return context.cursors.open(`${context.db}.${target ?? '$cmd.aggregate'}`, results, batchSize);
}

/** The collection name, or undefined for `aggregate: 1` (a database-level pipeline). */
export function aggregateTarget(command: Doc): string | undefined {
  const target = command.aggregate;
  if (typeof target === 'string' && target !== '') return target;
  if (target === 1) return undefined;
  throw new CommandError('InvalidNamespace', "'aggregate' must be a collection name or 1");
}

export function runPipeline(
  context: CommandContext,
  target: string | undefined,
  pipeline: Doc[],
): Doc[] {
  for (const stage of pipeline) assertKnownStage(stage);
  // Inputs are copies: some mingo stages reshape documents in place, and stored ones must not change.
  const source = (name: string): Doc[] =>
    (context.store.get(context.db, name)?.docs ?? []).map(cloneDoc);
  const aggregator = new Aggregator(pipeline, { collectionResolver: source });
  try {
    return aggregator.run(target === undefined ? [] : source(target)) as Doc[];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/unregistered pipeline operator/.test(message)) {
      throw new CommandError('Location40324', `Unrecognized pipeline stage name: ${message}`);
    }
    throw error;
  }
}

function assertKnownStage(stage: Doc): void {
  const names = Object.keys(stage);
  const name = names[0];
  if (names.length !== 1 || name === undefined || !name.startsWith('$')) {
    throw new CommandError(
      'Location40324',
      'A pipeline stage specification object must contain exactly one field.',
    );
  }
  if (WRITE_STAGES.has(name)) {
    throw new CommandError('CommandNotSupported', `${name} is not supported by the mongo stand-in`);
  }
}
