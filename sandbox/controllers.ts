// The controllers kcp (and KubeStellar) run that clients can see: workspace scheduling,
// initialization (default APIBindings) and deletion, namespaces (defaults, Terminating),
// service accounts and their token secrets, APIExport identities (one mechanism: kcp's
// identity Secret, whose key's sha256 is status.identityHash), APIBinding binding
// and deletion, and the optional emulation of KubeStellar's mailbox controller.
import { createHash, randomBytes } from 'node:crypto';
import { Core, GR, CLUSTER_ANNOTATION, PATH_ANNOTATION, PHASE_LABEL } from './core.ts';
import { signServiceAccountToken, type AuthState } from './auth.ts';
import { clone, nowIso, randomClusterName, type KObj } from './util.ts';
import { getType, typeChain, OWNER_ANNOTATION, APIBINDING_FINALIZER } from './admission.ts';
import { defaultBindingObjects } from './seed.ts';

const CLUSTER_NAME_ANNOTATION = 'internal.tenancy.kcp.io/cluster';
const WORKSPACE_FINALIZER = 'core.kcp.io/logicalcluster';
/** first 8 chars of base36 sha224 of the shard name `root` */
const SHARD_HASH = BigInt('0x' + createHash('sha224').update('root').digest('hex')).toString(36).slice(0, 8);
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
import type { StoreEvent } from './store.ts';

const envMs = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && process.env[name] !== '' && process.env[name] !== undefined ? v : dflt;
};

const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME = 'kubernetes.io/service-account.name';
const SA_UID = 'kubernetes.io/service-account.uid';
export const MAILBOX_ANNOTATION = 'edge.kubestellar.io/sync-target-name';
const EDGE_GR = 'edge.kubestellar.io/synctargets';

export interface ControllerOptions {
  caPem: string;
  auth: AuthState;
  mailbox: boolean;
}

export class Controllers {
  private timers = new Set<NodeJS.Timeout>();
  private pending = new Map<string, NodeJS.Timeout>();
  private unsubscribe: () => void;
  private stopped = false;
  private readonly wsStepMs = envMs('KUBESTELLAR_SANDBOX_WORKSPACE_STEP_MS', 120);
  private readonly mailboxDelayMs = envMs('KUBESTELLAR_SANDBOX_MAILBOX_DELAY_MS', 1500);

  constructor(
    private readonly core: Core,
    private readonly opts: ControllerOptions,
  ) {
    this.unsubscribe = core.store.subscribe((ev) => this.onEvent(ev));
  }

  /** Picks up work left by a previous run (after a restart). */
  resync(): void {
    for (const c of this.core.store.clusterNames()) {
      for (const ws of this.core.store.list(c, GR.workspaces)) {
        if (ws.metadata.deletionTimestamp) this.later(`ws-delete-${c}/${ws.metadata.name}`, 0, () => this.finishWorkspace(c, ws.metadata.name));
        else if (ws.status?.phase !== 'Ready') this.advanceWorkspace(c, ws.metadata.name);
      }
      for (const n of this.core.store.list(c, GR.namespaces)) {
        if (n.metadata.deletionTimestamp) this.later(`ns-delete-${c}/${n.metadata.name}`, 0, () => this.finishNamespace(c, n.metadata.name));
        else this.ensureNamespaceDefaults(c, n.metadata.name);
      }
      for (const e of this.core.store.list(c, GR.apiexports)) this.reconcileExport(c, e.metadata.name);
      for (const s of this.core.store.list(c, GR.secrets)) this.fillToken(c, s.metadata.namespace, s.metadata.name);
    }
    this.later('bindings', 0, () => this.reconcileBindings());
    if (this.opts.mailbox) this.later('mailbox', 0, () => this.reconcileMailboxes());
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const t of this.timers) clearTimeout(t);
    for (const t of this.pending.values()) clearTimeout(t);
  }

  private after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) this.guard(fn);
    }, ms);
    this.timers.add(t);
  }

  /** Runs `fn` once after `ms`, however often it is asked for meanwhile. */
  private later(key: string, ms: number, fn: () => void): void {
    if (this.stopped || this.pending.has(key)) return;
    const t = setTimeout(() => {
      this.pending.delete(key);
      if (!this.stopped) this.guard(fn);
    }, ms);
    this.pending.set(key, t);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      process.stderr.write(`kubestellar-sandbox: controller: ${(err as Error).message}\n`);
    }
  }

  private onEvent(ev: StoreEvent): void {
    const { cluster, gr, obj, type } = ev;
    if (gr === GR.workspaces && type === 'ADDED' && obj.status?.phase === 'Scheduling') this.advanceWorkspace(cluster, obj.metadata.name);
    if (gr === GR.workspaces && type === 'MODIFIED' && obj.metadata.deletionTimestamp) this.later(`ws-delete-${cluster}/${obj.metadata.name}`, this.wsStepMs, () => this.finishWorkspace(cluster, obj.metadata.name));
    if (gr === GR.namespaces && type === 'ADDED') this.after(0, () => this.ensureNamespaceDefaults(cluster, obj.metadata.name));
    if (gr === GR.namespaces && type === 'MODIFIED' && obj.metadata.deletionTimestamp) this.later(`ns-delete-${cluster}/${obj.metadata.name}`, 0, () => this.finishNamespace(cluster, obj.metadata.name));
    if (gr === GR.apiexports && type !== 'DELETED') this.after(0, () => this.reconcileExport(cluster, obj.metadata.name));
    if (gr === GR.secrets && type !== 'DELETED' && obj.type === SA_TOKEN_TYPE) this.after(0, () => this.fillToken(cluster, obj.metadata.namespace, obj.metadata.name));
    if (gr === GR.serviceaccounts) {
      this.after(0, () => {
        for (const s of this.core.store.list(cluster, GR.secrets, obj.metadata.namespace)) {
          if (s.type !== SA_TOKEN_TYPE || s.metadata.annotations?.[SA_NAME] !== obj.metadata.name) continue;
          if (type === 'DELETED') this.core.store.delete(cluster, GR.secrets, s.metadata.namespace, s.metadata.name);
          else this.fillToken(cluster, s.metadata.namespace, s.metadata.name);
        }
      });
    }
    if (gr === GR.apibindings || gr === GR.apiexports || gr === GR.apiresourceschemas || gr === GR.logicalclusters) {
      this.later('bindings', 0, () => this.reconcileBindings());
    }
    if (this.opts.mailbox && (gr === EDGE_GR || gr === GR.apibindings || gr === GR.logicalclusters || (gr === GR.workspaces && (type === 'DELETED' || cluster === 'root')))) {
      this.later('mailbox', 50, () => this.reconcileMailboxes());
    }
  }

  // ---- workspaces: Scheduling -> Initializing -> Ready, and deletion ----

  private advanceWorkspace(cluster: string, name: string): void {
    this.after(this.wsStepMs, () => {
      const ws = this.core.store.get(cluster, GR.workspaces, undefined, name);
      if (!ws || ws.metadata.deletionTimestamp) return;
      if (ws.status?.phase === 'Scheduling') this.scheduleWorkspace(cluster, ws);
      else if (ws.status?.phase === 'Initializing') this.initializeWorkspace(cluster, ws);
    });
  }

  /** kcp's scheduling: a new logical cluster (type, owner, initializers), then spec.cluster and spec.URL. */
  private scheduleWorkspace(cluster: string, ws: KObj): void {
    const name: string = ws.metadata.name;
    const parentPath = this.core.pathOf(cluster) ?? cluster;
    const child: string = ws.metadata.annotations?.[CLUSTER_NAME_ANNOTATION] ?? randomClusterName();
    const wtype = { name: ws.spec?.type?.name ?? 'universal', path: ws.spec?.type?.path ?? 'root' };
    const t = getType(this.core, wtype);
    const chain = t ? typeChain(this.core, t) : [];
    const initializers = chain.filter((c) => c.obj.spec?.initializer).map((c) => `${c.ref.path}:${c.ref.name}`);
    const bindings = chain.flatMap((c) => ((c.obj.spec?.defaultAPIBindings ?? []) as KObj[]).map((b) => ({ path: b.path || (this.core.pathOf(c.cluster) ?? c.cluster), export: b.export })));
    if (bindings.length) initializers.push('system:apibindings');
    const owner = ws.metadata.annotations?.[OWNER_ANNOTATION];
    this.core.ensureLogicalCluster(child, `${parentPath}:${name}`, 'Initializing', {
      type: `${wtype.path}:${wtype.name}`,
      annotations: owner ? { [OWNER_ANNOTATION]: owner } : {},
      owner: { apiVersion: 'tenancy.kcp.io/v1alpha1', resource: 'workspaces', name, cluster, uid: ws.metadata.uid },
      initializers,
    });
    // the owner is admin of the new workspace
    if (owner) {
      const username = JSON.parse(owner).username;
      this.core.putRaw(child, GR.clusterrolebindings, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'workspace-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: username }],
      });
    }
    // the initializers' work: the default APIBindings (system:apibindings) and the `default` namespace (root:universal)
    for (const b of defaultBindingObjects(child, bindings, (p) => this.core.resolveCluster(p)?.cluster)) {
      if (!this.core.store.get(child, GR.apibindings, undefined, b.metadata.name)) this.core.putRaw(child, GR.apibindings, b);
    }
    const next = clone(ws);
    next.metadata.annotations = { ...next.metadata.annotations, [CLUSTER_NAME_ANNOTATION]: child, 'internal.tenancy.kcp.io/shard': SHARD_HASH };
    next.metadata.finalizers = [...new Set([...(next.metadata.finalizers ?? []), WORKSPACE_FINALIZER])];
    next.metadata.labels = { ...(next.metadata.labels ?? {}), [PHASE_LABEL]: 'Initializing' };
    next.spec = { ...next.spec, cluster: child, URL: `${this.core.baseUrl}/clusters/${child}` };
    next.status = {
      phase: 'Initializing',
      conditions: [{ type: 'WorkspaceScheduled', status: 'True', lastTransitionTime: nowIso() }, this.initCondition(initializers)],
      initializers,
    };
    this.core.putRaw(cluster, GR.workspaces, next);
    this.advanceWorkspace(cluster, name);
  }

  private initCondition(initializers: string[]): KObj {
    return initializers.length
      ? { type: 'WorkspaceInitialized', status: 'False', severity: 'Info', reason: 'InitializerExists', message: `Initializers still exist: [${initializers.join(' ')}]`, lastTransitionTime: nowIso() }
      : { type: 'WorkspaceInitialized', status: 'True', lastTransitionTime: nowIso() };
  }

  /** Ready once every default APIBinding has bound (kcp's system:apibindings initializer). */
  private initializeWorkspace(cluster: string, ws: KObj): void {
    const child: string = ws.spec.cluster;
    const lc = this.core.store.get(child, GR.logicalclusters, undefined, 'cluster');
    if (!lc) return;
    const pending = this.core.store.list(child, GR.apibindings).filter((b) => !(b.status?.conditions ?? []).some((c: KObj) => c.type === 'InitialBindingCompleted' && c.status === 'True'));
    if (pending.length) {
      this.advanceWorkspace(cluster, ws.metadata.name);
      return;
    }
    this.core.ensureLogicalCluster(child, lc.metadata.annotations[PATH_ANNOTATION], 'Ready');
    const next = clone(ws);
    next.metadata.labels = { ...(next.metadata.labels ?? {}), [PHASE_LABEL]: 'Ready' };
    const owner = next.metadata.annotations?.[OWNER_ANNOTATION];
    if (owner) next.metadata.annotations[OWNER_ANNOTATION] = JSON.stringify({ username: JSON.parse(owner).username });
    next.status = { phase: 'Ready', conditions: [{ type: 'WorkspaceScheduled', status: 'True', lastTransitionTime: nowIso() }, this.initCondition([])] };
    this.core.putRaw(cluster, GR.workspaces, next);
  }

  /** A deleted workspace goes once its logical cluster's content is gone. */
  private finishWorkspace(cluster: string, name: string): void {
    const ws = this.core.store.get(cluster, GR.workspaces, undefined, name);
    if (!ws?.metadata.deletionTimestamp) return;
    if ((ws.metadata.finalizers ?? []).some((f: string) => f !== WORKSPACE_FINALIZER)) return; // others first
    this.core.deleteLogicalCluster(ws.spec?.cluster);
    const next = clone(ws);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f: string) => f !== WORKSPACE_FINALIZER);
    this.core.putRaw(cluster, GR.workspaces, next);
  }

  // ---- namespaces and service accounts ----

  /** A namespace's `default` service account and `kube-root-ca.crt` ConfigMap. */
  private ensureNamespaceDefaults(cluster: string, ns: string): void {
    const n = this.core.store.get(cluster, GR.namespaces, undefined, ns);
    if (!n || n.metadata.deletionTimestamp) return;
    if (!this.core.store.get(cluster, GR.serviceaccounts, ns, 'default')) {
      this.core.putRaw(cluster, GR.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
    }
    if (!this.core.store.get(cluster, GR.configmaps, ns, 'kube-root-ca.crt')) {
      this.core.putRaw(cluster, GR.configmaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kube-root-ca.crt', namespace: ns, annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } },
        data: { 'ca.crt': this.opts.caPem },
      });
    }
  }

  /** The namespace controller: delete the content, then drop the `kubernetes` finalizer. */
  private finishNamespace(cluster: string, ns: string): void {
    const n = this.core.store.get(cluster, GR.namespaces, undefined, ns);
    if (!n?.metadata.deletionTimestamp) return;
    let left = 0;
    for (const [gr, o] of [...this.core.store.allIn(cluster)]) {
      if (o.metadata.namespace !== ns) continue;
      left++;
      const t = this.core.typeForGR(cluster, gr);
      if (t && !o.metadata.deletionTimestamp) this.core.delete(cluster, t, ns, o.metadata.name);
      else if (!t) this.core.store.delete(cluster, gr, ns, o.metadata.name);
    }
    const remaining = [...this.core.store.allIn(cluster)].filter(([, o]) => o.metadata.namespace === ns).length;
    if (remaining) {
      if (left) this.later(`ns-delete-${cluster}/${ns}`, 100, () => this.finishNamespace(cluster, ns));
      return;
    }
    const next = clone(n);
    next.spec = { ...next.spec, finalizers: (next.spec?.finalizers ?? []).filter((f: string) => f !== 'kubernetes') };
    this.core.putRaw(cluster, GR.namespaces, next);
  }

  private fillToken(cluster: string, ns: string, name: string): void {
    const s = this.core.store.get(cluster, GR.secrets, ns, name);
    if (!s || s.type !== SA_TOKEN_TYPE) return;
    const saName = s.metadata.annotations?.[SA_NAME];
    if (!saName) return;
    const sa = this.core.store.get(cluster, GR.serviceaccounts, ns, saName);
    if (!sa) return;
    if (s.data?.token && s.metadata.annotations?.[SA_UID] === sa.metadata.uid) return;
    const token = signServiceAccountToken(this.opts.auth, {
      cluster,
      namespace: ns,
      serviceAccount: saName,
      serviceAccountUid: sa.metadata.uid,
      secretName: name,
    });
    const next = clone(s);
    next.metadata.annotations = { ...next.metadata.annotations, [SA_UID]: sa.metadata.uid };
    next.data = {
      ...(next.data ?? {}),
      'ca.crt': Buffer.from(this.opts.caPem).toString('base64'),
      namespace: Buffer.from(ns).toString('base64'),
      token: Buffer.from(token).toString('base64'),
    };
    this.core.putRaw(cluster, GR.secrets, next);
  }

  // ---- APIExports ----

  /** kcp's APIExport controller: an identity Secret in kcp-system, status.identityHash, the virtual workspace URL. */
  private reconcileExport(cluster: string, name: string): void {
    const exp = this.core.store.get(cluster, GR.apiexports, undefined, name);
    if (!exp) return;
    let ref = exp.spec?.identity?.secretRef;
    if (!ref?.name) {
      if (!this.core.store.get(cluster, GR.namespaces, undefined, 'kcp-system')) {
        this.core.putRaw(cluster, GR.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kcp-system', labels: { 'kubernetes.io/metadata.name': 'kcp-system' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
      }
      if (!this.core.store.get(cluster, GR.secrets, 'kcp-system', name)) {
        const key = Buffer.from(randomBytes(32)).toString('base64url');
        this.core.putRaw(cluster, GR.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'kcp-system' }, type: 'Opaque', data: { key: Buffer.from(key).toString('base64') } });
      }
      ref = { namespace: 'kcp-system', name };
      const next = clone(exp);
      next.spec = { ...next.spec, identity: { ...(next.spec?.identity ?? {}), secretRef: ref } };
      next.metadata.generation = (next.metadata.generation ?? 1) + 1;
      this.core.putRaw(cluster, GR.apiexports, next);
      return; // the write above comes back here as an event
    }
    const secret = this.core.store.get(cluster, GR.secrets, ref.namespace, ref.name);
    const key = secret?.data?.key ? Buffer.from(secret.data.key, 'base64') : undefined;
    const hash = key ? createHash('sha256').update(key).digest('hex') : undefined;
    const status: KObj = { ...(exp.status ?? {}) };
    status.identityHash ??= hash;
    const now = nowIso();
    const ok = Boolean(hash && hash === status.identityHash);
    status.conditions = [
      ok
        ? { type: 'IdentityValid', status: 'True', lastTransitionTime: now }
        : { type: 'IdentityValid', status: 'False', severity: 'Error', reason: 'IdentityVerificationFailed', message: `hash mismatch: identity secret hash ${JSON.stringify(hash ?? '')} must match status.identityHash ${JSON.stringify(status.identityHash ?? '')}`, lastTransitionTime: now },
      { type: 'VirtualWorkspaceURLsReady', status: 'True', lastTransitionTime: now },
    ].map((c) => {
      const prev = (exp.status?.conditions ?? []).find((x: KObj) => x.type === c.type);
      return prev && prev.status === c.status && prev.reason === c.reason ? prev : c;
    });
    status.virtualWorkspaces = [{ url: `${this.core.baseUrl}/services/apiexport/${cluster}/${name}` }];
    if (!status.identityHash) delete status.identityHash;
    if (JSON.stringify(status) === JSON.stringify(exp.status)) return;
    this.core.putRaw(cluster, GR.apiexports, { ...clone(exp), status });
  }

  // ---- APIBindings ----

  private reconcileBindings(): void {
    for (const c of this.core.store.clusterNames()) {
      for (const b of this.core.store.list(c, GR.apibindings)) this.reconcileBinding(c, b);
    }
  }

  private reconcileBinding(cluster: string, b: KObj): void {
    if (b.metadata.deletionTimestamp) {
      this.finishBinding(cluster, b);
      return;
    }
    const ref = b.spec?.reference?.export ?? {};
    // kcp: no path means the binding's own logical cluster, named by its cluster name in messages
    const path: string = ref.path || cluster;
    const exportCluster = this.core.resolveCluster(path)?.cluster;
    const exp = exportCluster ? this.core.store.get(exportCluster, GR.apiexports, undefined, ref.name ?? '') : undefined;
    const next = clone(b);
    const now = nowIso();
    const cond = (type: string, status: string, reason?: string, message?: string, severity = 'Error') => {
      const prev = (b.status?.conditions ?? []).find((x: KObj) => x.type === type);
      const c: KObj = { type, status, lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : now };
      if (reason) c.reason = reason;
      if (message) c.message = message;
      if (status === 'False') c.severity = severity;
      return c;
    };
    if (!exp || !exportCluster || !exp.status?.identityHash) {
      // kcp's binding reconciler only marks APIExportValid False: the phase (Binding, or Bound once bound)
      // and the other conditions stay; Ready mirrors InitialBindingCompleted
      const invalid = !exp || !exportCluster
        ? cond('APIExportValid', 'False', 'APIExportNotFound', `APIExport ${path}|${ref.name ?? ''} not found`)
        : cond('APIExportValid', 'False', 'MissingIdentityHash', `APIExport ${path}|${ref.name ?? ''} is missing status.identityHash`, 'Warning');
      const kept = ((b.status?.conditions ?? []) as KObj[]).filter((c) => c.type !== 'APIExportValid' && c.type !== 'Ready');
      if (!kept.some((c) => c.type === 'InitialBindingCompleted')) kept.push(cond('InitialBindingCompleted', 'False', 'WaitingForEstablished', 'Waiting for API(s) to be established', 'Info'));
      const initial = kept.find((c) => c.type === 'InitialBindingCompleted')!;
      const ready = cond('Ready', initial.status, initial.reason, initial.message, initial.severity);
      next.status = { ...(b.status ?? {}), phase: b.status?.phase || 'Binding', conditions: [invalid, ...kept, ready].sort((x, y) => (x.type === 'Ready' ? 1 : y.type === 'Ready' ? -1 : x.type.localeCompare(y.type))) };
    } else {
      const identityHash: string = exp.status?.identityHash ?? '';
      const boundResources: KObj[] = [];
      const missing: string[] = [];
      for (const schemaName of exp.spec?.latestResourceSchemas ?? []) {
        const s = this.core.store.get(exportCluster, GR.apiresourceschemas, undefined, schemaName);
        if (!s) {
          missing.push(schemaName);
          continue;
        }
        const versions: KObj[] = s.spec?.versions ?? [];
        boundResources.push({
          group: s.spec?.group ?? '',
          resource: s.spec?.names?.plural,
          schema: { name: schemaName, UID: s.metadata.uid, identityHash },
          storageVersions: versions.filter((v) => v.storage).map((v) => v.name),
        });
      }
      next.status = {
        phase: 'Bound',
        apiExportClusterName: exportCluster,
        boundResources,
        conditions: [
          cond('APIExportValid', 'True'),
          cond('BindingUpToDate', missing.length ? 'False' : 'True', missing.length ? 'SchemaNotFound' : undefined, missing.length ? `APIResourceSchemas not found: ${missing.join(', ')}` : undefined),
          cond('InitialBindingCompleted', 'True'),
          cond('PermissionClaimsApplied', 'True'),
          cond('PermissionClaimsValid', 'True'),
          cond('Ready', 'True'),
        ],
      };
    }
    if (JSON.stringify(next.status) !== JSON.stringify(b.status)) this.core.putRaw(cluster, GR.apibindings, next);
  }

  /** kcp's APIBinding deletion: the bound resources' objects go, then the finalizer. */
  private finishBinding(cluster: string, b: KObj): void {
    const bound = new Set((b.status?.boundResources ?? []).map((r: KObj) => `${r.group ?? ''}/${r.resource}`));
    const stillBoundElsewhere = new Set(
      this.core.store
        .list(cluster, GR.apibindings)
        .filter((o) => o.metadata.name !== b.metadata.name)
        .flatMap((o) => (o.status?.boundResources ?? []).map((r: KObj) => `${r.group ?? ''}/${r.resource}`)),
    );
    for (const [gr, o] of [...this.core.store.allIn(cluster)]) if (bound.has(gr) && !stillBoundElsewhere.has(gr)) this.core.store.delete(cluster, gr, o.metadata.namespace, o.metadata.name);
    const next = clone(b);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f: string) => f !== APIBINDING_FINALIZER);
    this.core.putRaw(cluster, GR.apibindings, next);
  }

  // ---- KubeStellar's mailbox controller ----

  /**
   * As v0.14's mailbox controller: for every SyncTarget reachable through the ESPW's
   * edge export, a child of root named `<its workspace's logical cluster>-mb-<its UID>`
   * (created with no type, so it gets root's default child type) holding the binding
   * `bind-edge`; and every child of root whose name splits in two on `-mb-` with no
   * such SyncTarget is deleted. Mailboxes older cores left under the ESPW are not touched.
   */
  private reconcileMailboxes(): void {
    const espw = this.core.resolveCluster('root:espw')?.cluster;
    if (!espw) return;
    const parent = 'root';
    const wanted = new Map<string, { stName: string }>();
    for (const c of this.core.store.clusterNames()) {
      const bound = this.core.store
        .list(c, GR.apibindings)
        .some((b) => b.status?.phase === 'Bound' && b.status.apiExportClusterName === espw && b.spec?.reference?.export?.name === 'edge.kubestellar.io');
      if (!bound) continue;
      for (const st of this.core.store.list(c, EDGE_GR)) {
        if (st.metadata.deletionTimestamp) continue;
        wanted.set(`${st.metadata.annotations?.[CLUSTER_ANNOTATION] ?? c}-mb-${st.metadata.uid}`, { stName: st.metadata.name });
      }
    }
    const t = this.core.typeForGR(parent, GR.workspaces)!;
    for (const ws of this.core.store.list(parent, GR.workspaces)) {
      const name: string = ws.metadata.name;
      if (name.split('-mb-').length !== 2 || ws.metadata.deletionTimestamp) continue;
      if (!wanted.has(name)) {
        this.core.delete(parent, t, undefined, name, { preconditionUid: ws.metadata.uid });
      } else if (ws.status?.phase === 'Ready') {
        this.ensureEdgeBinding(ws.spec.cluster);
      } else {
        this.later(`mailbox-${name}`, this.wsStepMs + 10, () => this.reconcileMailboxes());
      }
    }
    for (const [name, { stName }] of wanted) {
      if (this.core.store.get(parent, GR.workspaces, undefined, name)) continue;
      this.later(`mailbox-create-${name}`, this.mailboxDelayMs, () => {
        if (this.core.store.get(parent, GR.workspaces, undefined, name)) return;
        this.core.create(
          parent,
          t,
          undefined,
          {
            apiVersion: 'tenancy.kcp.io/v1alpha1',
            kind: 'Workspace',
            metadata: { name, annotations: { [MAILBOX_ANNOTATION]: stName } },
            // no type, as the real controller: kcp gives root's default child type
            spec: {},
          },
        );
      });
    }
  }

  private ensureEdgeBinding(mbCluster: string): void {
    if (this.core.store.get(mbCluster, GR.apibindings, undefined, 'bind-edge')) return;
    this.core.putRaw(mbCluster, GR.apibindings, {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIBinding',
      metadata: { name: 'bind-edge' },
      spec: { reference: { export: { path: 'root:espw', name: 'edge.kubestellar.io' } } },
    });
  }
}
