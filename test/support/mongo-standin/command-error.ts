import type { Doc } from './document.ts';

/** Server error codes the stand-in raises, named as a real server names them in `codeName`. */
export const ErrorCodes = {
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CommandNotSupported: 115,
  DuplicateKey: 11000,
  Location40324: 40324,
} as const;

export type CodeName = keyof typeof ErrorCodes;

/** A command failure that the router turns into `{ ok: 0, errmsg, code, codeName }`. */
export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  /** Extra fields a real server sends with this error (e.g. `keyPattern`/`keyValue` on E11000). */
  readonly details: Doc;

  constructor(codeName: CodeName, message: string, details: Doc = {}) {
    super(message);
    this.name = 'CommandError';
    this.codeName = codeName;
    this.code = ErrorCodes[codeName];
    this.details = details;
  }
}

/**
 * mingo reports bad queries and updates with plain Errors; a real server answers those with
 * BadValue, so the driver raises a MongoServerError instead of the connection breaking.
 */
export function asCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CommandError('BadValue', message);
}

export function errorReply(error: CommandError): Doc {
  return {
    ok: 0,
    errmsg: error.message,
    code: error.code,
    codeName: error.codeName,
    ...error.details,
  };
}
