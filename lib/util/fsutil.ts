// Files that are never seen half-written: write to a temp file beside the target,
// fsync, rename. And a lock file so that read-modify-write cycles by concurrent
// commands on one file serialize instead of losing each other's edits.
import {
  openSync,
  writeSync,
  fsyncSync,
  closeSync,
  renameSync,
  unlinkSync,
  statSync,
  lstatSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  chmodSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CommandError, describeErrno } from '../cli/errors.ts';
import { processTable } from './process-table.ts';

export interface WriteOptions {
  /** file mode for a new file; an existing file keeps its mode unless `forceMode` */
  mode?: number;
  forceMode?: boolean;
}

/**
 * The file a write to `path` must replace: a symlink (or a chain of them) is followed,
 * even when its target does not exist yet, so the link stays a link (as kubectl does).
 */
export function writeTarget(path: string): string {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return p;
    }
    if (!st.isSymbolicLink()) return p;
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP', syscall: 'open', path });
}

const TMP = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files of `file` left by writers that died (kill -9) before renaming them. */
export function removeDeadWritersTemps(file: string): void {
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return;
  }
  const base = basename(file);
  for (const n of names) {
    const m = TMP.exec(n);
    if (!m || m[1] !== base || Number(m[2]) === process.pid || processAlive(Number(m[2]))) continue;
    try {
      unlinkSync(join(dirname(file), n));
    } catch {
      /* another writer got there first */
    }
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  const target = writeTarget(path);
  let mode = opts.mode ?? 0o644;
  if (!opts.forceMode) {
    try {
      mode = statSync(target).mode & 0o777;
    } catch {
      /* new file */
    }
  }
  removeDeadWritersTemps(target);
  // 0600 until renamed: a temp file left by a kill must not expose what it holds (tokens)
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o600);
  } catch (err) {
    throw new CommandError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? `directory ${dirname(target)} does not exist` : describeErrno(err)}`);
  }
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw new CommandError(`cannot write ${path}: ${describeErrno(err)}`);
  }
  closeSync(fd);
  try {
    chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new CommandError(`cannot write ${path}: ${describeErrno(err)}`);
  }
}

/** What holds a lock, for waiting or for a message. */
type Holder =
  | { kind: 'ours-dead' }
  | { kind: 'empty' }
  | { kind: 'live'; pid: number; ours: boolean; command?: string }
  | { kind: 'garbage' }
  | { kind: 'directory' }
  | { kind: 'gone' };

function lockHolder(lock: string): Holder {
  let text: string;
  try {
    if (lstatSync(lock).isDirectory()) return { kind: 'directory' };
    text = readFileSync(lock, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') return { kind: 'directory' };
    return { kind: 'gone' };
  }
  if (text === '') return { kind: 'empty' };
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) return { kind: 'garbage' };
  if (pid === process.pid) return { kind: 'live', pid, ours: true };
  if (!processAlive(pid)) return { kind: 'ours-dead' };
  const command = processTable().args(pid)?.join(' ');
  // Our commands are node processes; anything else holding "our" lock is not one of us.
  const ours = command === undefined ? true : /node|kubestellar|kubectl|switch-domain/.test(command);
  return { kind: 'live', pid, ours, command };
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export interface LockOptions {
  /** how long to wait for a lock held by a live command of ours */
  timeoutMs?: number;
  /** how long an empty lock (client-go writes no pid) may stay before it is taken as left behind */
  emptyGraceMs?: number;
}

/**
 * Runs `fn` holding `<path>.lock` (created with O_EXCL, as client-go's kubeconfig lock).
 * A lock naming a dead process of ours is broken. A lock that cannot be waited out is
 * reported at once, naming the file and what to do: a directory, a pid of an unrelated
 * live process, or an empty lock (kubectl's) that does not go away within a moment.
 */
export function withFileLock<T>(path: string, fn: () => T, { timeoutMs = 10_000, emptyGraceMs = 2_000 }: LockOptions = {}): T {
  const lock = `${path}.lock`;
  const started = Date.now();
  const remove = `; if no kubectl or kubestellar command is using ${path}, remove ${lock}`;
  let fd: number | undefined;
  // when the lock file now there (by inode) was first seen empty: a writer of ours leaves
  // it empty only between its open and its write, kubectl leaves it empty while it holds it
  let empty: { id: string; since: number } | undefined;
  for (let delay = 2; fd === undefined; delay = Math.min(delay * 2, 50)) {
    try {
      fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new CommandError(`cannot create the lock ${lock}: ${describeErrno(err)}`);
    }
    const holder = lockHolder(lock);
    const waited = Date.now() - started;
    switch (holder.kind) {
      case 'directory':
        throw new CommandError(`the lock ${lock} is a directory, not a lock file; remove it (rmdir ${lock})`);
      case 'ours-dead':
        try {
          unlinkSync(lock);
        } catch {
          /* released meanwhile */
        }
        continue;
      case 'live':
        if (!holder.ours) {
          throw new CommandError(`the lock ${lock} names pid ${holder.pid}${holder.command ? ` (${holder.command.slice(0, 60)})` : ''}, which is not a kubectl or kubestellar command${remove}`);
        }
        if (waited > timeoutMs) throw new CommandError(`${lock} is still held by pid ${holder.pid} after ${Math.round(waited / 1000)} s${remove}`);
        break;
      case 'empty':
      case 'garbage': {
        let id: string;
        try {
          const st = statSync(lock);
          id = `${st.ino}:${st.ctimeMs}`; // an inode number may be reused by the next lock
        } catch {
          continue; // released meanwhile
        }
        if (empty?.id !== id) empty = { id, since: Date.now() };
        const emptyFor = Date.now() - empty.since;
        if (emptyFor > emptyGraceMs) {
          throw new CommandError(`the lock ${lock} has been ${holder.kind === 'empty' ? 'empty' : 'unreadable'} for ${(emptyFor / 1000).toFixed(1)} s, probably left by a killed kubectl${remove}`);
        }
        if (waited > timeoutMs) throw new CommandError(`timed out after ${Math.round(waited / 1000)} s waiting for the lock ${lock}${remove}`);
        break;
      }
      case 'gone':
        continue;
    }
    sleepSync(delay + Math.random() * delay);
  }
  try {
    return fn();
  } finally {
    closeSync(fd);
    try {
      unlinkSync(lock);
    } catch {
      /* nothing to do */
    }
  }
}

export function readFileIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CommandError(`cannot read ${path}: ${describeErrno(err)}`);
  }
}
