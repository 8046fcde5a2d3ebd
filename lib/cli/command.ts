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
}

export function usageText<F extends FlagDefs>(spec: CommandSpec<F>): string {
  const parts = [`Usage: ${spec.name} ${spec.usage}`.trimEnd(), '', spec.summary];
  if (spec.description) parts.push('', spec.description.trim());
  parts.push('', 'Flags:', formatFlags(spec.flags, spec.kube));
  return parts.join('\n') + '\n';
}

async function flushAndExit(code: number): Promise<never> {
  await new Promise<void>((resolve) => (process.stdout.writableLength ? process.stdout.once('drain', resolve) : resolve()));
  process.exit(code);
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
  try {
    const args = parseArgs(argv, spec);
    if (args.flags.help) {
      process.stdout.write(usageText(spec));
      return await flushAndExit(0);
    }
    configureOutput({ trace: Boolean(args.flags.X), verbose: Boolean(args.flags.verbose) });
    trace(`${spec.name} ${argv.join(' ')}`.trim());
    code = (await body(args)) ?? 0;
  } catch (err) {
    process.stderr.write(formatError(spec.name, err) + '\n');
    if (process.env.KUBESTELLAR_DEBUG && err instanceof Error) process.stderr.write(String(err.stack) + '\n');
    code = err instanceof UsageError && spec.usageExitCode !== undefined ? spec.usageExitCode : exitCodeFor(err);
  }
  return flushAndExit(code);
}
