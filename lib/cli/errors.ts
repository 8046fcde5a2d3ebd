// Every failure a command can report, with the exit code it maps to. Commands throw;
// lib/command.ts catches once and prints `command: message` on one line.

export type ApiErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Forbidden'
  | 'Unauthorized'
  | 'Invalid'
  | 'Unreachable'
  | 'Timeout'
  | 'TooManyRequests'
  | 'ServerError'
  | 'BadRequest';

/** Exit codes, beyond the originals' plain 1, so scripts can tell failures apart. */
export const EXIT = {
  failure: 1,
  usage: 1,
  notFound: 3,
  alreadyExists: 4,
  conflict: 5,
  forbidden: 6,
  unreachable: 7,
  timeout: 8,
  missingContext: 10,
} as const;

export class CommandError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failure) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command line: wrong flag, missing value, wrong number of arguments. */
export class UsageError extends CommandError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

const exitCodeOf: Record<ApiErrorKind, number> = {
  NotFound: EXIT.notFound,
  AlreadyExists: EXIT.alreadyExists,
  Conflict: EXIT.conflict,
  Forbidden: EXIT.forbidden,
  Unauthorized: EXIT.forbidden,
  Invalid: EXIT.failure,
  BadRequest: EXIT.failure,
  Unreachable: EXIT.unreachable,
  Timeout: EXIT.timeout,
  TooManyRequests: EXIT.failure,
  ServerError: EXIT.failure,
};

/** A failed request to the API server, classified by what the caller can do about it. */
export class ApiError extends CommandError {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status = 0,
    readonly retryAfterSeconds?: number,
  ) {
    super(message, exitCodeOf[kind]);
  }
}

export function isApiError(err: unknown, kind?: ApiErrorKind): err is ApiError {
  return err instanceof ApiError && (kind === undefined || err.kind === kind);
}

/** One line, never a stack trace, for anything thrown out of a command. */
export function formatError(command: string, err: unknown): string {
  const message =
    err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  return `${command}: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}

export function exitCodeFor(err: unknown): number {
  return err instanceof CommandError ? err.exitCode : EXIT.failure;
}
