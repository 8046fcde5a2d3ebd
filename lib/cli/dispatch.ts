// `kubectl kubestellar [ensure|remove] SUB ...`: kubectl finds the most specific
// executable itself; these dispatchers serve direct calls and print usage. A
// subcommand runs in this process (no second Node start-up).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, formatError, exitCodeFor } from './errors.ts';
import { installed, binDir, type CommandInfo } from './commands.ts';

function usage(name: string, subs: { word: string; info: CommandInfo }[]): string {
  const width = Math.max(0, ...subs.map((s) => s.word.length)) + 2;
  return [
    `Usage: ${name} SUBCOMMAND [flags] [arguments]`,
    '',
    'Subcommands:',
    ...subs.map((s) => `  ${s.word.padEnd(width)}${s.info.summary}`),
    '',
    `Run '${name} SUBCOMMAND -h' for the flags of one subcommand.`,
    '',
  ].join('\n');
}

/** The subcommands one level below `prefix`: for kubectl-kubestellar, `ensure`, `prep-for-syncer`, … */
function subcommandsOf(prefix: string): { word: string; info: CommandInfo; target: string }[] {
  const seen = new Map<string, { word: string; info: CommandInfo; target: string }>();
  for (const info of installed(`${prefix}-`)) {
    const rest = info.bin.slice(prefix.length + 1);
    const [first, ...more] = rest.split('-');
    if (more.length > 0) continue; // reached through its group's dispatcher
    const word = first.replace(/_/g, '-');
    const members = installed(`${info.bin}-`).map((m) => m.bin.slice(info.bin.length + 1));
    const summary = members.length ? `${info.summary}: ${members.join(', ')}` : info.summary;
    seen.set(word, { word, info: { ...info, summary }, target: info.bin });
  }
  return [...seen.values()].sort((a, b) => a.word.localeCompare(b.word));
}

export async function dispatch(prefix: string, name: string, argv: string[] = process.argv.slice(2)): Promise<void> {
  const subs = subcommandsOf(prefix);
  try {
    const word = argv.find((a) => !a.startsWith('-'));
    if (word === undefined) {
      if (argv.some((a) => a === '-h' || a === '--help') || argv.length === 0) {
        process.stdout.write(usage(name, subs));
        return;
      }
      throw new UsageError(`unknown flag ${argv[0]} (give a subcommand first)`);
    }
    const sub = subs.find((s) => s.word === word || s.word === word.replace(/_/g, '-'));
    if (!sub) throw new UsageError(`unknown subcommand ${JSON.stringify(word)}; known: ${subs.map((s) => s.word).join(', ') || 'none'}`);
    const rest = argv.filter((a, i) => i !== argv.indexOf(word));
    process.argv = [process.argv[0], join(binDir(), sub.target), ...rest];
    await import(pathToFileURL(join(binDir(), '..', 'dist', `${sub.target}.js`)).href);
  } catch (err) {
    process.stderr.write(formatError(name, err) + '\n');
    process.exit(exitCodeFor(err));
  }
}
