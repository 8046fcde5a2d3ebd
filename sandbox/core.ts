// The sandbox's API semantics over the store: which types a logical cluster serves,
// workspace paths, and create/update/patch/delete with Kubernetes' object rules
// (metadata, resourceVersion preconditions, status subresource, schema validation,
// admission, managedFields, finalizers and deletionTimestamp).
import { Store, objKey } from './store.ts';
import { BUILTIN_TYPES, grKey, gvString, typeFromSchema, type ResourceType } from './resources.ts';
import {
  StatusError,
  admissionForbidden,
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
import { admitAPIBinding, admitKcpObject, admitWorkspaceCreate, admitWorkspaceUpdate, TYPE_ANNOTATION } from './admission.ts';
import type { User } from './auth.ts';
import { recordCreate, recordUpdate, serverSideApply } from './apply.ts';
import { validateObject } from './schema.ts';

export const GR = {
  namespaces: grKey('', 'namespaces'),
  secrets: grKey('', 'secrets'),
  serviceaccounts: grKey('', 'serviceaccounts'),
  configmaps: grKey('', 'configmaps'),
  clusterroles: grKey('rbac.authorization.k8s.io', 'clusterroles'),
  clusterrolebindings: grKey('rbac.authorization.k8s.io', 'clusterrolebindings'),
  roles: grKey('rbac.authorization.k8s.io', 'roles'),
  rolebindings: grKey('rbac.authorization.k8s.io', 'rolebindings'),
  logicalclusters: grKey('core.kcp.io', 'logicalclusters'),
  workspaces: grKey('tenancy.kcp.io', 'workspaces'),
  workspacetypes: grKey('tenancy.kcp.io', 'workspacetypes'),
  apiexports: grKey('apis.kcp.io', 'apiexports'),
  apiresourceschemas: grKey('apis.kcp.io', 'apiresourceschemas'),
  apibindings: grKey('apis.kcp.io', 'apibindings'),
};

export const CLUSTER_ANNOTATION = 'kcp.io/cluster';
export const PHASE_LABEL = 'tenancy.kcp.io/phase';

/** Whether something still holds a deleted object: metadata.finalizers, or a namespace's spec.finalizers. */
function pendingFinalizers(gr: string, o: KObj): boolean {
  return (o.metadata.finalizers ?? []).length > 0 || (gr === GR.namespaces && (o.spec?.finalizers ?? []).length > 0);
}
export const PATH_ANNOTATION = 'kcp.io/path';

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string;
  /** who asks (admission's owner annotation and permission checks); none = the sandbox's own controllers */
  user?: User;
  /** the field manager of the write (managedFields); none = the sandbox's own controllers */
  fieldManager?: string;
  /** server-side apply: the request is an applied configuration */
  apply?: boolean;
  force?: boolean;
  /** ?fieldValidation (Strict, Warn, Ignore) */
  fieldValidation?: string;
  /** filled with the warnings to send (Warning headers) */
  warnings?: string[];
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
    const path = lc && cluster === 'root' ? 'root' : lc?.metadata?.annotations?.[PATH_ANNOTATION];
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
    const requested = clone(o);
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
    opts.warnings?.push(...validateObject(type, o, opts.fieldValidation));
    this.admit(cluster, type, o, undefined, opts);
    if (opts.fieldManager) recordCreate(o, requested, opts.fieldManager, gvString(type), opts.apply ? 'Apply' : 'Update');
    if (opts.dryRun) return o;
    return clone(this.store.put(cluster, gr, o, 'ADDED'));
  }

  /** Type-specific defaulting and validation on create (old undefined) and update. */
  private admit(cluster: string, type: ResourceType, o: KObj, old: KObj | undefined, opts: WriteOptions): void {
    const gr = grKey(type.group, type.resource);
    const name: string = o.metadata.name;
    if (type.namespaced && !old) {
      const ns = this.store.get(cluster, GR.namespaces, undefined, o.metadata.namespace);
      if (ns?.metadata.deletionTimestamp) {
        throw admissionForbidden(type, name, `unable to create new content in namespace ${o.metadata.namespace} because it is being terminated`);
      }
    }
    if (old?.metadata.deletionTimestamp) {
      const added = (o.metadata.finalizers ?? []).filter((f: string) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length) throw invalid(type.kind, type.group, name, [{ field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted', reason: 'FieldValueForbidden' }]);
    }
    if (opts.subresource === 'status') return;
    if (gr === GR.namespaces) {
      o.spec = { finalizers: ['kubernetes'], ...(o.spec ?? {}) };
      if (old) o.spec.finalizers = old.spec?.finalizers ?? []; // only the finalize subresource changes them
      o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name };
      o.status = old?.status ?? { phase: 'Active' };
    }
    if (gr === GR.workspaces) {
      if (old) admitWorkspaceUpdate(o, old, opts.user);
      else admitWorkspaceCreate(this, cluster, o, opts.user);
    }
    if (gr === GR.apibindings) admitAPIBinding(this, cluster, o, old, opts.user);
    if (opts.user) admitKcpObject(this, cluster, gr, o, old);
    if (old && (gr === GR.rolebindings || gr === GR.clusterrolebindings) && !same(o.roleRef, old.roleRef)) {
      const r = old.roleRef ?? {};
      throw invalid(type.kind, type.group, name, [
        { field: 'roleRef', message: `Invalid value: rbac.RoleRef{APIGroup:${JSON.stringify(r.apiGroup ?? '')}, Kind:${JSON.stringify(r.kind ?? '')}, Name:${JSON.stringify(r.name ?? '')}}: cannot change roleRef` },
      ]);
    }
    if (old && (gr === GR.configmaps || gr === GR.secrets) && old.immutable === true) {
      const problems: { field: string; message: string; reason?: string }[] = [];
      if (o.immutable !== true) problems.push({ field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' });
      if (!same(o.data ?? {}, old.data ?? {})) problems.push({ field: 'data', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' });
      if (gr === GR.configmaps && !same(o.binaryData ?? {}, old.binaryData ?? {})) problems.push({ field: 'binaryData', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' });
      if (problems.length) throw invalid(type.kind, type.group, name, problems);
    }
    if (old && gr === GR.secrets && (o.type ?? 'Opaque') !== (old.type ?? 'Opaque')) {
      throw invalid(type.kind, type.group, name, [{ field: 'type', message: `Invalid value: ${JSON.stringify(o.type)}: field is immutable` }]);
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
    // managedFields are the server's record: kept from the stored object, then updated for this write
    if (opts.apply) {
      // serverSideApply computed them
    } else if (old.metadata.managedFields) o.metadata.managedFields = clone(old.metadata.managedFields);
    else delete o.metadata.managedFields;
    o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [CLUSTER_ANNOTATION]: cluster };
    this.normalize(type, o);
    opts.warnings?.push(...validateObject(type, o, opts.fieldValidation));
    this.admit(cluster, type, o, old, opts);
    if (opts.fieldManager && !opts.apply && opts.subresource !== 'status') recordUpdate(o, old, opts.fieldManager, gvString(type));
    o.metadata.generation = old.metadata.generation ?? 1;
    if (!same(specPart(o), specPart(old))) o.metadata.generation += 1;
    o.metadata.resourceVersion = old.metadata.resourceVersion;
    if (same(o, old)) return clone(old); // a no-op write keeps the resourceVersion
    if (opts.dryRun) return o;
    return clone(this.putOrFinish(cluster, gr, o));
  }

  patch(
    cluster: string,
    type: ResourceType,
    ns: string | undefined,
    name: string,
    contentType: string,
    body: unknown,
    opts: WriteOptions = {},
  ): KObj {
    const gr = grKey(type.group, type.resource);
    const old = this.store.get(cluster, gr, type.namespaced ? ns : undefined, name);
    const ct = contentType.split(';')[0].trim();
    if (!old) {
      if (ct === 'application/apply-patch+yaml') return this.create(cluster, type, ns, body, { ...opts, apply: true });
      throw notFound(type, name);
    }
    let next: unknown;
    switch (ct) {
      case 'application/merge-patch+json':
        next = mergePatch(old, body);
        break;
      case 'application/apply-patch+yaml':
        next = serverSideApply(old, this.checkBody(type, ns, clone(body)), opts.fieldManager ?? '', gvString(type), Boolean(opts.force), { kind: type.resource, group: type.group, name });
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
    return this.replace(cluster, type, old, n, { ...opts, apply: ct === 'application/apply-patch+yaml' });
  }

  /**
   * Deletes one object. One with finalizers (a namespace's spec.finalizers too) only gets its
   * deletionTimestamp (namespaces turn Terminating, workspaces Deleting); it goes once they are gone.
   */
  delete(cluster: string, type: ResourceType, ns: string | undefined, name: string, opts: WriteOptions & { preconditionRV?: string; preconditionUid?: string } = {}): KObj {
    const gr = grKey(type.group, type.resource);
    const old = this.store.get(cluster, gr, type.namespaced ? ns : undefined, name);
    if (!old) throw notFound(type, name);
    if (opts.preconditionRV && opts.preconditionRV !== old.metadata.resourceVersion) throw conflict(type, name);
    if (opts.preconditionUid && opts.preconditionUid !== old.metadata.uid) throw conflict(type, name);
    if (gr === GR.logicalclusters && opts.user && !old.spec?.directlyDeletable) throw admissionForbidden(type, name, 'LogicalCluster cannot be deleted');
    if (opts.dryRun) return clone(old);
    if (!pendingFinalizers(gr, old)) return this.store.delete(cluster, gr, type.namespaced ? ns : undefined, name)!;
    if (old.metadata.deletionTimestamp) return clone(old);
    const next = clone(old);
    next.metadata.deletionTimestamp = nowIso();
    next.metadata.deletionGracePeriodSeconds = 0;
    if (gr === GR.namespaces) next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    if (gr === GR.workspaces) next.metadata.labels = { ...(next.metadata.labels ?? {}), [PHASE_LABEL]: 'Deleting' };
    return clone(this.store.put(cluster, gr, next, 'MODIFIED'));
  }

  /** Writes `o` (a controller's or a client's update), or removes it when it is being deleted and nothing holds it any more. */
  private putOrFinish(cluster: string, gr: string, o: KObj): KObj {
    if (o.metadata.deletionTimestamp && !pendingFinalizers(gr, o)) {
      return this.store.delete(cluster, gr, o.metadata.namespace, o.metadata.name) ?? o;
    }
    return this.store.put(cluster, gr, o, 'MODIFIED');
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
    return old ? this.putOrFinish(cluster, gr, o) : this.store.put(cluster, gr, o, 'ADDED');
  }

  /**
   * Creates or moves on a logical cluster: its LogicalCluster object (path and type annotations,
   * phase, pending initializers) and its `default` namespace.
   */
  ensureLogicalCluster(cluster: string, path: string, phase = 'Ready', more: { type?: string; owner?: KObj; annotations?: Record<string, string>; initializers?: string[] } = {}): void {
    const lc = this.store.get(cluster, GR.logicalclusters, undefined, 'cluster');
    const annotations: Record<string, string> = { ...(lc?.metadata?.annotations ?? {}), ...(more.annotations ?? {}), [PATH_ANNOTATION]: path };
    if (more.type) annotations[TYPE_ANNOTATION] = more.type;
    if (cluster === 'root') delete annotations[PATH_ANNOTATION]; // kcp's root LogicalCluster has no path annotation
    const initializers = more.initializers ?? lc?.status?.initializers ?? [];
    const next: KObj = {
      apiVersion: 'core.kcp.io/v1alpha1',
      kind: 'LogicalCluster',
      metadata: {
        ...(lc?.metadata ?? {}),
        name: 'cluster',
        annotations,
        labels: { ...(lc?.metadata?.labels ?? {}), [PHASE_LABEL]: phase },
        finalizers: cluster === 'root' ? [] : ['core.kcp.io/logicalcluster-deletion'],
      },
      spec: { ...(lc?.spec ?? {}), ...(more.owner ? { owner: more.owner } : {}), initializers: lc?.spec?.initializers ?? more.initializers ?? [] },
      status: { phase, URL: `${this.baseUrl}/clusters/${cluster}`, initializers: phase === 'Ready' ? [] : initializers },
    };
    if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
    this.putRaw(cluster, GR.logicalclusters, next);
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
