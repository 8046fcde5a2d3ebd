// What `kcp start` (default batteries) puts in root, as far as clients see it: the
// WorkspaceTypes root/universal/organization/team/home, kcp's six APIExports bound in
// root under their own names, root's RBAC for system:authenticated, and root:compute
// with the TMC `kubernetes` export. Existing objects are left alone (create-only).
import { GR, PATH_ANNOTATION, type Core } from './core.ts';
import { computeSchemas } from './resources.ts';
import { defaultBindingName, EXPORT_LABEL, APIBINDING_FINALIZER, base62Sha224 } from './admission.ts';
import { nowIso, randomClusterName, type KObj } from './util.ts';

const ROOT_EXPORTS = ['tenancy.kcp.io', 'scheduling.kcp.io', 'workload.kcp.io', 'apiresource.kcp.io', 'topology.kcp.io', 'shards.core.kcp.io'];
/** The exports universal's defaultAPIBindings name (path root), in kcp's order. */
const UNIVERSAL_BINDINGS = ['tenancy.kcp.io', 'scheduling.kcp.io', 'workload.kcp.io', 'apiresource.kcp.io', 'topology.kcp.io'];
const ref = (name: string) => ({ name, path: 'root' });
const UNIVERSAL = [ref('universal')];

const WORKSPACE_TYPES: Record<string, KObj> = {
  root: { defaultChildWorkspaceType: ref('organization'), limitAllowedParents: { none: true }, extend: { with: UNIVERSAL } },
  universal: { defaultChildWorkspaceType: ref('universal'), initializer: true, defaultAPIBindings: UNIVERSAL_BINDINGS.map((e) => ({ path: 'root', export: e })) },
  organization: { defaultChildWorkspaceType: ref('universal'), limitAllowedParents: { types: [ref('root')] }, limitAllowedChildren: { types: UNIVERSAL }, extend: { with: UNIVERSAL } },
  team: { defaultChildWorkspaceType: ref('universal'), limitAllowedParents: { types: [ref('organization'), ref('team')] }, extend: { with: UNIVERSAL } },
  home: { defaultChildWorkspaceType: ref('universal'), limitAllowedParents: { none: true }, extend: { with: UNIVERSAL } },
};

const ready = () => [{ type: 'Ready', status: 'True', lastTransitionTime: nowIso() }];
const rbac = (kind: string, name: string, body: KObj): KObj => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name }, ...body });
const authenticated = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }];
const roleRef = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name });

/** kcp's tenancy schemas (served as built-in kinds here; these make the export's bound resources real). */
function tenancySchemas(): KObj[] {
  const mk = (plural: string, kind: string) => ({
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name: `v230116-832a4a55d.${plural}.tenancy.kcp.io` },
    spec: {
      group: 'tenancy.kcp.io',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List`, categories: ['kcp'] },
      scope: 'Cluster',
      versions: [{ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} }, schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }],
    },
  });
  return [mk('workspaces', 'Workspace'), mk('workspacetypes', 'WorkspaceType')];
}

function putIfAbsent(core: Core, cluster: string, gr: string, o: KObj): void {
  if (!core.store.get(cluster, gr, o.metadata.namespace, o.metadata.name)) core.putRaw(cluster, gr, o);
}

/** The default APIBindings kcp's universal initializer-side controller creates in a new workspace. */
export function defaultBindingObjects(lcName: string, exports: { path: string; export: string }[], exportCluster: (path: string) => string | undefined): KObj[] {
  return exports.map((e) => {
    const ec = exportCluster(e.path);
    return {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIBinding',
      metadata: {
        name: defaultBindingName(lcName, e.path, e.export),
        finalizers: [APIBINDING_FINALIZER],
        ...(ec ? { labels: { [EXPORT_LABEL]: base62Sha224(`${ec}:${e.export}`) } } : {}),
      },
      spec: { reference: { export: { path: e.path, name: e.export } } },
    };
  });
}

export function seedRoot(core: Core): void {
  core.ensureLogicalCluster('root', 'root', 'Ready', { type: 'root:root' });
  for (const [name, spec] of Object.entries(WORKSPACE_TYPES)) {
    putIfAbsent(core, 'root', GR.workspacetypes, {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'WorkspaceType',
      metadata: { name, annotations: { [PATH_ANNOTATION]: 'root', ...(name === 'root' ? { 'bootstrap.kcp.io/create-only': 'true' } : {}) } },
      spec,
      status: { conditions: ready() },
    });
  }
  const schemas = tenancySchemas();
  for (const s of schemas) putIfAbsent(core, 'root', GR.apiresourceschemas, s);
  for (const name of ROOT_EXPORTS) {
    putIfAbsent(core, 'root', GR.apiexports, {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIExport',
      metadata: { name, annotations: { [PATH_ANNOTATION]: 'root' } },
      spec: { latestResourceSchemas: name === 'tenancy.kcp.io' ? schemas.map((s) => s.metadata.name) : [] },
    });
    putIfAbsent(core, 'root', GR.apibindings, {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIBinding',
      metadata: { name, labels: { [EXPORT_LABEL]: base62Sha224(`root:${name}`) }, finalizers: [APIBINDING_FINALIZER] },
      spec: { reference: { export: { path: 'root', name } } },
    });
  }
  // root's RBAC for every authenticated user [config/root/clusterrole*.yaml]
  const roles: [string, KObj[], string][] = [
    ['system:kcp:workspace:access', [{ nonResourceURLs: ['/'], verbs: ['access'] }], 'system:kcp:tenancy:authenticated:access'],
    ['system:kcp:tenancy:reader', [{ apiGroups: ['tenancy.kcp.io'], resources: ['workspaces', 'workspacetypes'], verbs: ['get', 'list', 'watch'] }, { apiGroups: ['core.kcp.io'], resources: ['logicalclusters'], verbs: ['get', 'list', 'watch'] }], 'system:kcp:authenticated:tenancy:reader'],
    ['system:kcp:universal-workspacetype-use', [{ apiGroups: ['tenancy.kcp.io'], resources: ['workspacetypes'], resourceNames: ['universal', 'organization', 'team'], verbs: ['use'] }], 'system:kcp:authenticated:universal-workspacetype-use'],
  ];
  for (const e of ['tenancy.kcp.io', 'scheduling.kcp.io', 'workload.kcp.io', 'apiresource.kcp.io', 'topology.kcp.io']) {
    roles.push([`system:kcp:apiexport:${e}:bind`, [{ apiGroups: ['apis.kcp.io'], resources: ['apiexports'], resourceNames: [e], verbs: ['bind'] }], `system:kcp:authenticated:apiexport:${e}:bind`]);
  }
  for (const [role, rules, binding] of roles) {
    putIfAbsent(core, 'root', GR.clusterroles, rbac('ClusterRole', role, { rules }));
    putIfAbsent(core, 'root', GR.clusterrolebindings, rbac('ClusterRoleBinding', binding, { roleRef: roleRef(role), subjects: authenticated }));
  }
  seedCompute(core);
}

/** root:compute (type universal) and its `kubernetes` APIExport, bindable by everyone. */
function seedCompute(core: Core): void {
  let compute = core.resolveCluster('root:compute')?.cluster;
  if (!compute) {
    compute = randomClusterName();
    core.putRaw('root', GR.workspaces, {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'compute', finalizers: ['core.kcp.io/logicalcluster'], labels: { 'tenancy.kcp.io/phase': 'Ready' } },
      spec: { type: ref('universal'), cluster: compute, URL: `${core.baseUrl}/clusters/${compute}`, location: { selector: { matchLabels: { name: 'root' } } } },
      status: { phase: 'Ready', conditions: [{ type: 'WorkspaceScheduled', status: 'True', lastTransitionTime: nowIso() }, { type: 'WorkspaceInitialized', status: 'True', lastTransitionTime: nowIso() }] },
    });
    core.ensureLogicalCluster(compute, 'root:compute', 'Ready', { type: 'root:universal' });
    for (const b of defaultBindingObjects(compute, UNIVERSAL_BINDINGS.map((e) => ({ path: 'root', export: e })), () => 'root')) putIfAbsent(core, compute, GR.apibindings, b);
  }
  const schemas = computeSchemas();
  for (const s of schemas) putIfAbsent(core, compute, GR.apiresourceschemas, s);
  putIfAbsent(core, compute, GR.apiexports, {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIExport',
    metadata: { name: 'kubernetes', annotations: { [PATH_ANNOTATION]: 'root:compute' } },
    spec: { latestResourceSchemas: schemas.map((s) => s.metadata.name), maximalPermissionPolicy: { local: {} } },
  });
  putIfAbsent(core, compute, GR.clusterroles, rbac('ClusterRole', 'system:kcp:apiexport:kubernetes:bind', { rules: [{ apiGroups: ['apis.kcp.io'], resources: ['apiexports'], resourceNames: ['kubernetes'], verbs: ['bind'] }] }));
  putIfAbsent(core, compute, GR.clusterrolebindings, rbac('ClusterRoleBinding', 'system:kcp:authenticated:apiexport:kubernetes:bind', { roleRef: roleRef('system:kcp:apiexport:kubernetes:bind'), subjects: authenticated }));
}
