// The deployed KubeStellar core as seen from its hosting cluster: the pod labelled
// app=kubestellar and the Secret `kubestellar` its kcp container writes. deploy waits for
// the pod; get-internal/external-kubeconfig wait for the pod and the Secret's key.
// The original polled `kubectl exec POD -c init -- ls /home/kubestellar/ready` every
// 10 s; the chart's readiness probes test that file, so the pod's Ready condition says
// the same thing without exec rights or a shell in the image.
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError, EXIT, isApiError } from '../cli/errors.ts';
import { progress, trace } from '../cli/output.ts';
import type { ApiClient } from '../kcp/client.ts';
import type { KubeObject, ResourceType } from '../kcp/resources.ts';

export const CORE_SELECTOR = 'app=kubestellar';
export const CORE_SECRET = 'kubestellar';
export const DEFAULT_WAIT_MS = 5 * 60_000; // helm's default --timeout

const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true };
const SECRETS: ResourceType = { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true };

interface Pod extends KubeObject {
  status?: { phase?: string; conditions?: { type: string; status: string; message?: string }[]; containerStatuses?: { name: string; ready: boolean }[] };
}
interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface CoreWait {
  namespace: string;
  timeoutMs: number;
  /** also wait until Secret `kubestellar` has this key, and return its decoded value */
  secretKey?: string;
  /** between polls (default 1 s) */
  intervalMs?: number;
}

const isReady = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Go-style rendering of a duration for messages: 5m0s, 30s, 1.5s. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Number(((ms % 60_000) / 1000).toFixed(3))}s`;
}

/** What stands between now and done, in words (also the timeout message). */
function describe(pod: Pod | undefined, ns: string, secret: Secret | undefined, key: string | undefined): string {
  if (!pod) return `no pod with label ${CORE_SELECTOR} in namespace ${ns} yet`;
  if (!isReady(pod)) {
    const cs = pod.status?.containerStatuses ?? [];
    const counts = cs.length ? ` (${cs.filter((c) => c.ready).length}/${cs.length} containers ready)` : '';
    return `pod ${pod.metadata.name} in namespace ${ns} is not Ready${counts}`;
  }
  if (key && !secret) return `Secret ${CORE_SECRET} in namespace ${ns} does not exist yet`;
  if (key) return `Secret ${CORE_SECRET} in namespace ${ns} has no key ${key} (was the core deployed without an external hostname?)`;
  return 'ready';
}

/**
 * Waits (bounded) until the core pod is Ready and, with `secretKey`, the Secret has it.
 * Returns the pod's name and the key's decoded value.
 */
export async function waitForCore(client: ApiClient, w: CoreWait): Promise<{ pod: string; value?: string }> {
  const deadline = Date.now() + w.timeoutMs;
  const what = `pod ${CORE_SELECTOR} in namespace ${w.namespace} to be Ready${w.secretKey ? ` and Secret ${CORE_SECRET} to hold ${w.secretKey}` : ''}`;
  const bar = progress(`Waiting for ${what} (timeout ${formatDuration(w.timeoutMs)})`);
  let state = '';
  try {
    for (;;) {
      const pods = await client.list<Pod>(PODS, { namespace: w.namespace, labelSelector: CORE_SELECTOR });
      const pod = pods.items.find(isReady) ?? pods.items[0];
      let secret: Secret | undefined;
      if (pod && isReady(pod) && w.secretKey) secret = await client.find<Secret>(SECRETS, CORE_SECRET, w.namespace);
      const encoded = w.secretKey ? secret?.data?.[w.secretKey] : undefined;
      if (pod && isReady(pod) && (!w.secretKey || encoded !== undefined)) {
        bar.stop(`Pod ${pod.metadata.name} is Ready`);
        return { pod: pod.metadata.name, value: encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8') };
      }
      const now = describe(pod, w.namespace, secret, w.secretKey);
      if (now !== state) trace(now);
      state = now;
      bar.update(`Waiting: ${now}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new CommandError(`timed out after ${formatDuration(w.timeoutMs)} waiting for ${what}: ${now}`, EXIT.timeout);
      await sleep(Math.min(w.intervalMs ?? 1000, left));
    }
  } catch (err) {
    bar.stop();
    if (isApiError(err, 'Forbidden') || isApiError(err, 'Unauthorized')) throw new CommandError(`cannot read pods and secrets in namespace ${w.namespace} of the hosting cluster: ${(err as Error).message}`, (err as CommandError).exitCode);
    throw err;
  }
}
