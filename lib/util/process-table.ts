// What the system says about processes: /proc on Linux, `ps` where there is no /proc
// (macOS, which the originals support). KUBESTELLAR_PROCESS_TABLE=ps forces the `ps`
// path so that it is tested on Linux too.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  uid: number;
  /** first letter of the state: R, S, D, Z, T, ... */
  state: string;
  /** start time, exact per boot: clock ticks (/proc) or `ps`'s lstart, to the second */
  startTime: string;
  /** the kernel's command name (15 characters at most on Linux) */
  comm: string;
}

export interface ProcessTable {
  readonly kind: 'proc' | 'ps';
  info(pid: number): ProcInfo | undefined;
  list(): ProcInfo[];
  args(pid: number): string[] | undefined;
  /** the command line of every process, in one pass */
  allArgs(): Map<number, string[]>;
  /** whether the process's environment holds `KEY=value` exactly */
  hasEnv(pid: number, entry: string): boolean;
  /** every process whose environment holds `KEY=value`, in one pass */
  withEnv(entry: string): Set<number>;
  /** ordering of two startTime values of this table */
  startedBefore(a: string, b: string): boolean;
}

// ---- /proc ----

function procInfo(pid: number): ProcInfo | undefined {
  let text: string;
  let uid: number;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    uid = statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  return { pid, comm, uid, state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]), startTime: rest[19] };
}

const procTable: ProcessTable = {
  kind: 'proc',
  info: procInfo,
  list() {
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return [];
    }
    return entries.filter((e) => /^\d+$/.test(e)).map((e) => procInfo(Number(e))).filter((p): p is ProcInfo => !!p);
  },
  args(pid) {
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').filter((x, i, a) => i < a.length - 1 || x !== '');
    } catch {
      return undefined;
    }
  },
  allArgs() {
    return new Map(procTable.list().map((p) => [p.pid, procTable.args(p.pid) ?? []]));
  },
  hasEnv(pid, entry) {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
    } catch {
      return false;
    }
  },
  withEnv(entry) {
    return new Set(procTable.list().filter((p) => procTable.hasEnv(p.pid, entry)).map((p) => p.pid));
  },
  startedBefore: (a, b) => BigInt(a) < BigInt(b),
};

// ---- ps ----

function ps(args: string[]): string {
  try {
    // child_process only when ps is needed: fsutil (on many start-up paths) uses this table
    const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
    return execFileSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
  } catch (err) {
    // ps exits 1 when -p names no process
    return ((err as { stdout?: string }).stdout ?? '').toString();
  }
}

const PS_FIELDS = ['-o', 'pid=,ppid=,pgid=,uid=,stat=,lstart=,comm='];

function parsePsLine(line: string): ProcInfo | undefined {
  const t = line.trim().split(/\s+/);
  if (t.length < 11 || !/^\d+$/.test(t[0])) return undefined;
  // lstart is five words: `Sun Nov 22 13:26:45 2026`
  const comm = t.slice(10).join(' ');
  return {
    pid: Number(t[0]),
    ppid: Number(t[1]),
    pgid: Number(t[2]),
    uid: Number(t[3]),
    state: t[4][0],
    startTime: t.slice(5, 10).join(' '),
    comm: comm.slice(comm.lastIndexOf('/') + 1),
  };
}

const psTable: ProcessTable = {
  kind: 'ps',
  info(pid) {
    return ps(['-p', String(pid), ...PS_FIELDS]).split('\n').map(parsePsLine).find((p) => p?.pid === pid);
  },
  list() {
    return ps(['-A', ...PS_FIELDS]).split('\n').map(parsePsLine).filter((p): p is ProcInfo => !!p);
  },
  args(pid) {
    const out = ps(['-p', String(pid), '-ww', '-o', 'args=']).trim();
    return out ? out.split(/\s+/) : undefined;
  },
  allArgs() {
    const out = new Map<number, string[]>();
    for (const line of ps(['-A', '-ww', '-o', 'pid=,args=']).split('\n')) {
      const t = line.trim().split(/\s+/);
      if (/^\d+$/.test(t[0])) out.set(Number(t[0]), t.slice(1));
    }
    return out;
  },
  hasEnv(pid, entry) {
    return envListing(["-p", String(pid)]).get(pid)?.includes(entry) ?? false;
  },
  withEnv(entry) {
    const out = new Set<number>();
    for (const [pid, words] of envListing(['-A'])) if (words.includes(entry)) out.add(pid);
    return out;
  },
  startedBefore: (a, b) => Date.parse(a) < Date.parse(b),
};

/** pid -> the words of its command line and environment (BSD ps: -E, procps: `e`). */
function envListing(select: string[]): Map<number, string[]> {
  const args = process.platform === 'darwin' ? ['-E', '-ww', ...select, '-o', 'pid=,command='] : [...select, 'e', '-ww', '-o', 'pid=,args='];
  const out = new Map<number, string[]>();
  for (const line of ps(args).split('\n')) {
    const t = line.trim().split(/\s+/);
    if (/^\d+$/.test(t[0])) out.set(Number(t[0]), t.slice(1));
  }
  return out;
}

/** The process table of this system (or the one KUBESTELLAR_PROCESS_TABLE names). */
export function processTable(): ProcessTable {
  const forced = process.env.KUBESTELLAR_PROCESS_TABLE;
  if (forced === 'ps') return psTable;
  if (forced === 'proc') return procTable;
  return existsSync('/proc/self/stat') ? procTable : psTable;
}
