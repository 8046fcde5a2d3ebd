// The resource types the sandbox serves: built-in ones in every workspace, and those a
// workspace gains by binding an APIExport (from the export's APIResourceSchemas).
import type { KObj } from './util.ts';

export interface ResourceType {
  group: string;
  version: string;
  /** plural */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** has a status subresource: main-resource writes keep status, status writes keep the rest */
  status?: boolean;
  /** openAPIV3Schema of the kind, when known */
  schema?: KObj;
  printerColumns?: { name: string; type: string; jsonPath: string; description?: string; priority?: number }[];
  /** the APIResourceSchema this type comes from, for bound types */
  boundFrom?: { schemaName: string; exportCluster: string; exportName: string };
}

export const grKey = (group: string, resource: string) => `${group}/${resource}`;
export const gvString = (t: { group: string; version: string }) => (t.group ? `${t.group}/${t.version}` : t.version);

const obj = (properties: KObj = {}, extra: KObj = {}): KObj => ({ type: 'object', properties, ...extra });
const str = { type: 'string' };
const anyObj = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const strMap = { type: 'object', additionalProperties: { type: 'string' } };

function t(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  more: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    kind,
    singular: kind.toLowerCase(),
    listKind: `${kind}List`,
    namespaced,
    ...more,
  };
}

const policyRule = obj({
  apiGroups: { type: 'array', items: str },
  resources: { type: 'array', items: str },
  verbs: { type: 'array', items: str },
  resourceNames: { type: 'array', items: str },
  nonResourceURLs: { type: 'array', items: str },
});
const roleRef = obj({ apiGroup: str, kind: str, name: str });
const subjects = { type: 'array', items: obj({ kind: str, apiGroup: str, name: str, namespace: str }) };

/** Types every workspace serves. */
export const BUILTIN_TYPES: ResourceType[] = [
  t('', 'v1', 'namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    status: true,
    schema: obj({ spec: obj({ finalizers: { type: 'array', items: str } }), status: anyObj }),
  }),
  t('', 'v1', 'configmaps', 'ConfigMap', true, {
    shortNames: ['cm'],
    schema: obj({ data: strMap, binaryData: strMap, immutable: { type: 'boolean' } }),
  }),
  t('', 'v1', 'secrets', 'Secret', true, {
    schema: obj({ data: strMap, stringData: strMap, type: str, immutable: { type: 'boolean' } }),
  }),
  t('', 'v1', 'serviceaccounts', 'ServiceAccount', true, {
    shortNames: ['sa'],
    schema: obj({
      secrets: { type: 'array', items: anyObj },
      imagePullSecrets: { type: 'array', items: anyObj },
      automountServiceAccountToken: { type: 'boolean' },
    }),
  }),
  t('', 'v1', 'events', 'Event', true, { shortNames: ['ev'], schema: anyObj }),
  t('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false, {
    schema: obj({ rules: { type: 'array', items: policyRule }, aggregationRule: anyObj }),
  }),
  t('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false, {
    schema: obj({ roleRef, subjects }),
  }),
  t('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true, { schema: obj({ rules: { type: 'array', items: policyRule } }) }),
  t('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true, { schema: obj({ roleRef, subjects }) }),
  t('core.kcp.io', 'v1alpha1', 'logicalclusters', 'LogicalCluster', false, { status: true, schema: obj({ spec: anyObj, status: anyObj }) }),
  t('tenancy.kcp.io', 'v1alpha1', 'workspaces', 'Workspace', false, {
    shortNames: ['ws'],
    categories: ['kcp'],
    status: true,
    schema: obj({
      spec: obj({
        type: obj({ name: str, path: str }),
        location: anyObj,
        cluster: str,
        URL: str,
      }),
      status: anyObj,
    }),
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type.name', description: 'Type of the workspace' },
      { name: 'Region', type: 'string', jsonPath: ".metadata.labels['region']", description: 'The region this workspace is in' },
      { name: 'Phase', type: 'string', jsonPath: ".metadata.labels['tenancy\\.kcp\\.io/phase']", description: 'The current phase (e.g. Scheduling, Initializing, Ready, Deleting)' },
      { name: 'URL', type: 'string', jsonPath: '.spec.URL', description: 'URL to access the workspace' },
    ],
  }),
  t('tenancy.kcp.io', 'v1alpha1', 'workspacetypes', 'WorkspaceType', false, {
    categories: ['kcp'],
    status: true,
    schema: obj({ spec: anyObj, status: anyObj }),
  }),
  t('apis.kcp.io', 'v1alpha1', 'apiexports', 'APIExport', false, {
    categories: ['kcp'],
    status: true,
    schema: obj({
      spec: obj({ latestResourceSchemas: { type: 'array', items: str }, identity: anyObj, permissionClaims: { type: 'array', items: anyObj } }, { 'x-kubernetes-preserve-unknown-fields': true }),
      status: anyObj,
    }),
  }),
  t('apis.kcp.io', 'v1alpha1', 'apiresourceschemas', 'APIResourceSchema', false, {
    categories: ['kcp'],
    schema: obj({ spec: anyObj }),
  }),
  t('apis.kcp.io', 'v1alpha1', 'apibindings', 'APIBinding', false, {
    categories: ['kcp'],
    status: true,
    schema: obj({
      spec: obj({ reference: obj({ export: obj({ path: str, name: str }) }), permissionClaims: { type: 'array', items: anyObj } }),
      status: anyObj,
    }),
    // kcp's APIBinding prints only NAME and AGE
  }),
];

/** A bound type from an APIResourceSchema object. */
export function typeFromSchema(schema: KObj, exportCluster: string, exportName: string): ResourceType | undefined {
  const spec = schema.spec ?? {};
  const names = spec.names ?? {};
  const versions: KObj[] = spec.versions ?? [];
  const v = versions.find((x) => x.storage) ?? versions.find((x) => x.served !== false) ?? versions[0];
  if (!v || !names.plural || !names.kind) return undefined;
  return {
    group: spec.group ?? '',
    version: v.name,
    resource: names.plural,
    singular: names.singular ?? String(names.kind).toLowerCase(),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    namespaced: spec.scope !== 'Cluster',
    shortNames: names.shortNames,
    categories: names.categories,
    status: Boolean(v.subresources?.status),
    schema: v.schema?.openAPIV3Schema ?? v.schema,
    printerColumns: v.additionalPrinterColumns,
    boundFrom: { schemaName: schema.metadata.name, exportCluster, exportName },
  };
}

/** Schemas of the kcp TMC `kubernetes` APIExport in root:compute. */
export function computeSchemas(): KObj[] {
  const podSpec = obj(
    {
      containers: {
        type: 'array',
        items: obj({ name: str, image: str, args: { type: 'array', items: str }, command: { type: 'array', items: str }, env: { type: 'array', items: anyObj }, ports: { type: 'array', items: anyObj } }, { 'x-kubernetes-preserve-unknown-fields': true }),
      },
    },
    { 'x-kubernetes-preserve-unknown-fields': true },
  );
  const mk = (group: string, plural: string, kind: string, spec: KObj, shortNames?: string[]) => ({
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name: `rev-1.${plural}.${group || 'core'}` },
    spec: {
      group,
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List`, ...(shortNames ? { shortNames } : {}) },
      scope: 'Namespaced',
      versions: [
        {
          name: group === '' ? 'v1' : 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: obj({ apiVersion: str, kind: str, metadata: { type: 'object' }, spec, status: anyObj }) },
        },
      ],
    },
  });
  return [
    mk(
      'apps',
      'deployments',
      'Deployment',
      obj(
        {
          replicas: { type: 'integer', format: 'int32' },
          selector: anyObj,
          strategy: anyObj,
          template: obj({ metadata: anyObj, spec: podSpec }),
        },
        { 'x-kubernetes-preserve-unknown-fields': true },
      ),
      ['deploy'],
    ),
    mk('', 'pods', 'Pod', podSpec, ['po']),
    mk('', 'services', 'Service', obj({ type: str, selector: strMap, ports: { type: 'array', items: anyObj } }, { 'x-kubernetes-preserve-unknown-fields': true }), ['svc']),
    mk('networking.k8s.io', 'ingresses', 'Ingress', anyObj, ['ing']),
  ];
}
