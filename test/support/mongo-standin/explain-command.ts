import { Query } from 'mingo';
import { docArg } from './command-args.ts';
import type { CommandContext } from './command-context.ts';
import { CommandError } from './command-error.ts';
import { isDoc, type Doc } from './document.ts';
import { SERVER_VERSION } from './handshake-commands.ts';
import { winningPlan } from './query-plan.ts';

interface Explained {
  collection: string;
  filter: Doc;
  sort?: Doc;
  /** Aggregation stages that run after the query layer, shown as `stages` like a real server. */
  laterStages?: Doc[];
}

/** Where each explainable command keeps its collection name and filter. */
function explained(inner: Doc): Explained {
  const name = Object.keys(inner)[0];
  const collection = typeof inner[name ?? ''] === 'string' ? (inner[name!] as string) : '';
  switch (name) {
    case 'find':
      return { collection, filter: docArg(inner, 'filter'), sort: docArg(inner, 'sort') };
    case 'count':
    case 'distinct':
      return { collection, filter: docArg(inner, 'query') };
    case 'findAndModify':
      return { collection, filter: docArg(inner, 'query') };
    case 'delete':
    case 'update':
      return {
        collection,
        filter: firstStatementFilter(inner[name === 'delete' ? 'deletes' : 'updates']),
      };
    case 'aggregate':
      return explainedPipeline(collection, inner.pipeline);
    default:
      throw new CommandError('CommandNotSupported', `explain is not supported for '${name}'`);
  }
}

function firstStatementFilter(statements: unknown): Doc {
  const [first] = Array.isArray(statements) ? (statements as unknown[]) : [];
  return isDoc(first) && isDoc(first.q) ? first.q : {};
}

/** A leading $match, and a $sort right behind it, are what the query layer (and an index) serve. */
function explainedPipeline(collection: string, pipeline: unknown): Explained {
  const stages = Array.isArray(pipeline) ? (pipeline as unknown[]).filter(isDoc) : [];
  const [first, ...rest] = stages;
  const filter = first && isDoc(first.$match) ? first.$match : undefined;
  const afterMatch = filter ? rest : stages;
  const sort = isDoc(afterMatch[0]?.$sort) ? afterMatch[0].$sort : undefined;
  return { collection, filter: filter ?? {}, sort, laterStages: afterMatch };
}

/**
 * `{ explain: <command>, verbosity }` → `queryPlanner.winningPlan` (FETCH over IXSCAN, or COLLSCAN)
 * and, unless only the plan was asked for, rough `executionStats`.
 */
export function explain(command: Doc, context: CommandContext): Doc {
  const inner = docArg(command, 'explain');
  const { collection: name, filter, sort, laterStages } = explained(inner);
  const collection = context.store.get(context.db, name);
  const plan = winningPlan(collection, { filter, sort, hint: inner.hint });
  const queryPlanner = {
    namespace: `${context.db}.${name}`,
    indexFilterSet: false,
    parsedQuery: filter,
    winningPlan: plan,
    rejectedPlans: [],
  };
  const wantsStats = command.verbosity !== 'queryPlanner';
  const executionStats = wantsStats ? stats(collection?.docs ?? [], filter, plan) : undefined;
  const [host, port] = context.address.split(':');
  return {
    explainVersion: '1',
    queryPlanner,
    executionStats,
    stages: laterStages && [{ $cursor: { queryPlanner, executionStats } }, ...laterStages],
    command: inner,
    serverInfo: { host, port: Number(port), version: SERVER_VERSION, gitVersion: 'mongo-standin' },
    ok: 1,
  };
}

function stats(docs: readonly Doc[], filter: Doc, plan: Doc): Doc {
  const query = new Query(filter);
  const nReturned = docs.filter((doc) => query.test(doc)).length;
  const indexed = plan.stage !== 'COLLSCAN';
  return {
    executionSuccess: true,
    nReturned,
    executionTimeMillis: 0,
    totalKeysExamined: indexed ? nReturned : 0,
    totalDocsExamined: indexed ? nReturned : docs.length,
    executionStages: { ...plan, nReturned },
  };
}
