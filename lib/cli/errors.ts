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
  | 'BadRequest'
  /** the server's certificate failed verification: an answer, not unavailability */
  | 'TlsVerification';

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
  TlsVerification: EXIT.failure,
};

/** Kinds that waiting or retrying cannot fix: fail at once. */
const PERMANENT = new Set<ApiErrorKind>(['Unauthorized', 'Forbidden', 'TlsVerification']);

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

  /**
   * Set when an earlier attempt of the same request may have reached the server (a 5xx or
   * a connection lost after sending): an AlreadyExists, Conflict or NotFound may then be
   * that attempt's own doing.
   */
  afterUncertainAttempt = false;

  /** true for answers (401, 403, a certificate that fails verification) that no wait will change */
  get permanent(): boolean {
    return PERMANENT.has(this.kind);
  }
}

/** True for an error that waiting for the server cannot cure. */
export function isPermanent(err: unknown): boolean {
  return err instanceof ApiError && err.permanent;
}

export function isApiError(err: unknown, kind?: ApiErrorKind): err is ApiError {
  return err instanceof ApiError && (kind === undefined || err.kind === kind);
}

/** What an errno means, in words (never the raw `EISDIR: illegal operation …` text). */
export function describeErrno(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EEXIST':
      return 'it already exists';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EXDEV':
      return 'it is on another file system';
    case 'ENOTEMPTY':
      return 'the directory is not empty';
    default:
      return e?.code ?? (e instanceof Error ? e.message : String(e));
  }
}

const verbOf: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'write',
  unlink: 'remove',
  rmdir: 'remove',
  mkdir: 'create the directory',
  scandir: 'list the directory',
  stat: 'read',
  lstat: 'read',
  chmod: 'change the mode of',
  copyfile: 'copy',
  symlink: 'create the link',
  realpath: 'resolve',
};

/** A file-system error as `cannot read FILE: it is a directory`; undefined for other errors. */
export function describeFsError(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (!(e instanceof Error) || !e.code || !e.syscall) return undefined;
  const verb = verbOf[e.syscall] ?? e.syscall;
  // rename's path is our temp file; the file the user named is the destination
  const path = e.syscall === 'rename' && e.dest ? e.dest : e.path;
  return path ? `cannot ${verb} ${shorten(path)}: ${describeErrno(e)}` : `${e.syscall} failed: ${describeErrno(e)}`;
}

/** An argument as echoed in an error: JSON-quoted and, when long, cut in the middle. */
export function shorten(text: string, max = 80): string {
  if (text.length <= max) return text;
  const keep = Math.floor((max - 1) / 2);
  return `${text.slice(0, keep)}…${text.slice(-keep)} (${text.length} characters)`;
}
export const quoteArg = (text: string, max = 80): string => JSON.stringify(shorten(text, max));

/** Longest error line printed; anything past it is an echoed input, not information. */
const MAX_LINE = 2000;

/** One line, never a stack trace, for anything thrown out of a command. */
export function formatError(command: string, err: unknown): string {
  const message =
    describeFsError(err) ?? (err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err));
  // whatever a command quotes of its input is kept short, whoever wrote the message
  const tidy = String(message)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/"((?:[^"\\]|\\.){120,})"/g, (_, inner: string) => JSON.stringify(shorten(inner)))
    .trim();
  const line = `${command}: ${tidy}`;
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

export function exitCodeFor(err: unknown): number {
  return err instanceof CommandError ? err.exitCode : EXIT.failure;
}
