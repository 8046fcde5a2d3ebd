// Where a fetched kubeconfig goes: stdout for "-", else the file, atomically, mode 0600
// (it holds credentials), with a one-line complaint when it cannot be written.
import { CommandError } from '../cli/errors.ts';
import { info, result } from '../cli/output.ts';
import { writeFileAtomic } from '../util/fsutil.ts';

export function writeKubeconfigOut(path: string, text: string): void {
  if (path === '-') return result(text);
  try {
    writeFileAtomic(path, text, { mode: 0o600, forceMode: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CommandError(`cannot write ${path}: ${e.code === 'ENOENT' ? 'no such directory' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : (e.code ?? e.message)}`);
  }
  info(`Wrote ${path}`);
}
