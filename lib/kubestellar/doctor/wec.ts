// Section 6 (with --wec-kubeconfig FILE --synctarget NAME): the syncer as the workload
// execution cluster runs it: its namespace, its Deployment Available, and the
// kubeconfig in its Secret reaching the mailbox workspace with its token.
import { isApiError } from '../../cli/errors.ts';
import { ApiClient, connect } from '../../kcp/client.ts';
import { NAMESPACES, SECRETS, type KubeObject } from '../../kcp/resources.ts';
import { loadYaml } from '../../util/yaml.ts';
import { fail, type Runner } from './runner.ts';
import type { Pair } from './mailbox.ts';

const S = 6;

export interface WecTarget {
  kubeconfig: string;
  syncTarget: string;
}

interface Deployment extends KubeObject {
  status?: { replicas?: number; availableReplicas?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

interface SyncerKubeconfig {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean } }[];
  users?: { user?: { token?: string } }[];
}


/** Adds the checks of each WEC; returns the clients they open, for the caller to close. */
export function wecChecks(runner: Runner, targets: WecTarget[], pairs: Promise<Pair[]>): ApiClient[] {
  const opened: ApiClient[] = [];
  targets.forEach((t, i) => {
    const subject = `WEC ${t.syncTarget}`;
    const manifest = `${t.syncTarget}-syncer.yaml`;
    const apply = `KUBECONFIG=${t.kubeconfig} kubectl apply -f ${manifest}`;
    const pair = pairs.then((ps) => ps.find((p) => p.name === t.syncTarget));

    const located = runner.add<Pair>({
      name: `${subject}: SyncTarget`,
      order: [S, i, 0],
      run: async () => {
        const p = await pair;
        if (!p) return fail(`no SyncTarget ${t.syncTarget} in the IMWs checked above`, `kubectl kubestellar ensure location --imw <imw> ${t.syncTarget} <key=value>`);
        return { detail: `${p.imw} ${p.name}`, value: p };
      },
    });

    const namespace = runner.add<{ client: ApiClient; id: string }>({
      name: `${subject}: syncer namespace`,
      order: [S, i, 1],
      needs: [located],
      run: async () => {
        const p = (await located.value)!;
        const syncer = await p.syncer.value;
        if (!syncer) return fail(`the syncer identity of ${t.syncTarget} failed above, so its namespace is unknown`, `kubectl kubestellar prep-for-syncer --imw ${p.imw} ${t.syncTarget}`);
        let wec: ApiClient;
        try {
          wec = await connect({ kubeconfig: t.kubeconfig }, { defaultTimeoutMs: 10_000, retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 } });
          opened.push(wec);
        } catch (err) {
          return fail(`${t.kubeconfig}: ${(err as Error).message}`, 'give the kubeconfig of the workload execution cluster');
        }
        let ns: KubeObject | undefined;
        try {
          ns = await wec.find(NAMESPACES, syncer.id);
        } catch (err) {
          return fail(`cannot read the WEC through ${t.kubeconfig}: ${(err as Error).message}`, `KUBECONFIG=${t.kubeconfig} kubectl get namespaces   # check the WEC's kubeconfig`);
        }
        if (!ns) return fail(`no namespace ${syncer.id} in the WEC: the syncer manifest was not applied`, apply);
        return { detail: `${syncer.id}`, value: { client: wec, id: syncer.id } };
      },
    });

    runner.add<void>({
      name: `${subject}: syncer Deployment`,
      order: [S, i, 2],
      needs: [namespace],
      run: async () => {
        const { client, id } = (await namespace.value)!;
        let d: Deployment;
        try {
          d = await client.request<Deployment>({ method: 'GET', path: `/apis/apps/v1/namespaces/${id}/deployments/${id}` });
        } catch (err) {
          if (isApiError(err, 'NotFound')) return fail(`no Deployment ${id} in namespace ${id}`, apply);
          throw err;
        }
        const avail = d.status?.conditions?.find((c) => c.type === 'Available');
        if (avail?.status !== 'True') {
          const why = avail ? `${avail.reason ?? ''}${avail.message ? `: ${avail.message}` : ''}` : 'no Available condition yet';
          return fail(`Deployment ${id} is not Available (${d.status?.availableReplicas ?? 0}/${d.status?.replicas ?? 0} replicas; ${why})`, `KUBECONFIG=${t.kubeconfig} kubectl -n ${id} describe deployment ${id}; KUBECONFIG=${t.kubeconfig} kubectl -n ${id} logs deployment/${id}`);
        }
        return { detail: `Deployment ${id} Available` };
      },
    });

    runner.add<void>({
      name: `${subject}: syncer kubeconfig`,
      order: [S, i, 3],
      needs: [namespace],
      run: async () => {
        const { client, id } = (await namespace.value)!;
        const p = (await located.value)!;
        const mb = await p.mailbox.value;
        if (!mb) return fail(`the mailbox workspace of ${t.syncTarget} failed above`, 'kubestellar start');
        const secret = await client.find<KubeObject & { data?: Record<string, string> }>(SECRETS, id, id);
        if (!secret?.data?.kubeconfig) return fail(`no Secret ${id} with a kubeconfig in namespace ${id}`, apply);
        let cfg: SyncerKubeconfig;
        try {
          cfg = (await loadYaml()).parse(Buffer.from(secret.data.kubeconfig, 'base64').toString('utf8')) as SyncerKubeconfig;
        } catch (err) {
          return fail(`Secret ${id}: the kubeconfig does not parse: ${(err as Error).message}`, apply);
        }
        const cluster = cfg?.clusters?.[0]?.cluster;
        const token = cfg?.users?.[0]?.user?.token;
        if (!cluster?.server || !token) return fail(`Secret ${id}: the kubeconfig has no server or no token`, apply);
        const caData = cluster['certificate-authority-data'];
        const conn = {
          server: `${cluster.server.replace(/\/+$/, '')}/clusters/${mb.path}`,
          ca: caData ? Buffer.from(caData, 'base64') : undefined,
          insecure: cluster['insecure-skip-tls-verify'] === true,
          token,
          namespace: 'default',
          timeoutMs: 5000,
          contextName: 'default-context',
        };
        const probe = new ApiClient(conn, { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 });
        const redo = `kubectl kubestellar prep-for-syncer --imw ${p.imw} ${t.syncTarget} && ${apply}`;
        try {
          await probe.request({ method: 'GET', path: `/api/v1/namespaces/default/serviceaccounts/${id}` });
        } catch (err) {
          if (isApiError(err, 'Unauthorized')) return fail(`the mailbox workspace ${mb.path} rejects the syncer's token (revoked, or from an older prep-for-syncer)`, redo);
          return fail(`the syncer's kubeconfig does not reach ${mb.path}: ${(err as Error).message}`, redo);
        } finally {
          probe.close();
        }
        return { detail: `${cluster.server} reaches ${mb.path} with the syncer's token` };
      },
    });
  });
  return opened;
}
