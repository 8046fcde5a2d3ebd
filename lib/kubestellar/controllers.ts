// The central controllers `kubestellar start` launches and `stop` stops, tracked by pid
// files rather than by name. A pid file records the pid, the start time of that process,
// the executable's absolute path and a launch mark put in the controller's environment;
// a process is ours only when pid, start time and mark still match, so a reused pid or an
// editor with "placement-translator" in its arguments is never signalled, while a
// controller that execs another program is still known. What a launch started (its
// process group, its descendants, and any process carrying its mark, even after setsid)
// is stopped with it. Processes are read through lib/util/process-table (/proc, else ps).
import { spawn } from 'node:child_process';
import { accessSync, constants, closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError } from '../cli/errors.ts';
import { onAbort } from '../cli/command.ts';
import { readFileIfExists, writeFileAtomic } from '../util/fsutil.ts';
import { processTable, type ProcInfo } from '../util/process-table.ts';

export interface ControllerDef {
  /** executable name, looked up on PATH */
  name: string;
  /** how the original's launch lines name it */
  label: string;
  args: string[];
}

export const CONTROLLERS: readonly ControllerDef[] = [
  { name: 'mailbox-controller', label: 'mailbox-controller', args: ['-v=2'] },
  { name: 'kubestellar-where-resolver', label: 'where-resolver', args: ['-v', '2'] },
  { name: 'placement-translator', label: 'placement translator', args: ['--allclusters-context', 'system:admin', '-v=2'] },
];

/** The environment variable that marks everything one launch started. */
export const LAUNCH_MARK = 'KUBESTELLAR_LAUNCH_MARK';

export interface PidRecord {
  name: string;
  pid: number;
  /** the process's start time as the process table gives it; with the pid, unique for the boot */
  startTime: string;
  /** absolute path that was executed */
  exe: string;
  args: string[];
  /** value of LAUNCH_MARK in the controller's environment (records of older versions have none) */
  mark?: string;
  /** which process table took startTime */
  table?: 'proc' | 'ps';
  logFile?: string;
  startedAt: string;
}

/** Where pid files live: $KUBESTELLAR_RUN_DIR, else ~/.kubestellar/run. */
export function runDir(): string {
  return process.env.KUBESTELLAR_RUN_DIR || join(homedir(), '.kubestellar', 'run');
}

const pidFile = (dir: string, name: string) => join(dir, `${name}.pid.json`);
const myUid = () => (typeof process.getuid === 'function' ? process.getuid() : -1);

export interface ProcStat {
  state: string;
  ppid: number;
  pgid: number;
  startTime: string;
}

/** The process `pid` as the process table sees it; undefined when there is none. */
export function procStat(pid: number): ProcStat | undefined {
  return processTable().info(pid);
}

export type Verdict = 'ours' | 'gone' | 'foreign';

/**
 * Is the recorded process still running, and is it still ours? `gone`: no such process,
 * a zombie, or the pid now belongs to a process started at another time. `foreign`:
 * same pid and start time but without our launch mark (never signal it).
 */
export function verify(rec: PidRecord): Verdict {
  const table = processTable();
  if (rec.table && rec.table !== table.kind) return 'foreign'; // cannot compare start times
  const st = table.info(rec.pid);
  if (!st || st.state === 'Z' || st.state === 'X') return 'gone';
  if (st.startTime !== rec.startTime) return 'gone';
  // The mark survives exec (the environment is inherited); records without one fall back
  // to the command line: a script runs as `interpreter /abs/path args`, a binary as `/abs/path args`.
  if (rec.mark) return table.hasEnv(rec.pid, `${LAUNCH_MARK}=${rec.mark}`) ? 'ours' : 'foreign';
  const argv = table.args(rec.pid);
  if (!argv) return 'gone';
  return argv.slice(0, 3).includes(rec.exe) ? 'ours' : 'foreign';
}

export function readRecord(dir: string, name: string): PidRecord | undefined {
  const text = readFileIfExists(pidFile(dir, name));
  if (text === undefined) return undefined;
  try {
    const rec = JSON.parse(text) as PidRecord;
    if (rec && Number.isInteger(rec.pid) && rec.pid > 1 && typeof rec.startTime === 'string' && typeof rec.exe === 'string') return rec;
  } catch {
    /* a torn or foreign file: treat as absent */
  }
  return undefined;
}

function removeRecord(dir: string, name: string): void {
  try {
    unlinkSync(pidFile(dir, name));
  } catch {
    /* already gone */
  }
}

/** The executable `name` on PATH (absolute), or undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? resolve(name) : undefined;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = resolve(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// ---- the run directory's lock ----

/**
 * Takes `<dir>/kubestellar.lock` for a start or stop, so that two at once cannot each
 * launch controllers that only one of them records. A lock of a process that is gone is
 * taken over; a live holder is named. Released on exit, whatever the exit path.
 */
export function lockRunDir(dir: string, what: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'kubestellar.lock');
  const table = processTable();
  for (let tries = 0; ; tries++) {
    // written whole beside it, then linked into place: the lock is never seen empty
    const tmp = `${lock}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, 'w', 0o600);
      const me = table.info(process.pid);
      writeSync(fd, JSON.stringify({ pid: process.pid, startTime: me?.startTime ?? '', what }) + '\n');
      closeSync(fd);
      linkSync(tmp, lock);
      unlinkSync(tmp);
      break;
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* not made */
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 3) {
        if (err instanceof CommandError) throw err;
        throw new CommandError(`cannot lock ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    let holder: { pid?: number; startTime?: string; what?: string } = {};
    try {
      holder = JSON.parse(readFileSync(lock, 'utf8'));
    } catch {
      /* torn: judged by its age below */
    }
    const st = holder.pid ? table.info(holder.pid) : undefined;
    const live = st && st.state !== 'Z' && (!holder.startTime || st.startTime === holder.startTime);
    const young = (() => {
      try {
        return Date.now() - statSync(lock).mtimeMs < 2000;
      } catch {
        return false;
      }
    })();
    if (live || (!holder.pid && young)) {
      throw new CommandError(
        `another kubestellar ${holder.what ?? 'start or stop'}${holder.pid ? ` (pid ${holder.pid})` : ''} is running for ${dir}; wait for it to end (or remove ${lock} if none is)`,
      );
    }
    try {
      unlinkSync(lock);
    } catch {
      /* taken over by another */
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    unregister();
    try {
      unlinkSync(lock);
    } catch {
      /* gone */
    }
  };
  const unregister = onAbort(release);
  return release;
}

// ---- launching ----

export interface LaunchOptions {
  dir: string;
  exe: string;
  args: readonly string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `exe` detached in its own session (so Ctrl-C of the caller does not reach it),
 * stdout and stderr appended to `logFile`, marked in its environment, and records it in
 * a pid file.
 */
export async function launch(name: string, opts: LaunchOptions): Promise<PidRecord> {
  if (!isAbsolute(opts.exe)) throw new CommandError(`internal: ${opts.exe} is not an absolute path`);
  mkdirSync(opts.dir, { recursive: true });
  const mark = `${name}.${randomBytes(6).toString('hex')}`;
  const fd = openSync(opts.logFile, 'a');
  let child;
  try {
    child = spawn(opts.exe, [...opts.args], { detached: true, stdio: ['ignore', fd, fd], env: { ...(opts.env ?? process.env), [LAUNCH_MARK]: mark } });
    await new Promise<void>((ok, fail) => {
      child!.once('spawn', ok);
      child!.once('error', fail);
    });
  } catch (err) {
    throw new CommandError(`cannot start ${name} (${opts.exe}): ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
  const pid = child.pid!;
  const table = processTable();
  const st = table.info(pid);
  if (!st) throw new CommandError(`${name} exited immediately; see ${opts.logFile}`);
  const rec: PidRecord = { name, pid, startTime: st.startTime, exe: opts.exe, args: [...opts.args], mark, table: table.kind, logFile: opts.logFile, startedAt: new Date().toISOString() };
  writeFileAtomic(pidFile(opts.dir, name), JSON.stringify(rec) + '\n', { mode: 0o600 });
  child.unref();
  return rec;
}

// ---- stopping ----

/**
 * Everything alive that the launch of `rec` started: its process group, its descendants,
 * and (where the environment can be read) every process carrying its mark, which finds
 * the ones that called setsid and were re-parented. Never older than the controller.
 */
function family(rec: PidRecord): number[] {
  const table = processTable();
  const all = table.list().filter((p) => p.uid === myUid() && p.state !== 'Z' && p.pid !== process.pid && !table.startedBefore(p.startTime, rec.startTime));
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const found = new Set<number>();
  const walk = (pid: number) => {
    for (const c of byParent.get(pid) ?? []) {
      if (!found.has(c.pid)) {
        found.add(c.pid);
        walk(c.pid);
      }
    }
  };
  if (all.some((p) => p.pid === rec.pid)) found.add(rec.pid);
  walk(rec.pid);
  const marked = rec.mark ? table.withEnv(`${LAUNCH_MARK}=${rec.mark}`) : new Set<number>();
  for (const p of all) {
    if (found.has(p.pid)) continue;
    if (p.pgid === rec.pid || marked.has(p.pid)) {
      found.add(p.pid);
      walk(p.pid);
    }
  }
  return [...found];
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH' && code !== 'EPERM') throw err;
  }
}

const aliveNow = (pid: number): boolean => {
  const st = processTable().info(pid);
  return !!st && st.state !== 'Z' && st.state !== 'X';
};

async function waitAllGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(aliveNow)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

/** SIGTERM to `pids` (groups they lead too), SIGKILL to what is left after `graceMs`. */
async function terminate(pids: number[], leader: number | undefined, graceMs: number): Promise<'stopped' | 'killed'> {
  if (leader !== undefined) signal(-leader, 'SIGTERM');
  for (const pid of pids) signal(pid, 'SIGTERM');
  if (await waitAllGone(pids, graceMs)) return 'stopped';
  if (leader !== undefined) signal(-leader, 'SIGKILL');
  for (const pid of pids) signal(pid, 'SIGKILL');
  if (!(await waitAllGone(pids, 5000))) throw new CommandError(`process${pids.length > 1 ? 'es' : ''} ${pids.filter(aliveNow).join(', ')} did not exit after SIGKILL`);
  return 'killed';
}

export type StopResult = 'stopped' | 'killed' | 'not-running' | 'foreign';

/**
 * Stops the recorded controller `name` and everything its launch started: SIGTERM,
 * SIGKILL after `graceMs`, then whatever of the family is still left. A pid file whose
 * process is gone or not ours is removed without signalling anything.
 */
export async function stopController(dir: string, name: string, graceMs = 5000): Promise<StopResult> {
  const rec = readRecord(dir, name);
  if (!rec) {
    removeRecord(dir, name);
    return 'not-running';
  }
  const verdict = verify(rec);
  if (verdict !== 'ours') {
    removeRecord(dir, name);
    return verdict === 'foreign' ? 'foreign' : 'not-running';
  }
  const st = processTable().info(rec.pid)!;
  const members = family(rec);
  const result = await terminate(members, st.pgid === rec.pid ? rec.pid : undefined, graceMs);
  // Whatever the family started while it was being stopped.
  for (let i = 0; i < 40; i++) {
    const left = family(rec).filter(aliveNow);
    if (!left.length) break;
    for (const pid of left) signal(pid, 'SIGKILL');
    await sleep(25);
  }
  removeRecord(dir, name);
  return result;
}

/**
 * Processes of this user running controller `name` that no pid file knows, e.g. started
 * by hand as in the walkthrough (`mailbox-controller -v=2 &`). The executable must be
 * exactly `name`: a binary of that name, or a script of that name run through its #!
 * line; a process that only mentions the name in its arguments (an editor, a grep,
 * `bash -c '…' name`) is never one.
 */
export function handStarted(name: string, except: readonly number[] = []): number[] {
  const table = processTable();
  const comm = name.slice(0, 15); // the kernel keeps 15 characters of the name
  const interpreter = /(^|\/)([a-z]*sh|python[0-9.]*|node|perl|ruby)$/;
  const argvOf = table.allArgs();
  return table
    .list()
    .filter((p) => p.uid === myUid() && p.state !== 'Z' && p.pid !== process.pid && !except.includes(p.pid))
    .filter((p) => {
      const argv = argvOf.get(p.pid) ?? [];
      // a binary: the kernel's name and argv[0] are the controller's; a #! script: an
      // interpreter whose first argument is the script's path (its options come after)
      if ((p.comm === comm || p.comm === name) && basename(argv[0] ?? '') === name) return true;
      return argv.length > 1 && interpreter.test(argv[0]) && basename(argv[1]) === name;
    })
    .map((p) => p.pid);
}

export interface StopAllLines {
  /** the original's line per controller found running */
  print: (line: string) => void;
  warn: (line: string) => void;
}

/**
 * Stops every controller: the recorded ones with all their launch started, and any
 * started by hand. Prints, per controller found, the original's line. Returns how many.
 */
export async function stopAllControllers(dir: string, graceMs: number, out: StopAllLines): Promise<number> {
  let found = 0;
  for (const c of CONTROLLERS) {
    const rec = readRecord(dir, c.name);
    const tracked = rec && verify(rec) === 'ours' ? rec : undefined;
    const hand = handStarted(c.name, tracked ? family(tracked) : []);
    if (tracked || hand.length) {
      found++;
      out.print(`An older deployment of ${c.name} is already running - terminating it ....`);
    }
    const r = await stopController(dir, c.name, graceMs);
    if (r === 'foreign') out.warn(`The process recorded for ${c.name} is no longer ${c.name}; left it alone and forgot the record.`);
    if (hand.length) await terminate(hand, undefined, graceMs);
  }
  return found;
}

/** The recorded controllers that are running and ours. */
export function running(dir: string): PidRecord[] {
  return CONTROLLERS.map((c) => readRecord(dir, c.name)).filter((r): r is PidRecord => !!r && verify(r) === 'ours');
}

/** Whether a local process named `kcp` runs (what the original checked with pgrep). */
export function localKcpRunning(): boolean {
  return processTable()
    .list()
    .some((p) => p.comm === 'kcp' && p.state !== 'Z');
}
