// Small pieces the doctor's sections share: how a fix names a workspace, and how an
// APIBinding that is not Bound explains itself.
import type { ApiClient } from '../../kcp/client.ts';
import type { KubeObject } from '../../kcp/resources.ts';

/** `kubectl --server BASE/clusters/PATH`: plain kubectl aimed at one workspace. */
export const kubectlIn = (root: ApiClient, path: string) => `kubectl --server ${root.base}/clusters/${path}`;

export interface Binding extends KubeObject {
  spec?: { reference?: { export?: { path?: string; name?: string } } };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** Undefined when `b` is Bound to `path`/`name`; else why not, from the binding's own conditions. */
export function bindingProblem(b: Binding | undefined, bindingName: string, path: string, name: string): string | undefined {
  if (!b) return `no APIBinding ${bindingName}`;
  const ref = b.spec?.reference?.export;
  const wrongRef = ref?.name !== name || (ref?.path ?? '') !== path ? `it imports ${ref?.path ?? '(here)'}:${ref?.name ?? '?'}, not ${path}:${name}` : undefined;
  if (b.status?.phase === 'Bound') return wrongRef ? `APIBinding ${bindingName} is Bound, but ${wrongRef}` : undefined;
  const failing = (b.status?.conditions ?? []).filter((c) => c.status !== 'True' && c.type !== 'Ready');
  const why = (failing.length ? failing : (b.status?.conditions ?? []).filter((c) => c.status !== 'True'))
    .map((c) => `${c.type} ${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`)
    .join('; ');
  return `APIBinding ${bindingName} is ${b.status?.phase ?? 'not bound'}${why ? ` (${why})` : ''}${wrongRef ? `; ${wrongRef}` : ''}`;
}

export const lastSegment = (path: string) => path.slice(path.lastIndexOf(':') + 1);
export const parentPath = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf(':')));
