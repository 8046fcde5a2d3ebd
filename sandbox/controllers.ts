// The controllers kcp (and KubeStellar) run that clients can see: workspace phases,
// service accounts and their token secrets, APIBinding binding, and the optional
// emulation of KubeStellar's mailbox controller.
import { createHash } from 'node:crypto';
import { Core, GR, CLUSTER_ANNOTATION } from './core.ts';
import { signServiceAccountToken, type AuthState } from './auth.ts';
import { clone, nowIso, type KObj } from './util.ts';
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
      for (const ws of this.core.store.list(c, GR.workspaces)) if (ws.status?.phase !== 'Ready') this.advanceWorkspace(c, ws.metadata.name);
      for (const s of this.core.store.list(c, GR.secrets)) this.fillToken(c, s.metadata.namespace, s.metadata.name);
    }
    this.later('bindings', 0, () => this.reconcileBindings());
    this.later('exports', 0, () => this.reconcileExports());
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
    if (gr === GR.namespaces && type === 'ADDED') this.after(0, () => this.ensureDefaultServiceAccount(cluster, obj.metadata.name));
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
    if (gr === GR.apiexports && type !== 'DELETED') this.later('exports', 0, () => this.reconcileExports());
    if (this.opts.mailbox && (gr === EDGE_GR || gr === GR.apibindings || gr === GR.logicalclusters || (gr === GR.workspaces && (type === 'DELETED' || cluster === 'root')))) {
      this.later('mailbox', 50, () => this.reconcileMailboxes());
    }
  }

  // ---- workspaces: Scheduling -> Initializing -> Ready ----

  private advanceWorkspace(cluster: string, name: string): void {
    this.after(this.wsStepMs, () => {
      const ws = this.core.store.get(cluster, GR.workspaces, undefined, name);
      if (!ws) return;
      const parentPath = this.core.pathOf(cluster) ?? cluster;
      const child = ws.spec.cluster;
      const next = clone(ws);
      if (ws.status?.phase === 'Scheduling') {
        this.core.ensureLogicalCluster(child, `${parentPath}:${name}`, 'Initializing');
        next.status = {
          phase: 'Initializing',
          conditions: [{ type: 'WorkspaceScheduled', status: 'True', lastTransitionTime: nowIso() }],
        };
        this.core.putRaw(cluster, GR.workspaces, next);
        this.advanceWorkspace(cluster, name);
      } else if (ws.status?.phase === 'Initializing') {
        this.core.ensureLogicalCluster(child, `${parentPath}:${name}`, 'Ready');
        next.status = {
          phase: 'Ready',
          conditions: [
            { type: 'WorkspaceScheduled', status: 'True', lastTransitionTime: nowIso() },
            { type: 'WorkspaceInitialized', status: 'True', lastTransitionTime: nowIso() },
          ],
        };
        this.core.putRaw(cluster, GR.workspaces, next);
      }
    });
  }

  // ---- service accounts ----

  private ensureDefaultServiceAccount(cluster: string, ns: string): void {
    if (!this.core.store.get(cluster, GR.namespaces, undefined, ns)) return;
    if (this.core.store.get(cluster, GR.serviceaccounts, ns, 'default')) return;
    this.core.putRaw(cluster, GR.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
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

  // ---- APIExports: identity and virtual workspace URL, as kcp's apiexport controller sets them ----

  private reconcileExports(): void {
    for (const c of this.core.store.clusterNames()) {
      for (const e of this.core.store.list(c, GR.apiexports)) {
        // the same identity the bindings report (kcp: sha256 of the identity Secret's key)
        const identityHash = e.status?.identityHash ?? createHash('sha256').update(e.metadata.uid).digest('hex');
        const url = `${this.core.baseUrl}/services/apiexport/${c}/${e.metadata.name}`;
        if (e.status?.identityHash === identityHash && e.status?.virtualWorkspaces?.[0]?.url === url) continue;
        const now = nowIso();
        const next = clone(e);
        next.status = {
          ...(e.status ?? {}),
          identityHash,
          virtualWorkspaces: [{ url }],
          conditions: [
            { type: 'IdentityValid', status: 'True', lastTransitionTime: now },
            { type: 'VirtualWorkspaceURLsReady', status: 'True', lastTransitionTime: now },
          ],
        };
        this.core.putRaw(c, GR.apiexports, next);
      }
    }
  }

  // ---- APIBindings ----

  private reconcileBindings(): void {
    for (const c of this.core.store.clusterNames()) {
      for (const b of this.core.store.list(c, GR.apibindings)) this.reconcileBinding(c, b);
    }
  }

  private reconcileBinding(cluster: string, b: KObj): void {
    const ref = b.spec?.reference?.export ?? {};
    const path: string = ref.path || this.core.pathOf(cluster) || cluster;
    const exportCluster = this.core.resolveCluster(path)?.cluster;
    const exp = exportCluster ? this.core.store.get(exportCluster, GR.apiexports, undefined, ref.name ?? '') : undefined;
    const next = clone(b);
    const now = nowIso();
    const cond = (type: string, status: string, reason?: string, message?: string) => {
      const prev = (b.status?.conditions ?? []).find((x: KObj) => x.type === type);
      const c: KObj = { type, status, lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : now };
      if (reason) c.reason = reason;
      if (message) c.message = message;
      if (status === 'False') c.severity = 'Error';
      return c;
    };
    if (!exp || !exportCluster) {
      const why = `APIExport ${path}:${ref.name ?? ''} not found`;
      next.status = {
        ...(b.status?.phase === 'Bound' ? {} : {}),
        phase: 'Binding',
        conditions: [cond('APIExportValid', 'False', 'APIExportNotFound', why), cond('Ready', 'False', 'APIExportNotFound', why)],
      };
    } else {
      const identityHash = createHash('sha256').update(exp.metadata.uid).digest('hex');
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
          { addressedByName: true },
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
