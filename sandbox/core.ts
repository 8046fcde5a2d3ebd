// The sandbox's API semantics over the store: which types a logical cluster serves,
// workspace paths, and create/update/patch/delete with Kubernetes' object rules
// (metadata, resourceVersion preconditions, status subresource, validation).
import { Store, objKey } from './store.ts';
import { BUILTIN_TYPES, grKey, gvString, typeFromSchema, type ResourceType } from './resources.ts';
import {
  StatusError,
  alreadyExists,
  badRequest,
  clone,
  conflict,
  invalid,
  nameProblem,
  newUid,
  notFound,
  nowIso,
  randomClusterName,
  randomSuffix,
  type KObj,
} from './util.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';

export const GR = {
  namespaces: grKey('', 'namespaces'),
  secrets: grKey('', 'secrets'),
  serviceaccounts: grKey('', 'serviceaccounts'),
  configmaps: grKey('', 'configmaps'),
  logicalclusters: grKey('core.kcp.io', 'logicalclusters'),
  workspaces: grKey('tenancy.kcp.io', 'workspaces'),
  workspacetypes: grKey('tenancy.kcp.io', 'workspacetypes'),
  apiexports: grKey('apis.kcp.io', 'apiexports'),
  apiresourceschemas: grKey('apis.kcp.io', 'apiresourceschemas'),
  apibindings: grKey('apis.kcp.io', 'apibindings'),
};

export const CLUSTER_ANNOTATION = 'kcp.io/cluster';
export const PATH_ANNOTATION = 'kcp.io/path';

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string;
  /** how the request addressed the cluster: by path or by logical cluster name */
  addressedByName?: boolean;
}

const META_IMMUTABLE = ['uid', 'creationTimestamp', 'namespace', 'name', 'selfLink', 'deletionTimestamp'];

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as KObj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as KObj)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
const same = (a: unknown, b: unknown) => stableStringify(a) === stableStringify(b);

/** The parts of an object that count as its spec for `generation`. */
function specPart(o: KObj): KObj {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

export class Core {
  baseUrl = '';
  private typeCache = new Map<string, ResourceType[]>();
  private pathToName = new Map<string, string>();
  private nameToPath = new Map<string, string>();

  /** `builtins`: the types every cluster serves (the hosting mode passes plain Kubernetes ones). */
  constructor(
    readonly store: Store,
    private readonly builtins: ResourceType[] = BUILTIN_TYPES,
  ) {
    store.subscribe((ev) => {
      if (ev.gr === GR.apibindings || ev.gr === GR.apiexports || ev.gr === GR.apiresourceschemas) this.typeCache.clear();
      if (ev.gr === GR.logicalclusters) this.indexLogicalCluster(ev.cluster, ev.type === 'DELETED' ? undefined : ev.obj);
    });
  }

  /** Rebuilds the path index from the LogicalCluster objects (after a journal replay). */
  reindex(): void {
    this.pathToName.clear();
    this.nameToPath.clear();
    for (const c of this.store.clusterNames()) this.indexLogicalCluster(c, this.store.get(c, GR.logicalclusters, undefined, 'cluster'));
    this.typeCache.clear();
  }

  private indexLogicalCluster(cluster: string, lc: KObj | undefined): void {
    const old = this.nameToPath.get(cluster);
    if (old !== undefined) this.pathToName.delete(old);
    this.nameToPath.delete(cluster);
    const path = lc?.metadata?.annotations?.[PATH_ANNOTATION];
    if (path) {
      this.nameToPath.set(cluster, path);
      this.pathToName.set(path, cluster);
    }
  }

  /** The logical cluster a `/clusters/<segment>` addresses: a path (root, root:a:b) or a cluster name. */
  resolveCluster(segment: string): { cluster: string; byName: boolean } | undefined {
    const byPath = this.pathToName.get(segment);
    if (byPath) return { cluster: byPath, byName: false };
    if (this.nameToPath.has(segment)) return { cluster: segment, byName: true };
    return undefined;
  }

  pathOf(cluster: string): string | undefined {
    return this.nameToPath.get(cluster);
  }

  /** Every type served in `cluster`: built-in ones and those bound there. */
  typesFor(cluster: string): ResourceType[] {
    const cached = this.typeCache.get(cluster);
    if (cached) return cached;
    const types = [...this.builtins];
    const seen = new Set(types.map((t) => grKey(t.group, t.resource)));
    for (const b of this.store.list(cluster, GR.apibindings)) {
      if (b.status?.phase !== 'Bound') continue;
      const exportCluster: string | undefined = b.status.apiExportClusterName;
      if (!exportCluster) continue;
      for (const br of b.status.boundResources ?? []) {
        const schema = this.store.get(exportCluster, GR.apiresourceschemas, undefined, br.schema?.name);
        if (!schema) continue;
        const t = typeFromSchema(schema, exportCluster, b.spec?.reference?.export?.name ?? '');
        if (!t) continue;
        const k = grKey(t.group, t.resource);
        if (seen.has(k)) continue;
        seen.add(k);
        types.push(t);
      }
    }
    this.typeCache.set(cluster, types);
    return types;
  }

  /** All types served anywhere (for `/clusters/*` requests). */
  allTypes(): ResourceType[] {
    const byKey = new Map<string, ResourceType>();
    for (const c of this.store.clusterNames()) for (const t of this.typesFor(c)) byKey.set(`${gvString(t)}/${t.resource}`, t);
    return [...byKey.values()];
  }

  findType(cluster: string, group: string, version: string, resource: string): ResourceType | undefined {
    const list = cluster === '*' ? this.allTypes() : this.typesFor(cluster);
    return list.find((t) => t.group === group && t.version === version && t.resource === resource);
  }

  typeForGR(cluster: string, gr: string): ResourceType | undefined {
    return this.typesFor(cluster).find((t) => grKey(t.group, t.resource) === gr) ?? this.builtins.find((t) => grKey(t.group, t.resource) === gr);
  }

  // ---- reads ----

  get(cluster: string, type: ResourceType, ns: string | undefined, name: string): KObj {
    const o = this.store.get(cluster, grKey(type.group, type.resource), type.namespaced ? ns : undefined, name);
    if (!o) throw notFound(type, name);
    return o;
  }

  // ---- writes ----

  /** The apiVersion/kind the stored object carries. */
  private stamp(type: ResourceType, o: KObj): void {
    o.apiVersion = gvString(type);
    o.kind = type.kind;
  }

  private checkBody(type: ResourceType, ns: string | undefined, body: unknown): KObj {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
    const o = body as KObj;
    if (o.apiVersion !== undefined && o.apiVersion !== gvString(type)) {
      throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${gvString(type)})`);
    }
    if (o.kind !== undefined && o.kind !== type.kind) {
      throw badRequest(`the kind in the data (${o.kind}) does not match the expected kind (${type.kind})`);
    }
    o.metadata ??= {};
    if (typeof o.metadata !== 'object') throw badRequest('metadata must be an object');
    if (type.namespaced) {
      if (o.metadata.namespace && ns && o.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      o.metadata.namespace = ns ?? o.metadata.namespace;
    } else delete o.metadata.namespace;
    return o;
  }

  private normalize(type: ResourceType, o: KObj): void {
    if (type.group === '' && type.resource === 'secrets' && o.stringData) {
      o.data = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries(o.stringData as Record<string, string>)) o.data[k] = Buffer.from(String(v)).toString('base64');
      delete o.stringData;
    }
    if (type.group === '' && type.resource === 'secrets') o.type ??= 'Opaque';
    const problems: { field: string; message: string }[] = [];
    for (const [field, map] of [
      ['metadata.labels', o.metadata.labels],
      ['metadata.annotations', o.metadata.annotations],
    ] as const) {
      if (map === undefined || map === null) continue;
      if (typeof map !== 'object' || Array.isArray(map)) problems.push({ field, message: 'Invalid value: must be a map of strings' });
      else for (const [k, v] of Object.entries(map)) if (typeof v !== 'string') problems.push({ field: `${field}[${k}]`, message: `Invalid value: must be a string` });
    }
    if (o.metadata.labels) {
      for (const [k, v] of Object.entries(o.metadata.labels as Record<string, string>)) {
        if (typeof v === 'string' && v !== '' && !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(v)) {
          problems.push({ field: 'metadata.labels', message: `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
        }
        if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(k)) {
          problems.push({ field: 'metadata.labels', message: `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
        }
      }
    }
    if (problems.length) throw invalid(type.kind, type.group, o.metadata.name ?? '', problems);
  }

  create(cluster: string, type: ResourceType, ns: string | undefined, body: unknown, opts: WriteOptions = {}): KObj {
    const gr = grKey(type.group, type.resource);
    const o = clone(this.checkBody(type, ns, body));
    const m = o.metadata;
    if (!m.name && m.generateName) m.name = `${m.generateName}${randomSuffix()}`;
    if (!m.name) throw invalid(type.kind, type.group, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
    const label = type.resource === 'namespaces' || type.resource === 'workspaces' || type.resource === 'serviceaccounts';
    const problem = type.group === 'rbac.authorization.k8s.io' ? (/[/%]/.test(m.name) ? `Invalid value: "${m.name}": may not contain '/' or '%'` : undefined) : nameProblem(m.name, label);
    if (problem) throw invalid(type.kind, type.group, m.name, [{ field: 'metadata.name', message: problem }]);
    if (type.namespaced) {
      if (!m.namespace) throw badRequest('the namespace of the object is required');
      if (!this.store.get(cluster, GR.namespaces, undefined, m.namespace)) throw notFound({ group: '', resource: 'namespaces' }, m.namespace);
    }
    if (this.store.get(cluster, gr, m.namespace, m.name)) throw alreadyExists(type, m.name);
    this.stamp(type, o);
    m.uid = newUid();
    m.creationTimestamp = nowIso();
    m.generation = 1;
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.managedFields;
    m.annotations = { ...(m.annotations ?? {}), [CLUSTER_ANNOTATION]: cluster };
    this.normalize(type, o);
    this.admit(cluster, type, o, undefined, opts);
    if (opts.dryRun) return o;
    return clone(this.store.put(cluster, gr, o, 'ADDED'));
  }

  /** The type a Workspace created with no type in `cluster` gets: the defaultChildWorkspaceType of `cluster`'s own type. */
  private defaultChildType(cluster: string): { name: string; path: string } {
    let own: { name?: string; path?: string } | undefined = cluster === 'root' ? { name: 'root', path: 'root' } : undefined;
    const path = this.pathOf(cluster);
    const cut = path?.lastIndexOf(':') ?? -1;
    if (!own && path && cut > 0) {
      const parent = this.resolveCluster(path.slice(0, cut))?.cluster;
      own = parent ? this.store.get(parent, GR.workspaces, undefined, path.slice(cut + 1))?.spec?.type : undefined;
    }
    const typeCluster = own ? this.resolveCluster(own.path ?? 'root')?.cluster : undefined;
    const d = typeCluster ? this.store.get(typeCluster, GR.workspacetypes, undefined, own!.name ?? '')?.spec?.defaultChildWorkspaceType : undefined;
    return d?.name ? { name: d.name, path: d.path ?? 'root' } : { name: 'universal', path: 'root' };
  }

  /** Type-specific defaulting and validation on create (old undefined) and update. */
  private admit(cluster: string, type: ResourceType, o: KObj, old: KObj | undefined, opts: WriteOptions): void {
    const gr = grKey(type.group, type.resource);
    if (gr === GR.namespaces) {
      o.spec = { finalizers: ['kubernetes'], ...(o.spec ?? {}) };
      o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name };
      o.status = old?.status ?? { phase: 'Active' };
    }
    if (gr === GR.workspaces) {
      if (old) {
        o.spec.cluster = old.spec.cluster;
        o.spec.URL = old.spec.URL;
        o.spec.type = old.spec.type;
        return;
      }
      o.spec ??= {};
      // As kcp's WorkspaceTypeExists admission: an empty type is the parent type's defaultChildWorkspaceType.
      const wtype = o.spec.type?.name || o.spec.type?.path ? { name: o.spec.type.name ?? 'universal', path: o.spec.type.path ?? 'root' } : this.defaultChildType(cluster);
      const typeCluster = this.resolveCluster(wtype.path)?.cluster;
      if (!typeCluster || !this.store.get(typeCluster, GR.workspacetypes, undefined, wtype.name)) {
        throw invalid('Workspace', 'tenancy.kcp.io', o.metadata.name, [
          { field: 'spec.type', message: `Invalid value: "${wtype.path}:${wtype.name}": workspace type ${wtype.path}:${wtype.name} does not exist` },
        ]);
      }
      o.spec.type = wtype;
      const child = randomClusterName();
      o.spec.cluster = child;
      const parentPath = this.pathOf(cluster) ?? cluster;
      o.spec.URL = `${this.baseUrl}/clusters/${opts.addressedByName ? child : `${parentPath}:${o.metadata.name}`}`;
      o.status = { phase: 'Scheduling' };
    }
  }

  update(cluster: string, type: ResourceType, ns: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): KObj {
    const gr = grKey(type.group, type.resource);
    const o = clone(this.checkBody(type, ns, body));
    if (o.metadata.name && o.metadata.name !== name) throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    o.metadata.name = name;
    const old = this.store.get(cluster, gr, type.namespaced ? ns : undefined, name);
    if (!old) throw notFound(type, name);
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(type, name);
    return this.replace(cluster, type, old, o, opts);
  }

  /** Writes `o` over `old`, keeping what clients may not change. */
  private replace(cluster: string, type: ResourceType, old: KObj, o: KObj, opts: WriteOptions): KObj {
    const gr = grKey(type.group, type.resource);
    this.stamp(type, o);
    if (opts.subresource === 'status') {
      const status = o.status;
      o = clone(old);
      if (status === undefined) delete o.status;
      else o.status = status;
    } else if (opts.subresource) {
      throw notFound(type, `${old.metadata.name}/${opts.subresource}`);
    } else if (type.status) {
      if (old.status === undefined) delete o.status;
      else o.status = clone(old.status);
    }
    for (const k of META_IMMUTABLE) {
      if (old.metadata[k] === undefined) delete o.metadata[k];
      else o.metadata[k] = old.metadata[k];
    }
    delete o.metadata.managedFields;
    o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [CLUSTER_ANNOTATION]: cluster };
    this.normalize(type, o);
    this.admit(cluster, type, o, old, opts);
    o.metadata.generation = old.metadata.generation ?? 1;
    if (!same(specPart(o), specPart(old))) o.metadata.generation += 1;
    o.metadata.resourceVersion = old.metadata.resourceVersion;
    if (same(o, old)) return clone(old); // a no-op write keeps the resourceVersion
    if (opts.dryRun) return o;
    return clone(this.store.put(cluster, gr, o, 'MODIFIED'));
  }

  patch(
    cluster: string,
    type: ResourceType,
    ns: string | undefined,
    name: string,
    contentType: string,
    body: unknown,
    opts: WriteOptions & { force?: boolean } = {},
  ): KObj {
    const gr = grKey(type.group, type.resource);
    const old = this.store.get(cluster, gr, type.namespaced ? ns : undefined, name);
    const ct = contentType.split(';')[0].trim();
    if (!old) {
      if (ct === 'application/apply-patch+yaml') return this.create(cluster, type, ns, body, opts);
      throw notFound(type, name);
    }
    let next: unknown;
    switch (ct) {
      case 'application/merge-patch+json':
      case 'application/apply-patch+yaml':
        next = mergePatch(old, body);
        break;
      case 'application/strategic-merge-patch+json':
        if (type.boundFrom) {
          throw new StatusError(415, 'UnsupportedMediaType', 'strategic merge patch is not supported for custom resources; use merge patch');
        }
        next = strategicMergePatch(old, body);
        break;
      case 'application/json-patch+json':
        next = jsonPatch(old, body);
        break;
      default:
        throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    }
    const n = this.checkBody(type, ns, next);
    if (n.metadata.name !== name) throw badRequest('the name of the object may not be changed by a patch');
    // a resourceVersion in the patch is a precondition
    const patchRV = (body as KObj)?.metadata?.resourceVersion;
    if (typeof patchRV === 'string' && patchRV !== old.metadata.resourceVersion) throw conflict(type, name);
    return this.replace(cluster, type, old, n, opts);
  }

  /** Deletes one object; namespaces take their contents and workspaces their logical cluster along. */
  delete(cluster: string, type: ResourceType, ns: string | undefined, name: string, opts: WriteOptions & { preconditionRV?: string; preconditionUid?: string } = {}): KObj {
    const gr = grKey(type.group, type.resource);
    const old = this.store.get(cluster, gr, type.namespaced ? ns : undefined, name);
    if (!old) throw notFound(type, name);
    if (opts.preconditionRV && opts.preconditionRV !== old.metadata.resourceVersion) throw conflict(type, name);
    if (opts.preconditionUid && opts.preconditionUid !== old.metadata.uid) throw conflict(type, name);
    if (opts.dryRun) return clone(old);
    if (gr === GR.namespaces) {
      for (const [g, o] of [...this.store.allIn(cluster)]) {
        if (o.metadata.namespace === name) this.store.delete(cluster, g, name, o.metadata.name);
      }
      const gone = this.store.delete(cluster, gr, undefined, name)!;
      gone.status = { phase: 'Terminating' };
      gone.metadata.deletionTimestamp = nowIso();
      return gone;
    }
    if (gr === GR.workspaces) this.deleteLogicalCluster(old.spec?.cluster);
    return this.store.delete(cluster, gr, type.namespaced ? ns : undefined, name)!;
  }

  deleteLogicalCluster(cluster: string | undefined): void {
    if (!cluster || cluster === 'root' || !this.store.hasCluster(cluster)) return;
    for (const ws of this.store.list(cluster, GR.workspaces)) this.deleteLogicalCluster(ws.spec?.cluster);
    this.store.deleteCluster(cluster);
  }

  /** Writes an object as a controller does: no admission, status included. */
  putRaw(cluster: string, gr: string, o: KObj): KObj {
    const old = this.store.get(cluster, gr, o.metadata.namespace, o.metadata.name);
    if (old) {
      const merged = { ...o, metadata: { ...o.metadata, resourceVersion: old.metadata.resourceVersion } };
      if (same(merged, old)) return old;
    }
    o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [CLUSTER_ANNOTATION]: cluster };
    o.metadata.uid ??= newUid();
    o.metadata.creationTimestamp ??= nowIso();
    o.metadata.generation ??= 1;
    return this.store.put(cluster, gr, o, old ? 'MODIFIED' : 'ADDED');
  }

  /** Creates a logical cluster with its LogicalCluster object and `default` namespace. */
  ensureLogicalCluster(cluster: string, path: string, phase = 'Ready'): void {
    const lc = this.store.get(cluster, GR.logicalclusters, undefined, 'cluster');
    if (!lc || lc.metadata.annotations?.[PATH_ANNOTATION] !== path || lc.status?.phase !== phase) {
      this.putRaw(cluster, GR.logicalclusters, {
        apiVersion: 'core.kcp.io/v1alpha1',
        kind: 'LogicalCluster',
        metadata: { ...(lc?.metadata ?? {}), name: 'cluster', annotations: { ...(lc?.metadata?.annotations ?? {}), [PATH_ANNOTATION]: path } },
        spec: lc?.spec ?? {},
        status: { phase, URL: `${this.baseUrl}/clusters/${path}` },
      });
    }
    if (!this.store.get(cluster, GR.namespaces, undefined, 'default')) {
      this.putRaw(cluster, GR.namespaces, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
  }
}

export { objKey };
