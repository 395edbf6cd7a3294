import type { CommandContext } from './command-context.ts';
import type { Doc } from './document.ts';
import { MAX_MESSAGE_SIZE } from './wire-framing.ts';

/** Posing as MongoDB 7.0 (wire version 21): within driver v7's supported range of 9 to 29. */
export const SERVER_VERSION = '7.0.0';
const MAX_WIRE_VERSION = 21;
const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/**
 * Answers `hello` and the legacy `isMaster`/`ismaster` the driver sends first over OP_QUERY. It
 * describes a standalone server, and leaves out `topologyVersion` so the driver polls instead of
 * holding a streaming monitor request open.
 */
export function hello(command: Doc, context: CommandContext): Doc {
  const legacy = !('hello' in command);
  return {
    helloOk: true,
    ...(legacy ? { ismaster: true } : {}),
    isWritablePrimary: true,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

export function ping(): Doc {
  return { ok: 1 };
}

export function buildInfo(): Doc {
  return {
    version: SERVER_VERSION,
    gitVersion: 'mongo-standin',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['mongo-standin'],
    ok: 1,
  };
}

/** Only the parameter drivers and tools ask about; anything else reads as absent. */
export function getParameter(command: Doc): Doc {
  const wanted = command.featureCompatibilityVersion !== undefined || command.getParameter === '*';
  return wanted ? { featureCompatibilityVersion: { version: '7.0' }, ok: 1 } : { ok: 1 };
}

/** Sessions carry no state here (no transactions), so ending them is a no-op. */
export function endSessions(): Doc {
  return { ok: 1 };
}
