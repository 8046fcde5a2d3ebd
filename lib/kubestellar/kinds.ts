// One typed description of every kind the suite defines or mirrors: the seven
// KubeStellar kinds of edge.kubestellar.io/v2alpha1 exported from the ESPW, and the
// Kubernetes workload kinds `kubestellar init` adds to root:compute. The OpenAPI
// schemas of the APIResourceSchemas are generated from these descriptions, and the
// TypeScript types of the KubeStellar objects are inferred from the same values, so
// the two cannot drift apart.
import type { KubeObject } from '../kcp/resources.ts';

// ---- a small schema language with inferred TypeScript types ----

export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean' | 'number';
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/** A schema node; `T` is the TypeScript type of the values it admits (phantom). */
export interface Schema<T> {
  readonly json: JSONSchemaProps;
  readonly __type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const node = <T>(json: JSONSchemaProps): Schema<T> => ({ json });
const described = (json: JSONSchemaProps, description?: string): JSONSchemaProps => (description ? { ...json, description } : json);

export const s = {
  string: (description?: string) => node<string>(described({ type: 'string' }, description)),
  enumOf: <E extends string>(values: readonly E[], description?: string) => node<E>(described({ type: 'string', enum: [...values] }, description)),
  dateTime: (description?: string) => node<string>(described({ type: 'string', format: 'date-time' }, description)),
  integer: (description?: string) => node<number>(described({ type: 'integer', format: 'int32' }, description)),
  boolean: (description?: string) => node<boolean>(described({ type: 'boolean' }, description)),
  array: <T>(items: Schema<T>, description?: string) => node<T[]>(described({ type: 'array', items: items.json }, description)),
  stringMap: (description?: string) => node<Record<string, string>>(described({ type: 'object', additionalProperties: { type: 'string' } }, description)),
  /** any JSON value kept as is (e.g. a replacement value) */
  any: (description?: string) => node<unknown>(described({ 'x-kubernetes-preserve-unknown-fields': true }, description)),
  /** an object whose fields the server keeps without checking */
  opaque: (description?: string) => node<Record<string, unknown>>(described({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, description)),
  object<P extends Record<string, Schema<unknown>>, R extends keyof P & string = never>(
    props: P,
    opts: { required?: readonly R[]; description?: string } = {},
  ): Schema<{ [K in R]: Infer<P[K]> } & { [K in Exclude<keyof P, R>]?: Infer<P[K]> }> {
    const properties: Record<string, JSONSchemaProps> = {};
    for (const [k, v] of Object.entries(props)) properties[k] = v.json;
    const json: JSONSchemaProps = { type: 'object', properties };
    if (opts.required?.length) json.required = [...opts.required];
    return node(described(json, opts.description));
  },
};

// ---- shared pieces ----

const labelSelector = s.object({
  matchLabels: s.stringMap(),
  matchExpressions: s.array(
    s.object({ key: s.string(), operator: s.enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const), values: s.array(s.string()) }, { required: ['key', 'operator'] }),
  ),
});
const condition = s.object(
  {
    type: s.string(),
    status: s.enumOf(['True', 'False', 'Unknown'] as const),
    severity: s.string(),
    lastTransitionTime: s.dateTime(),
    reason: s.string(),
    message: s.string(),
  },
  { required: ['type', 'status'] },
);
const groupVersionResource = s.object({ group: s.string(), version: s.string(), resource: s.string() }, { required: ['version', 'resource'] });
const upsyncSet = s.object(
  { apiGroup: s.string(), resources: s.array(s.string()), namespaces: s.array(s.string()), names: s.array(s.string()) },
  { required: ['resources'] },
);

// ---- the kinds ----

export interface KindDescription<F extends Record<string, Schema<unknown>> = Record<string, Schema<unknown>>> {
  kind: string;
  plural: string;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  scope: 'Cluster' | 'Namespaced';
  /** top-level fields besides apiVersion, kind and metadata (usually spec and status) */
  fields: F;
  /** serve /status (and /scale) */
  subresources?: { status?: boolean; scale?: boolean };
  printerColumns?: { name: string; type: string; jsonPath: string }[];
  /** the server keeps unknown top-level fields (mirrored Kubernetes kinds) */
  openRoot?: boolean;
}

const kindOf = <F extends Record<string, Schema<unknown>>>(d: KindDescription<F>) => d;

export const EDGE_GROUP = 'edge.kubestellar.io';
export const EDGE_VERSION = 'v2alpha1';
export const EDGE_EXPORT = 'edge.kubestellar.io';

export const SyncTargetKind = kindOf({
  kind: 'SyncTarget',
  plural: 'synctargets',
  scope: 'Cluster',
  categories: ['kubestellar'],
  subresources: { status: true },
  fields: {
    spec: s.object({
      cells: s.stringMap('labels of the cells this target belongs to'),
      unschedulable: s.boolean('whether new workload may be placed here'),
      evictAfter: s.dateTime('when placed workload is to be evicted'),
      supportedAPIExports: s.array(s.object({ path: s.string(), export: s.string() }), 'API exports whose kinds this target can run'),
    }),
    status: s.object({
      conditions: s.array(condition),
      lastSyncerHeartbeatTime: s.dateTime(),
      syncedResources: s.array(s.opaque()),
      virtualWorkspaces: s.array(s.object({ syncerURL: s.string(), upsyncerURL: s.string() })),
    }),
  },
});

export const LocationKind = kindOf({
  kind: 'Location',
  plural: 'locations',
  scope: 'Cluster',
  categories: ['kubestellar'],
  subresources: { status: true },
  printerColumns: [
    { name: 'Resource', type: 'string', jsonPath: '.spec.resource.resource' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  fields: {
    spec: s.object(
      {
        resource: s.object({ group: s.string(), version: s.string(), resource: s.string() }, { required: ['version', 'resource'], description: 'the kind of the instances (SyncTargets)' }),
        instanceSelector: labelSelector,
      },
      { required: ['resource', 'instanceSelector'] },
    ),
    status: s.object({ instances: s.integer('number of matching instances'), availableInstances: s.integer() }),
  },
});

export const EdgePlacementKind = kindOf({
  kind: 'EdgePlacement',
  plural: 'edgeplacements',
  scope: 'Cluster',
  categories: ['kubestellar'],
  subresources: { status: true },
  fields: {
    spec: s.object({
      locationSelectors: s.array(labelSelector, 'which Locations the workload goes to (ORed)'),
      downsync: s.array(
        s.object({
          apiGroup: s.string(),
          resources: s.array(s.string()),
          namespaces: s.array(s.string()),
          namespaceSelectors: s.array(labelSelector),
          objectNames: s.array(s.string()),
          labelSelectors: s.array(labelSelector),
        }),
        'which workload objects go down',
      ),
      wantSingletonReportedState: s.boolean(),
      upsync: s.array(upsyncSet, 'which objects come up from the edge'),
      executingCountLimit: s.integer(),
    }),
    status: s.object({ specGeneration: s.integer(), matchingLocationCount: s.integer(), matchingSyncTargetCount: s.integer() }),
  },
});

const singlePlacement = s.object({
  cluster: s.string('logical cluster of the Location and SyncTarget'),
  locationName: s.string(),
  syncTargetName: s.string(),
  syncTargetUID: s.string(),
});

export const SinglePlacementSliceKind = kindOf({
  kind: 'SinglePlacementSlice',
  plural: 'singleplacementslices',
  scope: 'Cluster',
  categories: ['kubestellar'],
  fields: { destinations: s.array(singlePlacement) },
});

export const SyncerConfigKind = kindOf({
  kind: 'SyncerConfig',
  plural: 'syncerconfigs',
  scope: 'Cluster',
  categories: ['kubestellar'],
  subresources: { status: true },
  fields: {
    spec: s.object({
      namespaceScope: s.object({ namespaces: s.array(s.string()), resources: s.array(groupVersionResource) }),
      clusterScope: s.array(s.object({ group: s.string(), version: s.string(), resource: s.string(), objects: s.array(s.string()) }, { required: ['version', 'resource'] })),
      upsync: s.array(upsyncSet),
    }),
    status: s.object({ lastSyncerConfigUpdateTime: s.dateTime(), conditions: s.array(condition) }),
  },
});

export const CustomizerKind = kindOf({
  kind: 'Customizer',
  plural: 'customizers',
  scope: 'Namespaced',
  categories: ['kubestellar'],
  fields: {
    replacements: s.array(s.object({ path: s.string('JSONPath of the field to replace'), value: s.any('the new value, expansion allowed') }, { required: ['path', 'value'] })),
  },
});

const resourceToSync = s.object({ group: s.string(), version: s.string(), kind: s.string(), name: s.string(), namespace: s.string() }, { required: ['kind', 'name'] });

export const EdgeSyncConfigKind = kindOf({
  kind: 'EdgeSyncConfig',
  plural: 'edgesyncconfigs',
  scope: 'Cluster',
  categories: ['kubestellar'],
  subresources: { status: true },
  fields: {
    spec: s.object({
      downSyncedResources: s.array(resourceToSync),
      upSyncedResources: s.array(resourceToSync),
      conversions: s.array(s.object({ upstream: resourceToSync, downstream: resourceToSync })),
    }),
    status: s.object({ conditions: s.array(condition) }),
  },
});

/** The seven KubeStellar kinds, in the order the APIExport lists them. */
export const EDGE_KINDS: readonly KindDescription[] = [
  SyncTargetKind,
  LocationKind,
  EdgePlacementKind,
  SinglePlacementSliceKind,
  SyncerConfigKind,
  CustomizerKind,
  EdgeSyncConfigKind,
];

type ObjectOf<D extends KindDescription> = KubeObject & { [K in keyof D['fields']]?: Infer<D['fields'][K]> };
export type SyncTarget = ObjectOf<typeof SyncTargetKind>;
export type Location = ObjectOf<typeof LocationKind>;
export type EdgePlacement = ObjectOf<typeof EdgePlacementKind>;
export type SinglePlacementSlice = ObjectOf<typeof SinglePlacementSliceKind>;
export type SyncerConfig = ObjectOf<typeof SyncerConfigKind>;
export type Customizer = ObjectOf<typeof CustomizerKind>;
export type EdgeSyncConfig = ObjectOf<typeof EdgeSyncConfigKind>;

// ---- Kubernetes workload kinds that root:compute gains ----

export interface WorkloadExport {
  /** APIExport name in root:compute */
  name: string;
  group: string;
  version: string;
  kinds: KindDescription[];
}

const workload = (kind: string, plural: string, scope: 'Namespaced' | 'Cluster', opts: { scale?: boolean; status?: boolean; shortNames?: string[] } = {}): KindDescription => ({
  kind,
  plural,
  scope,
  shortNames: opts.shortNames,
  subresources: { status: opts.status ?? true, scale: opts.scale },
  // The real server validates these kinds at the edge; the center stores them as given.
  fields: { spec: s.opaque(), status: s.opaque() },
  openRoot: true,
});

const ns = 'Namespaced' as const;
const cl = 'Cluster' as const;

/**
 * The exports `kubestellar init` adds beside kcp TMC's `kubernetes` export (Deployment,
 * Pod, Service, Ingress), each with the workload kinds of its group. Names are those a
 * WMW binds (`bind-<name>`); `cluster-*` carry the cluster-scoped kinds of a group
 * that also has namespaced ones.
 */
export const WORKLOAD_EXPORTS: readonly WorkloadExport[] = [
  { name: 'apiregistration.k8s.io', group: 'apiregistration.k8s.io', version: 'v1', kinds: [workload('APIService', 'apiservices', cl)] },
  {
    name: 'apps',
    group: 'apps',
    version: 'v1',
    kinds: [
      workload('DaemonSet', 'daemonsets', ns, { shortNames: ['ds'] }),
      workload('ReplicaSet', 'replicasets', ns, { scale: true, shortNames: ['rs'] }),
      workload('StatefulSet', 'statefulsets', ns, { scale: true, shortNames: ['sts'] }),
    ],
  },
  { name: 'autoscaling', group: 'autoscaling', version: 'v2', kinds: [workload('HorizontalPodAutoscaler', 'horizontalpodautoscalers', ns, { shortNames: ['hpa'] })] },
  { name: 'batch', group: 'batch', version: 'v1', kinds: [workload('Job', 'jobs', ns), workload('CronJob', 'cronjobs', ns, { shortNames: ['cj'] })] },
  {
    name: 'core.k8s.io',
    group: '',
    version: 'v1',
    kinds: [
      workload('Endpoints', 'endpoints', ns, { status: false, shortNames: ['ep'] }),
      workload('PersistentVolumeClaim', 'persistentvolumeclaims', ns, { shortNames: ['pvc'] }),
      workload('PodTemplate', 'podtemplates', ns, { status: false }),
      workload('ReplicationController', 'replicationcontrollers', ns, { scale: true, shortNames: ['rc'] }),
    ],
  },
  { name: 'cluster-core.k8s.io', group: '', version: 'v1', kinds: [workload('PersistentVolume', 'persistentvolumes', cl, { shortNames: ['pv'] })] },
  { name: 'discovery.k8s.io', group: 'discovery.k8s.io', version: 'v1', kinds: [workload('EndpointSlice', 'endpointslices', ns, { status: false })] },
  {
    name: 'flowcontrol.apiserver.k8s.io',
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1beta3',
    kinds: [workload('FlowSchema', 'flowschemas', cl), workload('PriorityLevelConfiguration', 'prioritylevelconfigurations', cl)],
  },
  { name: 'networking.k8s.io', group: 'networking.k8s.io', version: 'v1', kinds: [workload('NetworkPolicy', 'networkpolicies', ns, { shortNames: ['netpol'] })] },
  { name: 'cluster-networking.k8s.io', group: 'networking.k8s.io', version: 'v1', kinds: [workload('IngressClass', 'ingressclasses', cl, { status: false })] },
  { name: 'node.k8s.io', group: 'node.k8s.io', version: 'v1', kinds: [workload('RuntimeClass', 'runtimeclasses', cl, { status: false })] },
  { name: 'policy', group: 'policy', version: 'v1', kinds: [workload('PodDisruptionBudget', 'poddisruptionbudgets', ns, { shortNames: ['pdb'] })] },
  { name: 'scheduling.k8s.io', group: 'scheduling.k8s.io', version: 'v1', kinds: [workload('PriorityClass', 'priorityclasses', cl, { status: false, shortNames: ['pc'] })] },
  { name: 'storage.k8s.io', group: 'storage.k8s.io', version: 'v1', kinds: [workload('CSIStorageCapacity', 'csistoragecapacities', ns, { status: false })] },
  {
    name: 'cluster-storage.k8s.io',
    group: 'storage.k8s.io',
    version: 'v1',
    kinds: [
      workload('CSIDriver', 'csidrivers', cl, { status: false }),
      workload('CSINode', 'csinodes', cl, { status: false }),
      workload('StorageClass', 'storageclasses', cl, { status: false, shortNames: ['sc'] }),
      workload('VolumeAttachment', 'volumeattachments', cl),
    ],
  },
];

// ---- APIResourceSchema generation ----

export interface APIResourceSchema extends KubeObject {
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    scope: 'Cluster' | 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources?: { status?: Record<string, never>; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
      additionalPrinterColumns?: { name: string; type: string; jsonPath: string }[];
    }[];
  };
}

/** The openAPIV3Schema of a kind: apiVersion, kind, metadata, then its own fields. */
export function openAPISchema(d: KindDescription): JSONSchemaProps {
  const properties: Record<string, JSONSchemaProps> = {
    apiVersion: { type: 'string', description: 'the versioned schema of this representation of an object' },
    kind: { type: 'string', description: 'the REST resource this object represents' },
    metadata: { type: 'object' },
  };
  for (const [k, v] of Object.entries(d.fields)) properties[k] = v.json;
  const root: JSONSchemaProps = { type: 'object', description: `${d.kind} (${d.scope === 'Cluster' ? 'cluster-scoped' : 'namespaced'})`, properties };
  if (d.openRoot) root['x-kubernetes-preserve-unknown-fields'] = true;
  return root;
}

/** Stable JSON: object keys sorted, so equal content hashes equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** v0.14's APIResourceSchema name prefixes: the ESPW's kinds by plural, the kube exports' default and exceptions. */
const EDGE_SCHEMA_PREFIX: Readonly<Record<string, string>> = {
  customizers: 'v231005-c6f7728ef',
  edgesyncconfigs: 'v231005-c6f7728ef',
  locations: 'v231005-c6f7728ef',
  singleplacementslices: 'v231005-c6f7728ef',
  syncerconfigs: 'v231005-c6f7728ef',
  synctargets: 'v231020-4e62eaf7',
  edgeplacements: 'v231026-b37310b41',
};
const KUBE_SCHEMA_PREFIX: Readonly<Record<string, string>> = {
  'jobs.batch': 'v230615-6e3cae39',
  'apiservices.apiregistration.k8s.io': 'v231009-f17ee17a4',
};

/**
 * The name v0.14 gives the schema of `plural` in `group` (`<prefix>.<plural>.<group or core>`),
 * so that init on a core the original set up finds its schemas and adds none.
 */
export function schemaName(group: string, plural: string): string {
  const gr = `${plural}.${group || 'core'}`;
  const prefix = group === EDGE_GROUP ? EDGE_SCHEMA_PREFIX[plural] : (KUBE_SCHEMA_PREFIX[gr] ?? 'v230615-d48020c8');
  if (!prefix) throw new Error(`no v0.14 schema name for ${gr}`);
  return `${prefix}.${gr}`;
}

/**
 * The APIResourceSchema for a kind, under v0.14's name for it. Schemas are immutable in
 * kcp: one of that name already present (the original's, or ours) is left alone.
 */
export function resourceSchema(group: string, version: string, d: KindDescription): APIResourceSchema {
  const sub: APIResourceSchema['spec']['versions'][number]['subresources'] = {};
  if (d.subresources?.status) sub.status = {};
  if (d.subresources?.scale) sub.scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };
  const names: APIResourceSchema['spec']['names'] = { kind: d.kind, listKind: `${d.kind}List`, plural: d.plural, singular: d.singular ?? d.kind.toLowerCase() };
  if (d.shortNames?.length) names.shortNames = d.shortNames;
  if (d.categories?.length) names.categories = d.categories;
  const spec: APIResourceSchema['spec'] = {
    group,
    names,
    scope: d.scope,
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: openAPISchema(d) },
        ...(Object.keys(sub).length ? { subresources: sub } : {}),
        ...(d.printerColumns ? { additionalPrinterColumns: d.printerColumns } : {}),
      },
    ],
  };
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name: schemaName(group, d.plural) },
    spec,
  };
}

export function edgeSchemas(): APIResourceSchema[] {
  return EDGE_KINDS.map((d) => resourceSchema(EDGE_GROUP, EDGE_VERSION, d));
}

export function workloadSchemas(e: WorkloadExport): APIResourceSchema[] {
  return e.kinds.map((d) => resourceSchema(e.group, e.version, d));
}
