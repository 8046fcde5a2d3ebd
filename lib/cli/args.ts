// Command-line parsing with the originals' conventions: flags anywhere on the line,
// `--flag value` and `--flag=value`, `--` ends flags, kubectl's connection flags
// passed through to the client. Parsed once into typed values.
import { UsageError, quoteArg, shorten } from './errors.ts';

export type FlagType =
  /** present or absent (`-X`); `--flag=true|false` also accepted */
  | 'boolean'
  /** takes an explicit true/false value, as `--with-kube false` */
  | 'boolValue'
  | 'string'
  /** repeatable string, collected in order */
  | 'list';

export interface FlagDef {
  readonly type: FlagType;
  readonly short?: string;
  readonly description: string;
  /** placeholder shown in usage, e.g. `WS` */
  readonly value?: string;
}

export type FlagDefs = Readonly<Record<string, FlagDef>>;

type ValueOf<D extends FlagDef> = D['type'] extends 'boolean' | 'boolValue'
  ? boolean
  : D['type'] extends 'list'
    ? string[]
    : string;

export type FlagValues<F extends FlagDefs> = { -readonly [K in keyof F]?: ValueOf<F[K]> };

/** kubectl's connection flags, as they reach the client. */
export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  token?: string;
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  requestTimeout?: string;
}

export const KUBE_FLAGS = {
  kubeconfig: { type: 'string', value: 'FILE', description: 'path to the kubeconfig file to use' },
  context: { type: 'string', value: 'NAME', description: 'the kubeconfig context to use' },
  cluster: { type: 'string', value: 'NAME', description: 'the kubeconfig cluster to use' },
  user: { type: 'string', value: 'NAME', description: 'the kubeconfig user to use' },
  namespace: { type: 'string', short: 'n', value: 'NS', description: 'the namespace scope' },
  server: { type: 'string', short: 's', value: 'URL', description: 'the address of the API server' },
  token: { type: 'string', value: 'TOKEN', description: 'bearer token for authentication' },
  'certificate-authority': { type: 'string', value: 'FILE', description: 'path to a CA certificate file' },
  'insecure-skip-tls-verify': { type: 'boolean', description: 'do not verify the server certificate' },
  'request-timeout': { type: 'string', value: 'DURATION', description: 'time limit for one request (0: none)' },
} as const satisfies FlagDefs;

export const COMMON_FLAGS = {
  help: { type: 'boolean', short: 'h', description: 'print this usage and exit' },
  X: { type: 'boolean', description: 'trace every step and API request on stderr' },
  verbose: { type: 'boolean', short: 'V', description: 'more verbose output' },
} as const satisfies FlagDefs;

/** --dry-run, as every command that changes objects offers it. */
export const DRY_RUN_FLAG = {
  'dry-run': { type: 'boolean', description: 'print what would change and change nothing' },
} as const satisfies FlagDefs;

export interface ParseSpec<F extends FlagDefs> {
  flags: F;
  /** accept kubectl's connection flags; names listed in `refuse` are rejected */
  kube?: boolean | { refuse?: readonly (keyof typeof KUBE_FLAGS)[] };
  positionals?: { min?: number; max?: number; names?: string };
}

export interface Parsed<F extends FlagDefs> {
  flags: FlagValues<F> & FlagValues<typeof COMMON_FLAGS>;
  positionals: string[];
  kube: KubeFlags;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function parseBool(flag: string, raw: string): boolean {
  if (/^(true|t|1|yes)$/i.test(raw)) return true;
  if (/^(false|f|0|no)$/i.test(raw)) return false;
  throw new UsageError(`flag ${flag} takes true or false, not ${quoteArg(raw)}`);
}

export function parseArgs<F extends FlagDefs>(argv: readonly string[], spec: ParseSpec<F>): Parsed<F> {
  // Command flags win over kubectl's (prep-for-syncer's -s is not --server).
  const kubeDefs: FlagDefs = spec.kube ? KUBE_FLAGS : {};
  const refused = new Set<string>(typeof spec.kube === 'object' ? (spec.kube.refuse ?? []) : []);
  const defs: Record<string, FlagDef & { kube: boolean }> = {};
  for (const [n, d] of Object.entries(kubeDefs)) defs[n] = { ...d, kube: true };
  for (const [n, d] of Object.entries({ ...COMMON_FLAGS, ...spec.flags })) defs[n] = { ...d, kube: false };
  const byShort = new Map<string, string>();
  for (const [n, d] of Object.entries(defs)) {
    if (d.short) byShort.set(d.short, n);
    if (n.length === 1) byShort.set(n, n);
  }

  const flags: Record<string, unknown> = {};
  const kube: Record<string, unknown> = {};
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const long = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
      shown = `--${long}`;
      name = long.length > 1 && defs[long] ? long : undefined;
    } else {
      const letter = arg[1];
      shown = `-${letter}`;
      name = byShort.get(letter);
      if (arg.length > 2) inline = arg[2] === '=' ? arg.slice(3) : arg.slice(2);
    }
    if (!name) throw new UsageError(`unknown flag ${shorten(shown)}`);
    const def = defs[name];
    if (refused.has(name)) throw new UsageError(`the ${shown} flag is not supported`);

    let value: unknown;
    if (def.type === 'boolean') {
      value = inline === undefined ? true : parseBool(shown, inline);
    } else {
      let raw = inline;
      if (raw === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`flag ${shown} needs a value`);
        raw = argv[++i];
      }
      value = def.type === 'boolValue' ? parseBool(shown, raw) : raw;
    }
    if (def.kube) {
      kube[camel(name)] = value;
    } else if (def.type === 'list') {
      ((flags[name] as string[] | undefined) ??= []).push(value as string);
    } else {
      flags[name] = value;
    }
  }

  if (!flags.help) {
    const { min = 0, max = Infinity, names } = spec.positionals ?? { max: 0 };
    const what = names ?? 'arguments';
    if (positionals.length < min) {
      throw new UsageError(
        min === max ? `expected ${min === 1 ? 'one argument' : `${min} arguments`} (${what}), got ${positionals.length}`
          : `missing ${what}`,
      );
    }
    if (positionals.length > max) {
      throw new UsageError(
        max === 0 ? `unexpected argument ${quoteArg(positionals[0])}`
          : `too many arguments: expected at most ${max} (${what}), got ${positionals.length}`,
      );
    }
  }
  return { flags: flags as Parsed<F>['flags'], positionals, kube: kube as KubeFlags };
}

/** Go-style durations as kubectl takes them: `0`, `500ms`, `5s`, `1m30s`, `2h`; a bare number is seconds. */
export function parseDuration(raw: string, flag = 'duration'): number {
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let pos = 0;
  while (pos < raw.length) {
    re.lastIndex = pos;
    const m = re.exec(raw);
    if (!m) throw new UsageError(`${flag} ${quoteArg(raw)} is not a duration like 30s, 2m or 1h`);
    total += Number(m[1]) * unit[m[2]];
    pos = re.lastIndex;
  }
  if (raw === '') throw new UsageError(`${flag} is empty`);
  return total;
}

/** The flag section of a usage text, generated from the definitions. */
export function formatFlags(flags: FlagDefs, kube: ParseSpec<FlagDefs>['kube']): string {
  const rows: [string, string][] = [];
  for (const [name, d] of Object.entries({ ...flags, ...COMMON_FLAGS }) as [string, FlagDef][]) {
    const long = name.length === 1 ? `-${name}` : `--${name}`;
    const head = (d.short ? `-${d.short}, ` : '') + long + (d.type === 'boolean' ? '' : ` ${d.value ?? (d.type === 'boolValue' ? 'BOOL' : 'VALUE')}`);
    rows.push([head, d.description]);
  }
  const width = Math.max(...rows.map(([h]) => h.length)) + 2;
  let text = rows.map(([h, d]) => `  ${h.padEnd(width)}${d}`).join('\n');
  if (kube) {
    const refused = typeof kube === 'object' ? (kube.refuse ?? []) : [];
    const names = Object.keys(KUBE_FLAGS).filter((n) => !refused.includes(n as never));
    text += `\n\nkubectl connection flags accepted: ${names.map((n) => `--${n}`).join(', ')}`;
    if (refused.length) text += `\n(not supported here: ${refused.map((n) => `--${n}`).join(', ')})`;
  }
  return text;
}
