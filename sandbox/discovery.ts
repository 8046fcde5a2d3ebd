// Discovery (/api, /apis, /api/v1, /apis/G, /apis/G/V) and OpenAPI v3 documents per
// logical cluster, built from the types served there. kubectl's default validation
// looks for the GVK's PATCH operation in /openapi/v3/<gv> and, when that operation
// takes the `fieldValidation` query parameter, leaves validation to the server.
import { createHash } from 'node:crypto';
import { gvString, type ResourceType } from './resources.ts';
import type { KObj } from './util.ts';

export const KUBE_VERSION = {
  major: '1',
  minor: '24',
  gitVersion: 'v1.24.3+kcp-v0.11.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2023-02-06T00:00:00Z',
  goVersion: 'go1.19.5',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function groupVersions(types: ResourceType[]): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const t of types) {
    if (!t.group) continue;
    let s = groups.get(t.group);
    if (!s) groups.set(t.group, (s = new Set()));
    s.add(t.version);
  }
  return groups;
}

export function apiVersions(hostPort: string): KObj {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: hostPort }] };
}

function apiGroup(name: string, versions: Set<string>): KObj {
  const vs = [...versions].sort().reverse().map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(types: ResourceType[]): KObj {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groupVersions(types)].map(([name, vs]) => apiGroup(name, vs)),
  };
}

export function apiGroupOf(types: ResourceType[], group: string): KObj | undefined {
  const vs = groupVersions(types).get(group);
  return vs ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, vs) } : undefined;
}

export function apiResourceList(types: ResourceType[], group: string, version: string): KObj | undefined {
  const mine = types.filter((t) => t.group === group && t.version === version);
  if (!mine.length) return undefined;
  const resources: KObj[] = [];
  for (const t of mine) {
    const r: KObj = {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      storageVersionHash: createHash('sha256').update(`${gvString(t)}/${t.kind}`).digest('base64').slice(0, 11),
    };
    if (t.shortNames?.length) r.shortNames = t.shortNames;
    if (t.categories?.length) r.categories = t.categories;
    resources.push(r);
    if (t.status) resources.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

// ---- OpenAPI v3 ----

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);
const defName = (t: ResourceType) => {
  const g = t.group ? t.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${g}.${t.version}.${t.kind}`;
};

const OBJECT_META: KObj = {
  type: 'object',
  description: 'Standard object metadata.',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer', format: 'int64' },
    creationTimestamp: { type: 'string', format: 'date-time' },
    deletionTimestamp: { type: 'string', format: 'date-time' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' } },
    ownerReferences: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    managedFields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  },
};

function kindSchema(t: ResourceType): KObj {
  const base: KObj = t.schema ? structuredClone(t.schema) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  base.type ??= 'object';
  base.properties = {
    ...(base.properties ?? {}),
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], default: {} },
  };
  base['x-kubernetes-group-version-kind'] = [{ group: t.group, version: t.version, kind: t.kind }];
  return base;
}

const q = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

function operations(t: ResourceType, item: boolean): KObj {
  const gvk = { group: t.group, version: t.version, kind: t.kind };
  const ref = { $ref: `#/components/schemas/${defName(t)}` };
  const json = (schema: KObj) => ({ 'application/json': { schema } });
  const ok = { '200': { description: 'OK', content: json(ref) } };
  const common = (action: string, params: string[]) => ({
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    parameters: params.map(q),
  });
  if (!item) {
    return {
      get: { ...common('list', ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'watch']), responses: ok },
      post: { ...common('post', ['dryRun', 'fieldManager', 'fieldValidation']), requestBody: { content: json(ref) }, responses: ok },
    };
  }
  return {
    get: { ...common('get', []), responses: ok },
    put: { ...common('put', ['dryRun', 'fieldManager', 'fieldValidation']), requestBody: { content: json(ref) }, responses: ok },
    patch: {
      ...common('patch', ['dryRun', 'fieldManager', 'fieldValidation', 'force']),
      requestBody: {
        content: {
          'application/json-patch+json': { schema: { type: 'object' } },
          'application/merge-patch+json': { schema: { type: 'object' } },
          'application/apply-patch+yaml': { schema: { type: 'object' } },
        },
      },
      responses: ok,
    },
    delete: { ...common('delete', ['dryRun', 'gracePeriodSeconds', 'propagationPolicy']), responses: ok },
  };
}

export function openapiGroupVersion(types: ResourceType[], group: string, version: string): KObj | undefined {
  const mine = types.filter((t) => t.group === group && t.version === version);
  if (!mine.length) return undefined;
  const prefix = `/${gvPath(group, version)}`;
  const paths: KObj = {};
  const schemas: KObj = {
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': OBJECT_META,
  };
  for (const t of mine) {
    const coll = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}` : `${prefix}/${t.resource}`;
    paths[coll] = operations(t, false);
    paths[`${coll}/{name}`] = operations(t, true);
    schemas[defName(t)] = kindSchema(t);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion },
    paths,
    components: { schemas },
  };
}

/** The /openapi/v3 index; server-relative URLs carry the request's /clusters prefix. */
export function openapiRoot(types: ResourceType[], prefix: string): KObj {
  const gvs = new Set(types.map((t) => `${t.group}\u0000${t.version}`));
  const paths: KObj = {};
  for (const k of gvs) {
    const [g, v] = k.split('\u0000');
    const doc = openapiGroupVersion(types, g, v)!;
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 64).toUpperCase();
    paths[gvPath(g, v)] = { serverRelativeURL: `${prefix}/openapi/v3/${gvPath(g, v)}?hash=${hash}` };
  }
  return { paths };
}
