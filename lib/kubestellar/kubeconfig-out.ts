// Where a fetched kubeconfig goes: stdout for "-", else the file, atomically, mode 0600
// (it holds credentials); writeFileAtomic names what is wrong when it cannot be written.
import { info, result } from '../cli/output.ts';
import { writeFileAtomic } from '../util/fsutil.ts';

export function writeKubeconfigOut(path: string, text: string): void {
  if (path === '-') return result(text);
  writeFileAtomic(path, text, { mode: 0o600, forceMode: true });
  info(`Wrote ${path}`);
}
