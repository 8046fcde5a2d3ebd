// `kubestellar init`'s steps as reusable functions: wait for the server, ensure the
// ESPW with the edge API, augment root:compute, ensure inventory workspaces. Every step
// reads first and writes only what differs, so a second run sends no mutating request
// and a run interrupted anywhere is finished by the next one.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../kcp/client.ts';
import { ApiError, CommandError, isApiError, isPermanent } from '../cli/errors.ts';
import { progress } from '../cli/output.ts';
import {
  APIBINDINGS,
  APIEXPORTS,
  APIRESOURCESCHEMAS,
  CLUSTERROLEBINDINGS,
  CLUSTERROLES,
  WORKSPACES,
  type KubeObject,
  type Workspace,
} from '../kcp/resources.ts';
import { parentOf, typeString, isValidPath, parseType, type WorkspaceNavigator } from '../kcp/workspace.ts';
import {
  EDGE_EXPORT,
  WORKLOAD_EXPORTS,
  canonicalJson,
  edgeSchemas,
  workloadSchemas,
  type APIResourceSchema,
} from './kinds.ts';

export const ESPW_PATH = 'root:espw';
export const COMPUTE_PATH = 'root:compute';
export const BIND_ROLE = 'compute:apiexport:kubernetes-extended:bind';
export const MAXIMAL_ROLE = 'compute:apiexport:kubernetes:maximal-permission-policy-extended';
export const MAXIMAL_BINDING = 'compute:authenticated:apiexport:kubernetes:maximal-permission-policy-extended';
export const BINDING_GROUP = 'apis.kcp.io:binding:system:authenticated';

export type Print = (line: string) => void;

interface APIExport extends KubeObject {
  spec?: { latestResourceSchemas?: string[]; maximalPermissionPolicy?: { local?: Record<string, never> }; [k: string]: unknown };
}
interface APIBinding extends KubeObject {
  spec: { reference: { export: { path?: string; name: string } }; [k: string]: unknown };
  status?: { phase?: string; conditions?: { type: string; status: string; message?: string }[] };
}
interface ClusterRole extends KubeObject {
  rules: { apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; verbs: string[] }[];
}
interface ClusterRoleBinding extends KubeObject {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { apiGroup?: string; kind: string; name: string; namespace?: string }[];
}

// ---- waiting for the server ----

export interface WaitOptions {
  /** 0 or undefined: wait forever */
  timeoutMs?: number;
  /** how often to try (default 1 s, rising from 100 ms) */
  maxDelayMs?: number;
}

/**
 * Waits until the server answers and root:compute is usable: the workspace is Ready and
 * its `kubernetes` APIExport can be read. Progress on stderr (a spinner on a terminal).
 */
export async function waitForServer(root: ApiClient, opts: WaitOptions = {}): Promise<void> {
  const started = Date.now();
  const deadline = opts.timeoutMs ? started + opts.timeoutMs : Infinity;
  const compute = root.forWorkspace(COMPUTE_PATH);
  let shown: ReturnType<typeof progress> | undefined;
  let last = '';
  for (let delay = 100; ; delay = Math.min(delay * 2, opts.maxDelayMs ?? 1000)) {
    try {
      const ws = await root.forWorkspace('root').request<Workspace>({ method: 'GET', path: '/apis/tenancy.kcp.io/v1alpha1/workspaces/compute', retry: false, timeoutMs: 10_000 });
      if (ws.status?.phase !== 'Ready') {
        last = `workspace root:compute is ${ws.status?.phase ?? 'not ready'}`;
      } else {
        await compute.request({ method: 'GET', path: '/apis/apis.kcp.io/v1alpha1/apiexports', retry: false, timeoutMs: 10_000 });
        shown?.stop(`The kcp server is ready (after ${Math.round((Date.now() - started) / 1000)} s).`);
        return;
      }
    } catch (err) {
      // A wrong kubeconfig will not fix itself; everything else may be start-up.
      if (!(err instanceof ApiError) && !(err instanceof Error && 'code' in err)) throw err;
      if (isPermanent(err)) throw err; // 401, 403, a certificate that fails verification
      last = err instanceof Error ? err.message : String(err);
    }
    const waited = Math.round((Date.now() - started) / 1000);
    const text = `Waiting for the kcp server and root:compute (${waited} s): ${last}`;
    if (!shown) shown = progress(text);
    else shown.update(text);
    if (Date.now() + delay > deadline) {
      shown.stop();
      throw new ApiError('Timeout', `the kcp server or root:compute was not usable within ${Math.round((opts.timeoutMs ?? 0) / 1000)} s: ${last}`);
    }
    await sleep(delay);
  }
}

// ---- workspaces ----

/**
 * Ensures the workspace at absolute `path` exists and is Ready, creating it (in an
 * existing parent) when absent. Prints the plugin's lines when it creates.
 */
export async function ensureWorkspace(root: ApiClient, path: string, opts: { type?: string; print: Print; readyTimeoutMs?: number }): Promise<Workspace> {
  if (!isValidPath(path) || !path.includes(':')) throw new CommandError(`${JSON.stringify(path)} is not a workspace path like root:name`);
  const parent = parentOf(path)!;
  const name = path.slice(parent.length + 1);
  const pc = root.forWorkspace(parent);
  let ws = await pc.find<Workspace>(WORKSPACES, name);
  if (!ws) {
    const type = opts.type ? parseType(opts.type) : undefined;
    try {
      ws = await pc.create<Workspace>(WORKSPACES, { metadata: { name }, spec: type ? { type } : {} });
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) {
        if (isApiError(err, 'NotFound')) throw new CommandError(`cannot create workspace ${path}: its parent ${parent} does not exist`, err.exitCode);
        throw err;
      }
      ws = await pc.get<Workspace>(WORKSPACES, name);
    }
    const ready = ws.status?.phase === 'Ready';
    opts.print(`Workspace ${JSON.stringify(name)} (type ${typeString(ws.spec.type ?? { name: 'universal', path: 'root' })}) created.${ready ? '' : ' Waiting for it to be ready...'}`);
    if (!ready) ws = await waitWorkspaceReady(pc, name, path, opts.readyTimeoutMs ?? 120_000);
    opts.print(`Workspace ${JSON.stringify(name)} (type ${typeString(ws.spec.type ?? { name: 'universal', path: 'root' })}) is ready to use.`);
  } else if (ws.status?.phase !== 'Ready') {
    ws = await waitWorkspaceReady(pc, name, path, opts.readyTimeoutMs ?? 120_000);
  }
  return ws;
}

async function waitWorkspaceReady(pc: ApiClient, name: string, path: string, timeoutMs: number): Promise<Workspace> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const ws = await pc.find<Workspace>(WORKSPACES, name);
    if (ws?.status?.phase === 'Ready') return ws;
    if (Date.now() > deadline) throw new ApiError('Timeout', `workspace ${path} is not ready after ${Math.round(timeoutMs / 1000)} s (phase ${ws?.status?.phase ?? 'unknown'})`);
    await sleep(delay);
  }
}

// ---- schemas and exports ----

/** Creates the schemas missing from the workspace (schemas are immutable: same name, same content). */
async function ensureSchemas(c: ApiClient, schemas: APIResourceSchema[], existing?: Set<string>): Promise<number> {
  const have = existing ?? new Set((await c.list(APIRESOURCESCHEMAS)).items.map((o) => o.metadata.name));
  const missing = schemas.filter((sc) => !have.has(sc.metadata.name));
  await Promise.all(
    missing.map(async (sc) => {
      try {
        await c.create(APIRESOURCESCHEMAS, sc);
      } catch (err) {
        if (!isApiError(err, 'AlreadyExists')) throw err;
      }
    }),
  );
  return missing.length;
}

const sameSet = (a: readonly string[] = [], b: readonly string[] = []) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** Ensures an APIExport lists exactly `schemaNames` (and the local maximal permission policy when asked). */
async function ensureExport(c: ApiClient, name: string, schemaNames: string[], opts: { maximal?: boolean; existing?: APIExport | null } = {}): Promise<boolean> {
  const spec: NonNullable<APIExport['spec']> = { latestResourceSchemas: schemaNames };
  if (opts.maximal) spec.maximalPermissionPolicy = { local: {} };
  const current = opts.existing === undefined ? await c.find<APIExport>(APIEXPORTS, name) : (opts.existing ?? undefined);
  if (!current) {
    try {
      await c.create<APIExport>(APIEXPORTS, { metadata: { name }, spec });
      return true;
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      return ensureExport(c, name, schemaNames, { maximal: opts.maximal });
    }
  }
  const policyOk = !opts.maximal || current.spec?.maximalPermissionPolicy?.local !== undefined;
  if (sameSet(current.spec?.latestResourceSchemas, schemaNames) && policyOk) return false;
  await c.patch(APIEXPORTS, name, { spec });
  return true;
}

/** Ensures the ESPW `root:espw` and its `edge.kubestellar.io` export with the seven kinds. */
export async function ensureEspw(root: ApiClient, opts: { print: Print }): Promise<{ changed: boolean }> {
  // No type, as the original's `kubectl ws create espw`: kcp gives root's default child type.
  await ensureWorkspace(root, ESPW_PATH, { print: opts.print });
  const espw = root.forWorkspace(ESPW_PATH);
  const schemas = edgeSchemas();
  const [listed, current] = await Promise.all([espw.list(APIRESOURCESCHEMAS), espw.find<APIExport>(APIEXPORTS, EDGE_EXPORT)]);
  const created = await ensureSchemas(espw, schemas, new Set(listed.items.map((o) => o.metadata.name)));
  const exported = await ensureExport(espw, EDGE_EXPORT, schemas.map((sc) => sc.metadata.name), { existing: current ?? null });
  return { changed: created > 0 || exported };
}

// ---- root:compute ----

/** The export names init's bind role covers: v0.14's namespaced exports only. */
const BINDABLE_EXPORTS = ['apps', 'autoscaling', 'batch', 'core.k8s.io', 'discovery.k8s.io', 'networking.k8s.io', 'policy', 'storage.k8s.io'];
/** The maximal-permission-policy role's groups and resources, as v0.14 lists them. */
const MAXIMAL_GROUPS = ['', 'apps', 'networking.k8s.io', 'autoscaling', 'batch', 'discovery.k8s.io', 'policy', 'storage.k8s.io'];
const MAXIMAL_RESOURCES = [
  'services', 'pods', 'ingresses', 'deployments', 'cronjobs', 'csistoragecapacities', 'daemonsets', 'endpoints', 'endpointslices',
  'horizontalpodautoscalers', 'jobs', 'networkpolicies', 'persistentvolumeclaims', 'poddisruptionbudgets', 'podtemplates',
  'replicasets', 'replicationcontrollers', 'statefulsets',
];
const SCALABLE = new Set(['deployments', 'replicasets', 'replicationcontrollers', 'statefulsets']);

/**
 * The RBAC objects init adds to root:compute, with v0.14's names and rules, so that a
 * core the original set up already has exactly these: every authenticated user may
 * bind the namespaced kube exports, and bound workloads' /status and /scale are writable.
 */
export function computeRbac(): { roles: ClusterRole[]; bindings: ClusterRoleBinding[] } {
  const sub = MAXIMAL_RESOURCES.flatMap((r) => [`${r}/status`, ...(SCALABLE.has(r) ? [`${r}/scale`] : [])]);
  const maximalRules: ClusterRole['rules'] = [
    { apiGroups: MAXIMAL_GROUPS, resources: MAXIMAL_RESOURCES, verbs: ['*'] },
    { apiGroups: MAXIMAL_GROUPS, resources: sub, verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  ];
  const bindRules: ClusterRole['rules'] = [{ apiGroups: ['apis.kcp.io'], resources: ['apiexports'], resourceNames: BINDABLE_EXPORTS, verbs: ['bind'] }];
  const role = (name: string, rules: ClusterRole['rules']): ClusterRole => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules });
  const binding = (name: string, roleName: string): ClusterRoleBinding => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: BINDING_GROUP }],
  });
  return {
    roles: [role(BIND_ROLE, bindRules), role(MAXIMAL_ROLE, maximalRules)],
    bindings: [binding(BIND_ROLE, BIND_ROLE), binding(MAXIMAL_BINDING, MAXIMAL_ROLE)],
  };
}

// RBAC lists are sets: compare them sorted, so a role the original wrote in its own order matches.
const sorted = (xs: readonly string[] = []) => [...xs].sort();
const normRules = (rules: ClusterRole['rules'] = []) =>
  canonicalJson(
    rules
      .map((r) => canonicalJson({ apiGroups: sorted(r.apiGroups), resources: sorted(r.resources), resourceNames: sorted(r.resourceNames), verbs: sorted(r.verbs) }))
      .sort(),
  );
const normSubjects = (subjects: ClusterRoleBinding['subjects'] = []) =>
  canonicalJson(subjects.map((x) => ({ apiGroup: x.apiGroup ?? '', kind: x.kind, name: x.name, namespace: x.namespace ?? '' })));

async function ensureRole(c: ApiClient, want: ClusterRole): Promise<boolean> {
  const have = await c.find<ClusterRole>(CLUSTERROLES, want.metadata.name);
  if (!have) {
    try {
      await c.create(CLUSTERROLES, want);
      return true;
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      return ensureRole(c, want);
    }
  }
  if (normRules(have.rules) === normRules(want.rules)) return false;
  await c.update(CLUSTERROLES, { ...have, rules: want.rules });
  return true;
}

async function ensureRoleBinding(c: ApiClient, want: ClusterRoleBinding): Promise<boolean> {
  const have = await c.find<ClusterRoleBinding>(CLUSTERROLEBINDINGS, want.metadata.name);
  if (have && canonicalJson(have.roleRef) !== canonicalJson(want.roleRef)) {
    // roleRef cannot change: replace the binding.
    await c.delete(CLUSTERROLEBINDINGS, want.metadata.name);
    return ensureRoleBinding(c, want);
  }
  if (!have) {
    try {
      await c.create(CLUSTERROLEBINDINGS, want);
      return true;
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      return ensureRoleBinding(c, want);
    }
  }
  if (normSubjects(have.subjects) === normSubjects(want.subjects)) return false;
  await c.update(CLUSTERROLEBINDINGS, { ...have, subjects: want.subjects });
  return true;
}

/**
 * Augments root:compute: RBAC that lets every authenticated user bind the kube exports
 * and lets bound workloads' /status and /scale be written, plus one APIExport per
 * workload group beyond TMC's `kubernetes` with its APIResourceSchemas.
 */
export async function augmentCompute(root: ApiClient, opts: { print?: Print } = {}): Promise<{ changed: boolean }> {
  const compute = root.forWorkspace(COMPUTE_PATH);
  const { roles, bindings } = computeRbac();
  const [schemaList, exportList] = await Promise.all([compute.list(APIRESOURCESCHEMAS), compute.list<APIExport>(APIEXPORTS)]);
  const haveSchemas = new Set(schemaList.items.map((o) => o.metadata.name));
  const exports = new Map(exportList.items.map((e) => [e.metadata.name, e]));
  const all = WORKLOAD_EXPORTS.map((e) => ({ e, schemas: workloadSchemas(e) }));
  const results = await Promise.all([
    ...roles.map((r) => ensureRole(compute, r)),
    ...bindings.map((b) => ensureRoleBinding(compute, b)),
    ensureSchemas(compute, all.flatMap((x) => x.schemas), haveSchemas).then((n) => n > 0),
  ]);
  // Exports after their schemas, so an export never names a schema that is missing.
  const exported = await Promise.all(
    // No maximal permission policy on these, as in v0.14 (kcp's own `kubernetes` export has one).
    all.map(({ e, schemas }) => ensureExport(compute, e.name, schemas.map((sc) => sc.metadata.name), { existing: exports.get(e.name) ?? null })),
  );
  return { changed: [...results, ...exported].some(Boolean) };
}

// ---- inventory management workspaces ----

/** Waits (reading only) until the binding is Bound; false when it is not within `timeoutMs`. */
export async function waitBound(c: ApiClient, name: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const b = await c.find<APIBinding>(APIBINDINGS, name);
    if (b?.status?.phase === 'Bound') return true;
    if (Date.now() > deadline) return false;
    await sleep(delay);
  }
}

/** Ensures an APIBinding named `name` importing export `exportName` from `exportPath`. */
export async function ensureBinding(c: ApiClient, name: string, exportPath: string, exportName: string): Promise<boolean> {
  const want: APIBinding = {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIBinding',
    metadata: { name },
    spec: { reference: { export: { path: exportPath, name: exportName } } },
  };
  const have = await c.find<APIBinding>(APIBINDINGS, name);
  if (have) {
    const ref = have.spec?.reference?.export;
    if (ref?.name !== exportName || (ref.path ?? '') !== exportPath) {
      throw new CommandError(`APIBinding ${name} in ${c.workspace} imports ${ref?.path ?? '?'}/${ref?.name ?? '?'}, not ${exportPath}/${exportName}; delete it to let init recreate it`);
    }
    return false;
  }
  try {
    await c.create(APIBINDINGS, want);
  } catch (err) {
    if (!isApiError(err, 'AlreadyExists')) throw err;
    return ensureBinding(c, name, exportPath, exportName);
  }
  return true;
}

/** Ensures the inventory management workspace at `path`, bound to the edge API of the ESPW. */
export async function ensureImw(root: ApiClient, path: string, opts: { print: Print; warn?: Print }): Promise<{ changed: boolean }> {
  // No type, as the original: the parent's default child type (an organization under root).
  await ensureWorkspace(root, path, { print: opts.print });
  const imw = root.forWorkspace(path);
  const changed = await ensureBinding(imw, EDGE_EXPORT, ESPW_PATH, EDGE_EXPORT);
  if (!(await waitBound(imw, EDGE_EXPORT))) (opts.warn ?? opts.print)(`APIBinding ${EDGE_EXPORT} in ${path} is not bound yet`);
  return { changed };
}

// ---- the whole of init ----

export type EnsureWmw = (nav: WorkspaceNavigator, name: string, opts: { withKube: boolean; dryRun?: boolean; print: Print }) => Promise<void>;

export interface InitOptions {
  imws: string[];
  wmws: string[];
  timeoutMs?: number;
  print: Print;
  warn?: Print;
  /** lines from the WMW steps (the original discarded them) */
  detail?: Print;
  ensureWmw?: EnsureWmw;
  /** move to root at the end (default true) */
  finalRoot?: boolean;
}

/**
 * Splits a --ensure-imw/--ensure-wmw value: comma-separated, blanks dropped, each item
 * taken relative to root after one leading `root:` is stripped (as v0.14 does), so
 * `imw9` and `root:imw9` both mean root:imw9.
 */
export function parsePathList(raw: string, flag: string): string[] {
  const paths = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const path = `root:${item.startsWith('root:') ? item.slice('root:'.length) : item}`;
      // the error names what the user wrote, not our root:-prefixed reading of it
      if (!isValidPath(path)) throw new CommandError(`${flag}: ${JSON.stringify(item)} is not a workspace path like root:name`);
      return path;
    });
  return [...new Set(paths)];
}

/** Steps 1-6 of `kubestellar init`; leaves `root` as the current workspace. */
export async function runInit(nav: WorkspaceNavigator, opts: InitOptions): Promise<void> {
  const root = nav.clientFor('root');
  await waitForServer(root, { timeoutMs: opts.timeoutMs });
  await augmentCompute(root, { print: opts.print });
  opts.print('Finished augmenting root:compute for KubeStellar');
  await ensureEspw(root, { print: opts.print });
  opts.print('Finished populating the espw with kubestellar apiexports');
  for (const path of opts.imws) {
    await ensureImw(root, path, { print: opts.print, warn: opts.warn });
  }
  if (opts.wmws.length) {
    if (!opts.ensureWmw) throw new CommandError('ensuring workload management workspaces is not available in this build');
    for (const path of opts.wmws) {
      const parent = parentOf(path)!;
      if (parent !== 'root') throw new CommandError(`--ensure-wmw: ${JSON.stringify(path)}: workload management workspaces are children of root`);
      opts.print(`Ensuring WMW: ${path}`);
      await opts.ensureWmw(nav, path.slice(parent.length + 1), { withKube: true, print: opts.detail ?? (() => {}) });
    }
  }
  if (opts.finalRoot !== false) opts.print((await nav.use('root')).message);
  else if (opts.wmws.length) await nav.use('root');
}
