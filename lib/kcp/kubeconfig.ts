// Kubeconfig loading and writing by client-go's rules, so that our commands, kubectl
// and kcp's `kubectl ws` can share one file:
// - load: --kubeconfig alone; else every file of $KUBECONFIG merged, first definition
//   wins; else ~/.kube/config; in-cluster service account as a last resort.
// - write: a changed entry goes back to the file that defines it, a new one to the
//   first existing file of the list (else the last), current-context to the first
//   file that sets one; each file rewritten atomically under a lock.
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { CommandError, EXIT, describeErrno } from '../cli/errors.ts';
import { onAbort } from '../cli/command.ts';
import { readFileIfExists, withFileLock, writeFileAtomic, writeTarget } from '../util/fsutil.ts';
import type { KubeFlags } from '../cli/args.ts';
import { loadYaml, type YamlModule } from '../util/yaml.ts';

export interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  [key: string]: unknown;
}
export interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
  [key: string]: unknown;
}
export interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  [key: string]: unknown;
}

type Section = 'clusters' | 'contexts' | 'users';
const entryKey = { clusters: 'cluster', contexts: 'context', users: 'user' } as const;

/** The merged view: names to entries, as client-go's api.Config. */
export interface KubeconfigView {
  clusters: Record<string, ClusterEntry>;
  contexts: Record<string, ContextEntry>;
  users: Record<string, UserEntry>;
  currentContext: string;
}

interface FileState {
  path: string;
  exists: boolean;
  raw: Record<string, unknown>;
}

const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CommandError(`cannot read kubeconfig ${path}: ${describeErrno(err)}`);
  }
}

function parseText(path: string, text: string | undefined): FileState {
  if (text === undefined) return { path, exists: false, raw: {} };
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : parseYaml(text);
  } catch (err) {
    throw new CommandError(`cannot parse kubeconfig ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new CommandError(`kubeconfig ${path} is not a YAML mapping`);
  return { path, exists: true, raw: raw as Record<string, unknown> };
}

/** Reads under the lock held already by the caller. */
function parseFile(path: string): FileState {
  return parseText(path, readText(path));
}

/**
 * Reads without the lock; kubectl rewrites a kubeconfig in place (truncate, write) while
 * holding `<file>.lock`, so a read that sees an empty or unparsable file, or a lock, is
 * done again once the lock is free.
 */
function parseFileSettled(path: string): FileState {
  const text = readText(path);
  const suspicious = text !== undefined && (text.trim() === '' || existsSync(`${path}.lock`));
  if (!suspicious) {
    try {
      return parseText(path, text);
    } catch (err) {
      if (!(err instanceof CommandError) || !/^cannot parse|not a YAML/.test(err.message)) throw err;
    }
  }
  try {
    return withFileLock(path, () => parseFile(path));
  } catch (err) {
    // a read-only directory cannot take the lock: settle for what a second read sees
    if (err instanceof CommandError && /^cannot create the lock/.test(err.message)) return parseFile(path);
    throw err;
  }
}

// yaml is loaded on first use, not at start-up.
let yamlModule: YamlModule | undefined;
async function ensureYaml(): Promise<void> {
  yamlModule ??= await loadYaml();
}
function parseYaml(text: string): unknown {
  if (!yamlModule) throw new Error('internal: yaml not loaded');
  return yamlModule.parse(text);
}

function namedList(raw: Record<string, unknown>, section: Section): { name: string; [k: string]: unknown }[] {
  const list = raw[section];
  return Array.isArray(list) ? (list.filter((e) => e && typeof e === 'object' && typeof e.name === 'string') as never) : [];
}

/** Paths in a kubeconfig are relative to the file that holds them. */
function absolutize<T extends Record<string, unknown>>(entry: T, file: string, keys: string[]): T {
  const out = { ...entry };
  for (const k of keys) {
    const v = out[k];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) (out as Record<string, unknown>)[k] = resolve(dirname(file), v);
  }
  return out;
}
/** client-go writes file references relative to the file that holds them. */
function relativize<T extends Record<string, unknown>>(entry: T, file: string, keys: string[]): T {
  const out = { ...entry };
  for (const k of keys) {
    const v = out[k];
    if (typeof v === 'string' && isAbsolute(v)) (out as Record<string, unknown>)[k] = relative(dirname(file), v) || '.';
  }
  return out;
}
const pathKeys: Record<Section, string[]> = {
  clusters: ['certificate-authority'],
  contexts: [],
  users: ['client-certificate', 'client-key', 'tokenFile'],
};

export class Kubeconfig {
  private constructor(
    /** precedence order */
    readonly files: string[],
    readonly explicit: boolean,
    private states: FileState[],
    private overrides: KubeFlags,
    readonly inCluster: boolean,
  ) {}

  /** Loads by client-go's rules; `flags.kubeconfig` wins over $KUBECONFIG over ~/.kube/config. */
  static async load(flags: KubeFlags = {}, opts: { inClusterDir?: string } = {}): Promise<Kubeconfig> {
    await ensureYaml();
    let files: string[];
    let explicit = false;
    if (flags.kubeconfig) {
      explicit = true;
      files = [resolve(flags.kubeconfig)];
      if (!existsSync(files[0])) throw new CommandError(`kubeconfig ${flags.kubeconfig} does not exist`);
    } else if (process.env.KUBECONFIG) {
      files = [...new Set(process.env.KUBECONFIG.split(delimiter).filter(Boolean).map((p) => resolve(p)))];
    } else {
      files = [join(homedir(), '.kube', 'config')];
    }
    const states = files.map(parseFileSettled);
    const kc = new Kubeconfig(files, explicit, states, flags, false);
    const empty = states.every((s) => !s.exists || (namedList(s.raw, 'clusters').length === 0 && !s.raw['current-context']));
    if (empty && !flags.server) {
      const inCluster = Kubeconfig.inCluster(opts.inClusterDir ?? IN_CLUSTER_DIR, flags);
      if (inCluster) return inCluster;
    }
    return kc;
  }

  /** The pod's service account, when running inside a cluster. */
  private static inCluster(dir: string, flags: KubeFlags): Kubeconfig | undefined {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    const tokenFile = join(dir, 'token');
    if (!host || !port || !existsSync(tokenFile)) return undefined;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const ns = readFileIfExists(join(dir, 'namespace'))?.trim();
    const raw = {
      clusters: [{ name: 'in-cluster', cluster: { server: `https://${hostPart}:${port}`, 'certificate-authority': join(dir, 'ca.crt') } }],
      users: [{ name: 'in-cluster', user: { tokenFile } }],
      contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'in-cluster', ...(ns ? { namespace: ns } : {}) } }],
      'current-context': 'in-cluster',
    };
    return new Kubeconfig([], false, [{ path: '', exists: true, raw }], flags, true);
  }

  /** The merged view, first definition of each name winning. */
  view(): KubeconfigView {
    return mergeStates(this.states);
  }

  /** The context in force: --context, else current-context. */
  contextName(): string {
    return this.overrides.context ?? this.view().currentContext;
  }

  /** Each file's bytes before this process first wrote it, and what it wrote last. */
  private journal = new Map<string, { original: string | undefined; written: string }>();
  private undoRegistered = false;

  /**
   * Read-modify-write under the files' locks: re-reads every file, lets `mutate` edit
   * the merged view, and writes each change to the file client-go would write it to.
   * Unless the command succeeds, every file written is put back byte for byte on exit
   * (error, closed stdout, SIGINT, SIGTERM), when no one else changed it meanwhile.
   */
  modify(mutate: (view: KubeconfigView) => void): void {
    if (this.inCluster) throw new CommandError('cannot modify the in-cluster configuration; use a kubeconfig file');
    const lockOrder = [...this.files].sort();
    const run = (i: number): void => {
      if (i < lockOrder.length) return withFileLock(lockOrder[i], () => run(i + 1));
      const texts = this.files.map(readText);
      this.states = this.files.map((f, j) => parseText(f, texts[j]));
      const before = mergeStates(this.states);
      const after = structuredClone(before);
      mutate(after);
      const written = writeBack(this.states, this.explicit, before, after);
      for (const [idx, text] of written) {
        const path = this.files[idx];
        const entry = this.journal.get(path);
        this.journal.set(path, { original: entry ? entry.original : texts[idx], written: text });
      }
      if (written.size && !this.undoRegistered) {
        this.undoRegistered = true;
        onAbort(() => this.undo());
      }
      this.states = this.files.map(parseFile);
    };
    run(0);
  }

  /** Puts back every file this process wrote, if it still holds what we wrote. */
  undo(): void {
    for (const [path, { original, written }] of this.journal) {
      withFileLock(path, () => {
        if (readText(path) !== written) return; // changed by someone else since: theirs now
        if (original === undefined) unlinkSync(writeTarget(path));
        else writeFileAtomic(path, original);
      });
    }
    this.journal.clear();
    this.states = this.files.map(parseFile);
  }
}

function mergeStates(states: FileState[]): KubeconfigView {
  const view: KubeconfigView = { clusters: {}, contexts: {}, users: {}, currentContext: '' };
  for (const s of states) {
    for (const section of ['clusters', 'contexts', 'users'] as const) {
      for (const e of namedList(s.raw, section)) {
        if (e.name in view[section]) continue;
        const body = (e[entryKey[section]] ?? {}) as Record<string, unknown>;
        (view[section] as Record<string, unknown>)[e.name] = s.path ? absolutize(body, s.path, pathKeys[section]) : body;
      }
    }
    const cc = s.raw['current-context'];
    if (!view.currentContext && typeof cc === 'string' && cc) view.currentContext = cc;
  }
  return view;
}

/** Where client-go creates new entries: the explicit file, else the first existing file, else the last. */
function destinationIndex(states: FileState[], explicit: boolean): number {
  if (explicit || states.length === 1) return 0;
  const i = states.findIndex((s) => s.exists);
  return i >= 0 ? i : states.length - 1;
}

/** Writes the files the change touches; returns the text written to each, by index. */
function writeBack(states: FileState[], explicit: boolean, before: KubeconfigView, after: KubeconfigView): Map<number, string> {
  const dirty = new Set<number>();
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const section of ['clusters', 'contexts', 'users'] as const) {
    const names = new Set([...Object.keys(before[section]), ...Object.keys(after[section])]);
    for (const name of names) {
      const old = before[section][name];
      const next = after[section][name];
      if (same(old, next)) continue;
      let idx = states.findIndex((s) => namedList(s.raw, section).some((e) => e.name === name));
      if (idx < 0) idx = destinationIndex(states, explicit);
      const list = namedList(states[idx].raw, section).filter((e) => e.name !== name);
      if (next !== undefined) list.push({ name, [entryKey[section]]: relativize(next, states[idx].path, pathKeys[section]) });
      states[idx].raw[section] = list;
      dirty.add(idx);
    }
  }
  if (before.currentContext !== after.currentContext) {
    let idx = states.findIndex((s) => typeof s.raw['current-context'] === 'string' && s.raw['current-context']);
    if (idx < 0 || explicit) idx = destinationIndex(states, explicit);
    states[idx].raw['current-context'] = after.currentContext;
    dirty.add(idx);
  }
  const written = new Map<number, string>();
  for (const idx of dirty) {
    const text = serializeKubeconfig(states[idx].raw);
    writeFileAtomic(states[idx].path, text, { mode: 0o600 });
    written.set(idx, text);
  }
  return written;
}

/**
 * client-go's on-disk form (what `kubectl config` and kcp's plugin write): keys sorted,
 * entries sorted by name, `kind: Config`, `apiVersion: v1`, `preferences: {}`, sequences
 * not indented under their key.
 */
export function serializeKubeconfig(raw: Record<string, unknown>): string {
  if (!yamlModule) throw new Error('internal: yaml not loaded');
  const doc: Record<string, unknown> = { ...raw };
  doc.apiVersion ??= 'v1';
  doc.kind ??= 'Config';
  doc.preferences ??= {};
  doc['current-context'] ??= '';
  for (const section of ['clusters', 'contexts', 'users'] as const) {
    doc[section] = namedList(raw, section).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if ((doc[section] as unknown[]).length === 0) doc[section] = null;
  }
  return yamlModule.stringify(sortKeys(doc), { indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** Thrown when a named context is absent; `switch-domain` documents exit code 10 for it. */
export function missingContext(name: string, where: string): CommandError {
  return new CommandError(`context ${JSON.stringify(name)} not found in ${where}`, EXIT.missingContext);
}
