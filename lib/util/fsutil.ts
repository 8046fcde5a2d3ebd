// Files that are never seen half-written: write to a temp file beside the target,
// fsync, rename. And a lock file so that read-modify-write cycles by concurrent
// commands on one file serialize instead of losing each other's edits.
import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, statSync, readFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CommandError } from '../cli/errors.ts';

export interface WriteOptions {
  /** file mode for a new file; an existing file keeps its mode unless `forceMode` */
  mode?: number;
  forceMode?: boolean;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  let mode = opts.mode ?? 0o644;
  if (!opts.forceMode) {
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      /* new file */
    }
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    chmodSync(tmp, mode); // umask may have narrowed the mode given to open
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
}

/** The lock names its holder's pid; true when that process no longer exists (killed with -9). */
function lockOwnerGone(lock: string): boolean {
  const pid = Number(readFileSync(lock, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `fn` holding `<path>.lock` (created with O_EXCL, as client-go's kubeconfig lock).
 * A lock older than `staleMs` is taken to be left by a killed process and broken.
 */
export function withFileLock<T>(path: string, fn: () => T, { timeoutMs = 10_000, staleMs = 30_000 } = {}): T {
  const lock = `${path}.lock`;
  const deadline = Date.now() + timeoutMs;
  let fd: number | undefined;
  for (let delay = 2; fd === undefined; delay = Math.min(delay * 2, 50)) {
    try {
      fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs || lockOwnerGone(lock)) unlinkSync(lock);
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new CommandError(`timed out waiting for the lock ${lock}`);
      sleepSync(delay + Math.random() * delay);
    }
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
    throw err;
  }
}
