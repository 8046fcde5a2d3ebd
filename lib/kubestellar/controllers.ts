// The central controllers `kubestellar start` launches and `stop` stops, tracked by pid
// files rather than by name. A pid file records the pid, the kernel's start time of
// that process and the executable's absolute path; a process is ours only when all
// three still match (/proc/PID/stat and /proc/PID/cmdline), so a reused pid or an
// editor with "placement-translator" in its arguments is never signalled.
import { spawn } from 'node:child_process';
import { accessSync, constants, closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError } from '../cli/errors.ts';
import { readFileIfExists, writeFileAtomic } from '../util/fsutil.ts';

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

export interface PidRecord {
  name: string;
  pid: number;
  /** field 22 of /proc/PID/stat: clock ticks after boot; with the pid, unique for the boot */
  startTime: string;
  /** absolute path that was executed */
  exe: string;
  args: string[];
  logFile?: string;
  startedAt: string;
}

/** Where pid files live: $KUBESTELLAR_RUN_DIR, else ~/.kubestellar/run. */
export function runDir(): string {
  return process.env.KUBESTELLAR_RUN_DIR || join(homedir(), '.kubestellar', 'run');
}

const pidFile = (dir: string, name: string) => join(dir, `${name}.pid.json`);

export interface ProcStat {
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  startTime: string;
}

/** Parses /proc/PID/stat; undefined when there is no such process. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  return { state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]), sid: Number(rest[3]), startTime: rest[19] };
}

export function procCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((x, i, a) => i < a.length - 1 || x !== '');
  } catch {
    return undefined;
  }
}

export type Verdict = 'ours' | 'gone' | 'foreign';

/**
 * Is the recorded process still running, and is it still ours? `gone`: no such process,
 * a zombie, or the pid now belongs to a process started at another time. `foreign`:
 * same pid and start time but not running our executable (never signal it).
 */
export function verify(rec: PidRecord): Verdict {
  const st = procStat(rec.pid);
  if (!st || st.state === 'Z' || st.state === 'X') return 'gone';
  if (st.startTime !== rec.startTime) return 'gone';
  const argv = procCmdline(rec.pid);
  if (!argv) return 'gone';
  // A script runs as `interpreter /abs/path args`, a binary as `/abs/path args`.
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

export interface LaunchOptions {
  dir: string;
  exe: string;
  args: readonly string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `exe` detached in its own session (so Ctrl-C of the caller does not reach it),
 * stdout and stderr appended to `logFile`, and records it in a pid file.
 */
export async function launch(name: string, opts: LaunchOptions): Promise<PidRecord> {
  if (!isAbsolute(opts.exe)) throw new CommandError(`internal: ${opts.exe} is not an absolute path`);
  mkdirSync(opts.dir, { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  let child;
  try {
    child = spawn(opts.exe, [...opts.args], { detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
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
  const st = procStat(pid);
  if (!st) throw new CommandError(`${name} exited immediately; see ${opts.logFile}`);
  const rec: PidRecord = { name, pid, startTime: st.startTime, exe: opts.exe, args: [...opts.args], logFile: opts.logFile, startedAt: new Date().toISOString() };
  writeFileAtomic(pidFile(opts.dir, name), JSON.stringify(rec) + '\n', { mode: 0o600 });
  child.unref();
  return rec;
}

/** Members of the process group `pgid` in session `sid` started no earlier than `since`. */
function groupMembers(pgid: number, sid: number, since: string): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (st && st.pgid === pgid && st.sid === sid && st.state !== 'Z' && BigInt(st.startTime) >= BigInt(since)) out.push(Number(e));
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitGone(rec: PidRecord, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (verify(rec) === 'ours') {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

export type StopResult = 'stopped' | 'killed' | 'not-running' | 'foreign';

/**
 * Stops the recorded controller `name`: SIGTERM to its process group (it leads one),
 * SIGKILL after `graceMs`, then any member of its group still left. A pid file whose
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
  const st = procStat(rec.pid)!;
  const leadsGroup = st.pgid === rec.pid && st.sid === rec.pid;
  signal(leadsGroup ? -rec.pid : rec.pid, 'SIGTERM');
  let result: StopResult = 'stopped';
  if (!(await waitGone(rec, graceMs))) {
    if (verify(rec) === 'ours') signal(leadsGroup ? -rec.pid : rec.pid, 'SIGKILL');
    result = 'killed';
    if (!(await waitGone(rec, 5000))) throw new CommandError(`${name} (pid ${rec.pid}) did not exit after SIGKILL`);
  }
  if (leadsGroup) {
    // Children left behind in the controller's own session and group (e.g. a shell's sleep).
    for (let i = 0; i < 80; i++) {
      const left = groupMembers(rec.pid, rec.pid, rec.startTime);
      if (!left.length) break;
      for (const pid of left) signal(pid, 'SIGKILL');
      await sleep(25);
    }
  }
  removeRecord(dir, name);
  return result;
}

/** The recorded controllers that are running and ours. */
export function running(dir: string): PidRecord[] {
  return CONTROLLERS.map((c) => readRecord(dir, c.name)).filter((r): r is PidRecord => !!r && verify(r) === 'ours');
}

/** Whether a local process named `kcp` runs (what the original checked with pgrep). */
export function localKcpRunning(): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'kcp') return true;
    } catch {
      /* exited meanwhile */
    }
  }
  return false;
}
