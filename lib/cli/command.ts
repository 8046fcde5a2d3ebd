// The shape of every command: options -> complete -> validate -> run. This module
// owns parsing, --help, -X/-V, and turning any thrown error into one stderr line and
// an exit code, so command files only say what the command does.
import { parseArgs, formatFlags, type FlagDefs, type ParseSpec, type Parsed } from './args.ts';
import { formatError, exitCodeFor, UsageError } from './errors.ts';
import { configureOutput, trace } from './output.ts';

export interface CommandSpec<F extends FlagDefs> extends ParseSpec<F> {
  /** as the user types it, e.g. `kubectl kubestellar ensure location` */
  name: string;
  /** one line, shown by dispatchers */
  summary: string;
  /** synopsis after the name */
  usage: string;
  /** paragraphs after the synopsis */
  description?: string;
  /** exit code for a bad command line (default 1, as the originals) */
  usageExitCode?: number;
  /**
   * exit code when the reader of stdout goes away: 141 by default, as a process killed by
   * SIGPIPE (the originals); 0 for a pure reader whose `| head -1` is a success
   */
  closedStdoutExit?: number;
  /** a signal is this command's normal end (`--watch` until Ctrl-C): no "interrupted" line */
  quietOnSignal?: boolean;
}

export function usageText<F extends FlagDefs>(spec: CommandSpec<F>): string {
  const parts = [`Usage: ${spec.name} ${spec.usage}`.trimEnd(), '', spec.summary];
  if (spec.description) parts.push('', spec.description.trim());
  parts.push('', 'Flags:', formatFlags(spec.flags, spec.kube));
  return parts.join('\n') + '\n';
}

/** Waits until everything written to `stream` has left the process (a pipe takes 64 kB at a time). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!stream.writableLength || stream.destroyed) return resolve();
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('error', done);
    stream.once('close', done);
  });
}

async function flushAndExit(code: number): Promise<never> {
  await drained(process.stdout);
  await drained(process.stderr);
  process.exit(code);
}

// ---- clean-up on every exit path ----

type Cleanup = () => void;
const abortHooks = new Set<Cleanup>();
let exiting = false;

/**
 * Registers `fn` to run when the command ends any way but success: an error, a closed
 * stdout (EPIPE), SIGINT or SIGTERM. It must be synchronous (it may run from a signal
 * handler). Returns the function that unregisters it.
 */
export function onAbort(fn: Cleanup): () => void {
  abortHooks.add(fn);
  return () => abortHooks.delete(fn);
}

function runAbortHooks(name: string): void {
  for (const fn of [...abortHooks].reverse()) {
    abortHooks.delete(fn);
    try {
      fn();
    } catch (err) {
      process.stderr.write(formatError(name, err) + '\n');
    }
  }
}

const SECRET_FLAG = /^(--?)([A-Za-z0-9-]*(?:token|password|passwd|secret|credential)[A-Za-z0-9-]*)(=.*)?$/i;
/** argv for -X: values of --token and password-like flags replaced by `***`. */
export function maskSecrets(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = SECRET_FLAG.exec(argv[i]);
    if (argv[i] === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!m) out.push(argv[i]);
    else if (m[3] !== undefined) out.push(`${m[1]}${m[2]}=***`);
    else {
      out.push(argv[i]);
      if (i + 1 < argv.length) {
        out.push('***');
        i++;
      }
    }
  }
  return out;
}

/** Ends the command without a word: the reader of stdout went away (`… | head -1`). */
let closedStdoutExit = 141;
let quietOnSignal = false;
function quietEnd(name: string): void {
  if (exiting) return;
  exiting = true;
  runAbortHooks(name);
  process.exit(closedStdoutExit);
}

function installExitPaths(name: string): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') quietEnd(name);
    else throw err;
  });
  process.stderr.on('error', () => {
    /* nowhere left to report to */
  });
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(sig, () => {
      if (exiting) return;
      runAbortHooks(name);
      // a command that handles the signal itself (the sandbox stops gracefully) goes on
      if (process.listenerCount(sig) > 0) return;
      exiting = true;
      if (!quietOnSignal) process.stderr.write(`${name}: interrupted (${sig})\n`);
      void flushAndExit(code);
    });
  }
}

/**
 * Runs a command: parses argv by `spec`, prints usage for -h, configures output, calls
 * `body`, and exits with its return value (default 0) or the error's exit code.
 */
export async function runCommand<F extends FlagDefs>(
  spec: CommandSpec<F>,
  body: (args: Parsed<F>) => Promise<number | void> | number | void,
  argv: readonly string[] = process.argv.slice(2),
): Promise<never> {
  let code = 0;
  closedStdoutExit = spec.closedStdoutExit ?? 141;
  quietOnSignal = spec.quietOnSignal ?? false;
  installExitPaths(spec.name);
  try {
    const args = parseArgs(argv, spec);
    if (args.flags.help) {
      process.stdout.write(usageText(spec));
      return await flushAndExit(0);
    }
    configureOutput({ trace: Boolean(args.flags.X), verbose: Boolean(args.flags.verbose) });
    trace(`${spec.name} ${maskSecrets(argv).join(' ')}`.trim());
    code = (await body(args)) ?? 0;
    if (code !== 0) runAbortHooks(spec.name);
    else abortHooks.clear(); // done: a reader that leaves now cuts output, not the work
  } catch (err) {
    if (exiting) return new Promise<never>(() => {}); // an exit path is already under way
    if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') {
      quietEnd(spec.name);
    }
    runAbortHooks(spec.name);
    process.stderr.write(formatError(spec.name, err) + '\n');
    if (process.env.KUBESTELLAR_DEBUG && err instanceof Error) process.stderr.write(String(err.stack) + '\n');
    code = err instanceof UsageError && spec.usageExitCode !== undefined ? spec.usageExitCode : exitCodeFor(err);
  }
  return flushAndExit(code);
}
