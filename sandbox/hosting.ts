// The sandbox's hosting mode (`kubestellar-sandbox start --kubernetes`): a plain
// Kubernetes API server (no /clusters/, no workspaces) to deploy KubeStellar's chart
// into with real helm. Beside the API it runs stand-ins for what a cluster does behind
// it: the deployment and replica-set controllers, a kubelet that makes pods Ready, a
// volume provisioner, service IPs, garbage collection by owner, OpenShift's Route host
// assignment, and an SSL-passthrough ingress controller. A KubeStellar core pod (the
// chart's `kcp` and `init` containers) becomes a kcp-compatible sandbox started here.
import { createServer, type Server } from 'node:https';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { writeFileAtomic } from '../lib/util/fsutil.ts';
import { Store } from './store.ts';
import { Core, GR } from './core.ts';
import { Controllers } from './controllers.ts';
import { createHandler } from './server.ts';
import { CLUSTER_ADMIN, newAuthState, type AuthState } from './auth.ts';
import { RequestLog } from './faults.ts';
import { grKey } from './resources.ts';
import { clone, closeServer, nowIso, randomSuffix, type KObj } from './util.ts';
import { ensurePki } from './index.ts';
import { hostingTypes, HOSTING_VERSION } from './hosting-types.ts';
import { startPassthrough } from './hosting-passthrough.ts';
import { coreEnvOf, startCore, type RunningCore } from './hosting-core.ts';
import type { StoreEvent } from './store.ts';

export interface HostingOptions {
  rootDirectory?: string;
  securePort?: number;
  bindAddress?: string;
  /** serve route.openshift.io Routes and assign their hosts, as OpenShift does */
  openshift?: boolean;
  /** the SSL-passthrough ingress/router port (0: a free one) */
  ingressPort?: number;
  /** OpenShift's ingress domain for Route hosts (default apps.sandbox.test) */
  appsDomain?: string;
  requestLog?: string;
}

export interface HostingCluster {
  url: string;
  kubeconfigPath: string;
  ingressPort: number;
  stop(): Promise<void>;
}

/** The one cluster name the store keeps plain Kubernetes objects under (requests without /clusters/ go there). */
const CLUSTER = 'root';
const GRS = {
  pods: grKey('', 'pods'),
  services: grKey('', 'services'),
  pvcs: grKey('', 'persistentvolumeclaims'),
  deployments: grKey('apps', 'deployments'),
  replicasets: grKey('apps', 'replicasets'),
  ingresses: grKey('networking.k8s.io', 'ingresses'),
  routes: grKey('route.openshift.io', 'routes'),
};

function kubeconfigText(url: string, caPem: string, token: string): string {
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}
    server: ${url}
  name: hosting
contexts:
- context:
    cluster: hosting
    namespace: default
    user: hosting-admin
  name: hosting
current-context: hosting
kind: Config
preferences: {}
users:
- name: hosting-admin
  user:
    token: ${token}
`;
}

const readJson = (p: string): KObj | undefined => {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return undefined;
  }
};

export async function startHostingCluster(opts: HostingOptions = {}): Promise<HostingCluster> {
  const dir = resolve(opts.rootDirectory ?? '.kcp');
  const bind = opts.bindAddress ?? '127.0.0.1';
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authPath = join(dir, 'sandbox-auth.json');
  let auth = readJson(authPath) as AuthState | undefined;
  if (!auth?.adminToken || !auth.shardAdminToken || !auth.signingKey) {
    auth = newAuthState();
    writeFileAtomic(authPath, JSON.stringify(auth, null, 2) + '\n', { mode: 0o600, forceMode: true });
  }
  const { ca, serving } = await ensurePki(dir, bind);
  const store = new Store(dir);
  store.open();
  const core = new Core(store, hostingTypes(Boolean(opts.openshift)));
  core.reindex();
  const requestLog = opts.requestLog ? new RequestLog(resolve(opts.requestLog)) : undefined;
  let hostPort = '';
  const handler = createHandler({ core, auth, hostPort: () => hostPort, faults: {}, requestLog, plainVersion: HOSTING_VERSION, adminUser: CLUSTER_ADMIN });
  const server: Server = createServer({ key: serving.keyPem, cert: serving.certPem, ca: ca.certPem }, (req, res) => void handler(req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.securePort ?? 6443, bind, () => (server.off('error', rej), res()));
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.securePort ?? 6443);
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : isIP(bind) === 6 ? `[${bind}]` : bind;
  hostPort = `${host}:${port}`;
  core.baseUrl = `https://${hostPort}`;

  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    if (!store.get(CLUSTER, GR.namespaces, undefined, ns)) {
      core.putRaw(CLUSTER, GR.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    }
  }
  const saControllers = new Controllers(core, { caPem: ca.certPem, auth, mailbox: false });
  saControllers.resync();
  const cluster = new ClusterControllers(core, { volumes: join(dir, 'volumes'), openshift: Boolean(opts.openshift), appsDomain: opts.appsDomain ?? 'apps.sandbox.test' });
  const ingress = await startPassthrough(bind, opts.ingressPort ?? 0, (name) => cluster.backendFor(name), { key: serving.keyPem, cert: serving.certPem });
  cluster.resync();

  const kubeconfigPath = join(dir, 'admin.kubeconfig');
  writeFileAtomic(join(dir, 'ingress-port'), `${ingress.port}\n`);
  writeFileAtomic(kubeconfigPath, kubeconfigText(core.baseUrl, ca.certPem, auth.adminToken), { mode: 0o600 });
  let stopped: Promise<void> | undefined;
  return {
    url: core.baseUrl,
    kubeconfigPath,
    ingressPort: ingress.port,
    stop() {
      stopped ??= (async () => {
        saControllers.stop();
        await cluster.stop();
        await ingress.close();
        handler.closeWatches();
        await closeServer(server);
        store.close();
        requestLog?.close();
      })();
      return stopped;
    },
  };
}

const podReady = (p: KObj) => (p.status?.conditions ?? []).some((c: KObj) => c.type === 'Ready' && c.status === 'True');
const ownedBy = (o: KObj, uid: string) => (o.metadata.ownerReferences ?? []).some((r: KObj) => r.uid === uid);
const matchesLabels = (labels: Record<string, string> | undefined, sel: Record<string, string> | undefined) =>
  Boolean(sel && Object.keys(sel).length) && Object.entries(sel!).every(([k, v]) => labels?.[k] === v);
const claimOf = (pod: KObj | undefined): string | undefined => (pod?.spec?.volumes ?? []).find((v: KObj) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
const ownerRef = (o: KObj) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true });

/** The controllers and kubelet of the hosting cluster, driven by store events. */
class ClusterControllers {
  private readonly unsubscribe: () => void;
  private readonly cores = new Map<string, Promise<RunningCore | undefined>>();
  private readonly endpoints = new Map<string, { host: string; port: number }>();
  /** volume directory -> the stop of the core that used it (Recreate: the next core waits) */
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly queue = new Set<string>();
  private scheduled: NodeJS.Timeout | undefined;
  private stopped = false;
  private nextIp = 10;

  constructor(
    private readonly core: Core,
    private readonly o: { volumes: string; openshift: boolean; appsDomain: string },
  ) {
    this.unsubscribe = core.store.subscribe((ev) => this.onEvent(ev));
  }

  /** Picks up the stored objects at start-up, synchronously: a restarted core pod is not Ready before anyone can ask. */
  resync(): void {
    for (const gr of Object.values(GRS)) for (const obj of this.core.store.list(CLUSTER, gr)) this.enqueue(gr, obj);
    if (this.scheduled) clearTimeout(this.scheduled);
    this.drain();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.scheduled) clearTimeout(this.scheduled);
    await Promise.all([...this.cores.values()].map(async (p) => (await p.catch(() => undefined))?.stop()));
  }

  private log(line: string): void {
    process.stderr.write(`kubestellar-sandbox: ${line}\n`);
  }

  private onEvent(ev: StoreEvent): void {
    if (ev.cluster !== CLUSTER || this.stopped) return;
    if (ev.type === 'DELETED') {
      this.collectGarbage(ev.obj);
      if (ev.gr === GRS.pods) void this.stopPod(ev.obj);
      if (ev.gr === GRS.pvcs) this.releaseVolume(ev.obj);
      if (ev.gr === GRS.replicasets || ev.gr === GRS.pods) this.enqueueOwner(ev.obj);
      return;
    }
    this.enqueue(ev.gr, ev.obj);
  }

  private enqueue(gr: string, obj: KObj): void {
    this.queue.add(`${gr}|${obj.metadata.namespace ?? ''}|${obj.metadata.name}`);
    this.scheduled ??= setTimeout(() => this.drain(), 0);
  }

  private enqueueOwner(obj: KObj): void {
    for (const r of obj.metadata.ownerReferences ?? []) {
      const gr = r.kind === 'ReplicaSet' ? GRS.replicasets : r.kind === 'Deployment' ? GRS.deployments : undefined;
      if (gr) this.queue.add(`${gr}|${obj.metadata.namespace}|${r.name}`);
    }
    this.scheduled ??= setTimeout(() => this.drain(), 0);
  }

  /** Reconciles what changed, in batches (writes here enqueue more work). */
  private drain(): void {
    this.scheduled = undefined;
    for (let round = 0; round < 20 && this.queue.size && !this.stopped; round++) {
      const work = [...this.queue];
      this.queue.clear();
      for (const item of work) {
        const [gr, ns, name] = item.split('|');
        const obj = this.core.store.get(CLUSTER, gr, ns || undefined, name);
        if (!obj) continue;
        try {
          this.reconcile(gr, obj);
        } catch (err) {
          this.log(`reconciling ${gr} ${ns}/${name}: ${(err as Error).message}`);
        }
      }
    }
  }

  private put(gr: string, o: KObj): void {
    this.core.putRaw(CLUSTER, gr, o);
  }

  private reconcile(gr: string, obj: KObj): void {
    switch (gr) {
      case GRS.services:
        if (!obj.spec?.clusterIP && obj.spec?.type !== 'ExternalName') {
          const next = clone(obj);
          next.spec.clusterIP = `10.96.0.${this.nextIp++ % 250}`;
          next.spec.clusterIPs = [next.spec.clusterIP];
          next.spec.type ??= 'ClusterIP';
          this.put(gr, next);
        }
        return;
      case GRS.pvcs:
        if (obj.status?.phase !== 'Bound') this.put(gr, { ...clone(obj), status: { phase: 'Bound', accessModes: obj.spec?.accessModes, capacity: obj.spec?.resources?.requests } });
        return;
      case GRS.routes:
        return this.admitRoute(obj);
      case GRS.deployments:
        return this.reconcileDeployment(obj);
      case GRS.replicasets:
        return this.reconcileReplicaSet(obj);
      case GRS.pods:
        this.runPod(obj);
        this.enqueueOwner(obj);
        return;
    }
  }

  /** OpenShift's router: a Route without a host gets `<name>-<namespace>.<apps domain>`. */
  private admitRoute(r: KObj): void {
    if (r.spec?.host && r.status?.ingress?.length) return;
    const next = clone(r);
    next.spec.host ||= `${r.metadata.name}-${r.metadata.namespace}.${this.o.appsDomain}`;
    next.status = { ingress: [{ host: next.spec.host, routerName: 'default', conditions: [{ type: 'Admitted', status: 'True', lastTransitionTime: nowIso() }] }] };
    this.put(GRS.routes, next);
  }

  private reconcileDeployment(d: KObj): void {
    const ns = d.metadata.namespace;
    const template = d.spec?.template ?? {};
    const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
    const rsName = `${d.metadata.name}-${hash}`;
    const replicas = d.spec?.replicas ?? 1;
    const owned = this.core.store.list(CLUSTER, GRS.replicasets, ns).filter((rs) => ownedBy(rs, d.metadata.uid));
    const revision = 1 + Math.max(0, ...owned.map((x) => Number(x.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)));
    for (const old of owned) if (old.metadata.name !== rsName) this.core.delete(CLUSTER, this.core.typeForGR(CLUSTER, GRS.replicasets)!, ns, old.metadata.name);
    let rs = owned.find((x) => x.metadata.name === rsName);
    const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    if (!rs || rs.spec.replicas !== replicas) {
      rs = this.core.putRaw(CLUSTER, GRS.replicasets, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          ...(rs?.metadata ?? {}),
          name: rsName,
          namespace: ns,
          labels,
          annotations: { 'deployment.kubernetes.io/revision': rs?.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? String(revision) },
          ownerReferences: [ownerRef(d)],
        },
        spec: { replicas, selector: { matchLabels: { ...(d.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash } }, template: { ...clone(template), metadata: { ...(template.metadata ?? {}), labels } } },
        status: rs?.status ?? { replicas: 0 },
      });
    }
    const ready = rs.status?.readyReplicas ?? 0;
    const status = {
      observedGeneration: d.metadata.generation,
      replicas: rs.status?.replicas ?? 0,
      updatedReplicas: rs.status?.replicas ?? 0,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(ready < replicas ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [
        { type: 'Available', status: ready >= replicas ? 'True' : 'False', reason: ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
        { type: 'Progressing', status: 'True', reason: ready >= replicas ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated' },
      ],
    };
    if (JSON.stringify(status) !== JSON.stringify(d.status)) this.put(GRS.deployments, { ...clone(d), status });
  }

  private reconcileReplicaSet(rs: KObj): void {
    const ns = rs.metadata.namespace;
    const pods = this.core.store.list(CLUSTER, GRS.pods, ns).filter((p) => ownedBy(p, rs.metadata.uid));
    const want = rs.spec?.replicas ?? 1;
    const podType = this.core.typeForGR(CLUSTER, GRS.pods)!;
    for (const extra of pods.slice(want)) this.core.delete(CLUSTER, podType, ns, extra.metadata.name);
    for (let i = pods.length; i < want; i++) {
      const t = rs.spec.template ?? {};
      this.core.putRaw(CLUSTER, GRS.pods, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${rs.metadata.name}-${randomSuffix()}`, namespace: ns, labels: { ...(t.metadata?.labels ?? {}) }, ownerReferences: [ownerRef(rs)] },
        spec: { ...clone(t.spec ?? {}), nodeName: 'sandbox-node' },
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
      });
    }
    const live = pods.slice(0, want);
    const ready = live.filter(podReady).length;
    const status = { replicas: live.length, fullyLabeledReplicas: live.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation };
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) this.put(GRS.replicasets, { ...clone(rs), status });
    const owner = (rs.metadata.ownerReferences ?? [])[0];
    if (owner) this.queue.add(`${GRS.deployments}|${ns}|${owner.name}`);
  }

  private setPodStatus(pod: KObj, ready: boolean, message?: string): void {
    const now = this.core.store.get(CLUSTER, GRS.pods, pod.metadata.namespace, pod.metadata.name);
    if (!now || now.metadata.uid !== pod.metadata.uid) return;
    const cond = (type: string) => ({ type, status: ready ? 'True' : 'False', lastTransitionTime: nowIso(), ...(message ? { message } : {}) });
    this.put(GRS.pods, {
      ...clone(now),
      status: {
        phase: 'Running',
        podIP: '10.244.0.2',
        startTime: now.metadata.creationTimestamp,
        conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Initialized', status: 'True' }, cond('ContainersReady'), cond('Ready')],
        containerStatuses: (now.spec?.containers ?? []).map((c: KObj) => ({ name: c.name, image: c.image, ready, started: true, restartCount: 0, state: { running: { startedAt: now.metadata.creationTimestamp } } })),
      },
    });
  }

  /** The kubelet: a pod runs at once; the KubeStellar core pod once its stand-in is up. */
  private runPod(pod: KObj): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.cores.has(key)) return;
    const env = coreEnvOf(pod);
    if (!env) return podReady(pod) ? undefined : this.setPodStatus(pod, true);
    // a core pod without a running core: new, or the sandbox restarted (its volume keeps kcp's state)
    this.setPodStatus(pod, false, 'kcp and KubeStellar are starting');
    this.cores.set(key, this.startCorePod(pod, env));
  }

  private async startCorePod(pod: KObj, env: NonNullable<ReturnType<typeof coreEnvOf>>): Promise<RunningCore | undefined> {
    const ns = pod.metadata.namespace;
    const key = `${ns}/${pod.metadata.name}`;
    const secretType = this.core.typeForGR(CLUSTER, GR.secrets)!;
    try {
      // as the image's kcp container: drop the previous Secret, guess a missing host from the Route or Ingress
      if (this.core.store.get(CLUSTER, GR.secrets, ns, 'kubestellar')) this.core.delete(CLUSTER, secretType, ns, 'kubestellar');
      const hostname = env.externalHostname || (await this.guessHostname(ns));
      const dir = join(this.o.volumes, ns, claimOf(pod) ?? 'ephemeral');
      await this.stopping.get(dir); // one kcp at a time on a volume
      const { core, secretData } = await startCore(dir, env, hostname, (l) => this.log(`pod ${key}: ${l}`));
      if (this.stopped || !this.core.store.get(CLUSTER, GRS.pods, ns, pod.metadata.name)) {
        await core.stop();
        return undefined;
      }
      this.endpoints.set(key, { host: '127.0.0.1', port: core.port });
      this.core.create(CLUSTER, secretType, ns, { metadata: { name: 'kubestellar' }, type: 'Opaque', data: secretData });
      this.setPodStatus(pod, true);
      return core;
    } catch (err) {
      this.log(`pod ${key}: ${(err as Error).message}`);
      this.setPodStatus(pod, false, (err as Error).message);
      return undefined;
    }
  }

  private async guessHostname(ns: string): Promise<string> {
    for (let i = 0; i < 100 && !this.stopped; i++) {
      const route = this.core.store.get(CLUSTER, GRS.routes, ns, 'kubestellar-route');
      if (route?.spec?.host) return route.spec.host;
      const ing = this.core.store.get(CLUSTER, GRS.ingresses, ns, 'kubestellar-ingress');
      if (ing?.spec?.rules?.[0]?.host) return ing.spec.rules[0].host;
      if (!this.o.openshift) break; // an Ingress host is there from the start or never
      await new Promise((r) => setTimeout(r, 50));
    }
    return '';
  }

  private async stopPod(pod: KObj): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.endpoints.delete(key);
    const running = this.cores.get(key);
    this.cores.delete(key);
    const claim = claimOf(pod);
    const dir = join(this.o.volumes, pod.metadata.namespace, claim ?? 'ephemeral');
    const stopped = (async () => (await (await running?.catch(() => undefined))?.stop()))();
    this.stopping.set(dir, stopped);
    await stopped;
    if (this.stopping.get(dir) === stopped) this.stopping.delete(dir);
    if (running && claim && !this.core.store.get(CLUSTER, GRS.pvcs, pod.metadata.namespace, claim)) this.removeVolume(pod.metadata.namespace, claim);
  }

  /** Dynamic provisioning with reclaim policy Delete: the volume goes with its claim, once no core uses it. */
  private releaseVolume(pvc: KObj): void {
    const ns = pvc.metadata.namespace;
    const inUse = [...this.cores.keys()].some((k) => k.startsWith(`${ns}/`) && claimOf(this.core.store.get(CLUSTER, GRS.pods, ns, k.slice(ns.length + 1))) === pvc.metadata.name);
    if (!inUse) this.removeVolume(ns, pvc.metadata.name);
  }

  private removeVolume(ns: string, claim: string): void {
    rmSync(join(this.o.volumes, ns, claim), { recursive: true, force: true });
  }

  /** Background cascading deletion: dependents of a deleted object go too. */
  private collectGarbage(owner: KObj): void {
    const uid = owner.metadata.uid;
    if (!uid) return;
    for (const [gr, o] of [...this.core.store.allIn(CLUSTER)]) {
      if (!ownedBy(o, uid)) continue;
      const type = this.core.typeForGR(CLUSTER, gr);
      if (type && this.core.store.get(CLUSTER, gr, o.metadata.namespace, o.metadata.name)) this.core.delete(CLUSTER, type, o.metadata.namespace, o.metadata.name);
    }
  }

  /** The passthrough target for a TLS server name: Ingress (ssl-passthrough) or passthrough Route → Service → ready pod. */
  backendFor(serverName: string): { host: string; port: number } | undefined {
    const svcOf = (): { ns: string; name: string } | undefined => {
      for (const ing of this.core.store.list(CLUSTER, GRS.ingresses)) {
        if (ing.metadata.annotations?.['nginx.ingress.kubernetes.io/ssl-passthrough'] !== 'true') continue;
        for (const rule of ing.spec?.rules ?? []) {
          const svc = rule.host?.toLowerCase() === serverName && rule.http?.paths?.[0]?.backend?.service?.name;
          if (svc) return { ns: ing.metadata.namespace, name: svc };
        }
      }
      if (!this.o.openshift) return undefined;
      for (const r of this.core.store.list(CLUSTER, GRS.routes)) {
        if (r.spec?.host?.toLowerCase() === serverName && r.spec?.tls?.termination === 'passthrough' && r.spec?.to?.name) return { ns: r.metadata.namespace, name: r.spec.to.name };
      }
      return undefined;
    };
    const ref = svcOf();
    const svc = ref && this.core.store.get(CLUSTER, GRS.services, ref.ns, ref.name);
    if (!svc) return undefined;
    for (const p of this.core.store.list(CLUSTER, GRS.pods, ref.ns)) {
      if (!podReady(p) || !matchesLabels(p.metadata.labels, svc.spec?.selector)) continue;
      const ep = this.endpoints.get(`${ref.ns}/${p.metadata.name}`);
      if (ep) return ep;
    }
    return undefined;
  }
}
