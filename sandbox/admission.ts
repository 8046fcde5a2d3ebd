// kcp v0.11's admission for its own kinds: Workspaces (type defaulting from the parent's
// type, `use` permission, allowed parents/children, system fields and immutability) and
// APIBindings (bind permission on the export, export label, finalizer, immutable
// reference). Refusals carry kcp's texts: 403 for admission plugins, 422 for the
// schemas' CEL rules.
import { createHash } from 'node:crypto';
import { GR, PATH_ANNOTATION, type Core } from './core.ts';
import { allowed, MASTERS } from './rbac.ts';
import type { User } from './auth.ts';
import { admissionForbidden, invalid, type KObj } from './util.ts';

export const TYPE_ANNOTATION = 'internal.tenancy.kcp.io/type';
export const OWNER_ANNOTATION = 'experimental.tenancy.kcp.io/owner';
export const EXPORT_LABEL = 'internal.apis.kcp.io/export';
export const APIBINDING_FINALIZER = 'apis.kcp.io/apibinding-finalizer';
const WS_GR = { group: 'tenancy.kcp.io', resource: 'workspaces' };
const AB_GR = { group: 'apis.kcp.io', resource: 'apibindings' };

export interface TypeRef {
  name: string;
  path: string;
}
export interface ResolvedType {
  ref: TypeRef;
  cluster: string;
  obj: KObj;
}

export const typeString = (r: { name?: string; path?: string }) => (r.path ? `${r.path}:${r.name ?? ''}` : (r.name ?? ''));
const isMasters = (u?: User) => !u || u.groups.includes(MASTERS);

export function getType(core: Core, ref: TypeRef): ResolvedType | undefined {
  const cluster = core.resolveCluster(ref.path)?.cluster;
  const obj = cluster ? core.store.get(cluster, GR.workspacetypes, undefined, ref.name) : undefined;
  return cluster && obj ? { ref, cluster, obj } : undefined;
}

/** The type and every type it extends, the extended ones first (kcp's transitive type resolver). */
export function typeChain(core: Core, t: ResolvedType): ResolvedType[] {
  const out: ResolvedType[] = [];
  const seen = new Set<string>([typeString(t.ref)]);
  const walk = (cur: ResolvedType) => {
    for (const w of cur.obj.spec?.extend?.with ?? []) {
      const ref = { name: w.name, path: w.path ?? cur.ref.path };
      if (seen.has(typeString(ref))) continue;
      seen.add(typeString(ref));
      const base = getType(core, ref);
      if (!base) continue;
      out.push(base);
      walk(base);
    }
  };
  walk(t);
  out.push(t);
  return out;
}

/** The default child type of a type; the schema default is root:universal. */
const defaultChild = (t: ResolvedType): TypeRef => {
  const d = t.obj.spec?.defaultChildWorkspaceType;
  return { name: d?.name || 'universal', path: d?.path || 'root' };
};

/** The parent workspace's type, from its LogicalCluster's annotation. */
export function clusterType(core: Core, cluster: string): ResolvedType | undefined {
  const a: string | undefined = core.store.get(cluster, GR.logicalclusters, undefined, 'cluster')?.metadata?.annotations?.[TYPE_ANNOTATION];
  if (!a) return undefined;
  const i = a.lastIndexOf(':');
  return getType(core, { path: a.slice(0, i), name: a.slice(i + 1) });
}

const sortedRefs = (refs: TypeRef[]) => `[${[...new Set(refs.map(typeString))].sort().join(' ')}]`;
const refIn = (chain: ResolvedType[], allowed: KObj[]) => chain.some((c) => allowed.some((a) => a.name === c.ref.name && (a.path ?? '') === c.ref.path));

function checkParentsAndChildren(parent: ResolvedType, parentChain: ResolvedType[], child: TypeRef, childChain: ResolvedType[]): string | undefined {
  const errs: string[] = [];
  for (const c of childChain) {
    const lim = c.obj.spec?.limitAllowedParents;
    if (!lim) continue;
    if (lim.none) return `workspace type ${typeString(child)} cannot have any parent`;
    if (!lim.types?.length || refIn(parentChain, lim.types)) continue;
    const ext = typeString(c.ref) !== typeString(child) ? ` extends ${typeString(c.ref)}, which` : '';
    errs.push(`workspace type ${typeString(child)}${ext} only allows ${sortedRefs(lim.types)} parent workspaces, but parent type ${typeString(parent.ref)} only implements ${sortedRefs(parentChain.map((p) => p.ref))}`);
  }
  for (const p of parentChain) {
    const lim = p.obj.spec?.limitAllowedChildren;
    if (!lim) continue;
    if (lim.none) return `workspace type ${typeString(parent.ref)} cannot have any child`;
    if (!lim.types?.length || refIn(childChain, lim.types)) continue;
    const ext = typeString(p.ref) !== typeString(parent.ref) ? ` extends ${typeString(p.ref)}, which` : '';
    errs.push(`workspace type ${typeString(parent.ref)}${ext} only allows ${sortedRefs(lim.types)} child workspaces, but child type ${typeString(child)} only implements ${sortedRefs(childChain.map((c) => c.ref))}`);
  }
  return errs.length === 0 ? undefined : errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

/** Workspace create: defaults and checks spec.type, refuses system fields, records the owner. */
export function admitWorkspaceCreate(core: Core, cluster: string, o: KObj, user: User | undefined): void {
  const name: string = o.metadata.name;
  const refuse = (text: string) => admissionForbidden(WS_GR, name, text);
  o.spec ??= {};
  if (!isMasters(user)) {
    if (o.spec.cluster) throw refuse('spec.Cluster can only be set by system privileged users');
    if (o.spec.URL) throw refuse('spec.URL can only be set by system privileged users');
  }
  const parent = clusterType(core, cluster);
  if (!parent) throw refuse('workspace type cannot be resolved: the parent logical cluster has no type');
  let want: TypeRef;
  const given = o.spec.type ?? {};
  if (!given.name && !given.path) want = defaultChild(parent);
  else if (given.path) want = { name: given.name ?? '', path: given.path };
  else {
    // a bare name: the current workspace, then each ancestor, finally root
    const here = core.pathOf(cluster) ?? 'root';
    const candidates: string[] = [];
    for (let p = here; p; p = p.includes(':') ? p.slice(0, p.lastIndexOf(':')) : '') candidates.push(p);
    if (!candidates.includes('root')) candidates.push('root');
    const found = candidates.map((p) => getType(core, { name: given.name, path: p })).find(Boolean);
    if (!found) throw refuse(`workspace type ${JSON.stringify(given.name)} cannot be resolved`);
    want = found.ref;
  }
  const t = getType(core, want);
  if (!t) throw refuse(`Internal error occurred: workspacetypes.tenancy.kcp.io ${JSON.stringify(typeString(want))} not found`);
  const chain = typeChain(core, t);
  for (const c of chain) {
    if (user && !allowed(core, c.cluster, user, { verb: 'use', group: 'tenancy.kcp.io', resource: 'workspacetypes', name: c.ref.name }, { deep: true })) {
      throw refuse(`unable to use workspace type ${typeString(c.ref)}: missing verb='use' permission on workspacetype`);
    }
  }
  const problem = checkParentsAndChildren(parent, typeChain(core, parent), want, chain);
  if (problem) throw refuse(problem);
  o.spec.type = { name: want.name, path: want.path };
  for (const [k, v] of Object.entries((t.obj.spec?.additionalWorkspaceLabels ?? {}) as Record<string, string>)) {
    o.metadata.labels ??= {};
    o.metadata.labels[k] ??= v;
  }
  if (user && !isMasters(user)) {
    const owner: KObj = { username: user.name };
    if (user.uid) owner.uid = user.uid;
    if (user.groups.length) owner.groups = user.groups;
    o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [OWNER_ANNOTATION]: JSON.stringify(owner) };
  }
  o.status = { phase: 'Scheduling' };
}

/** Workspace update: the schema's CEL rules (422) and the admission plugin's system-field rules (403). */
export function admitWorkspaceUpdate(o: KObj, old: KObj, user: User | undefined): void {
  const name: string = old.metadata.name;
  const cel = (field: string, kind: string, text: string) => invalid('Workspace', 'tenancy.kcp.io', name, [{ field, message: `Invalid value: "${kind}": ${text}` }]);
  o.spec ??= {};
  const ot = old.spec?.type ?? {};
  const nt = o.spec.type ?? {};
  if ((ot.name ?? '') !== (nt.name ?? '')) throw cel('spec.type', 'object', 'name is immutable');
  if ((ot.path ?? '') !== (nt.path ?? '')) throw cel('spec.type', 'object', 'path is immutable');
  if (old.spec?.URL && !o.spec.URL) throw cel('spec', 'object', 'URL cannot be unset');
  if (old.spec?.cluster && !o.spec.cluster) throw cel('spec', 'object', 'cluster cannot be unset');
  if (old.spec?.cluster && o.spec.cluster && old.spec.cluster !== o.spec.cluster) throw cel('spec.cluster', 'string', 'cluster is immutable');
  if (!isMasters(user)) {
    if ((old.spec?.cluster ?? '') !== (o.spec.cluster ?? '')) throw admissionForbidden(WS_GR, name, 'spec.cluster can only be changed by system privileged users');
    if ((old.spec?.URL ?? '') !== (o.spec.URL ?? '')) throw admissionForbidden(WS_GR, name, 'spec.URL can only be changed by system privileged users');
  }
}

/** base62 (Go's big.Int.Text(62) digits) of a sha224 digest. */
export function base62Sha224(s: string): string {
  const digits = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let n = BigInt('0x' + createHash('sha224').update(s).digest('hex'));
  if (n === 0n) return '0';
  let out = '';
  while (n > 0n) {
    out = digits[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

/** kcp's name for a default APIBinding of a new workspace: `<export>-<5 chars>`. */
export function defaultBindingName(lcName: string, exportPath: string, exportName: string): string {
  return `${exportName.slice(0, 247)}-${base62Sha224(`${lcName}|${exportPath}|${exportName}`).slice(0, 5).toLowerCase()}`;
}

/** APIBinding create/update: bind permission on the export, the export label, the finalizer, the immutable reference. */
export function admitAPIBinding(core: Core, cluster: string, o: KObj, old: KObj | undefined, user: User | undefined): void {
  const name: string = o.metadata.name;
  const ref: KObj = o.spec?.reference?.export ?? {};
  if (old) {
    const oref = old.spec?.reference?.export ?? {};
    if ((oref.name ?? '') !== (ref.name ?? '') || (oref.path ?? '') !== (ref.path ?? '')) {
      throw invalid('APIBinding', 'apis.kcp.io', name, [{ field: 'spec.reference', message: 'Invalid value: "object": APIExport reference must not be changed' }]);
    }
  }
  if (!ref.name) throw admissionForbidden(AB_GR, name, '[spec.reference.export.name: Required value]');
  const path: string = ref.path ?? '';
  const exportCluster = path === '' ? cluster : path === 'root' ? 'root' : core.resolveCluster(path)?.cluster;
  const refused = () => admissionForbidden(AB_GR, name, `unable to ${old ? 'update' : 'create'} APIBinding: no permission to bind to export ${path ? `${path}:` : ''}${ref.name}`);
  const labelWanted = exportCluster ? base62Sha224(`${exportCluster}:${ref.name}`) : undefined;
  const recheck = !old || (old.metadata.labels?.[EXPORT_LABEL] ?? '') !== (o.metadata.labels?.[EXPORT_LABEL] ?? '');
  if (recheck) {
    // kcp checks existence only for paths other than "" and root, and says the same for "missing" and "not allowed"
    if (!exportCluster) throw refused();
    if (path !== '' && path !== 'root' && !core.store.get(exportCluster, GR.apiexports, undefined, ref.name)) throw refused();
    if (user && !allowed(core, exportCluster, user, { verb: 'bind', group: 'apis.kcp.io', resource: 'apiexports', name: ref.name }, { deep: true })) throw refused();
  }
  const label = o.metadata.labels?.[EXPORT_LABEL];
  if (label !== undefined && label !== labelWanted && old) {
    throw admissionForbidden(AB_GR, name, `metadata.labels[${EXPORT_LABEL}]: Invalid value: ${JSON.stringify(label)}: must be set to ${JSON.stringify(labelWanted)}`);
  }
  if (labelWanted) o.metadata.labels = { ...(o.metadata.labels ?? {}), [EXPORT_LABEL]: labelWanted };
  if (!old) o.metadata.finalizers = [...new Set([...(o.metadata.finalizers ?? []), APIBINDING_FINALIZER])];
}

/** kcp's smaller plugins: reserved WorkspaceType names, the kcp.io/path annotation, no LogicalCluster from users. */
export function admitKcpObject(core: Core, cluster: string, gr: string, o: KObj, old: KObj | undefined): void {
  const name: string = o.metadata.name;
  if (gr === GR.logicalclusters && !old) throw admissionForbidden({ group: 'core.kcp.io', resource: 'logicalclusters' }, name, 'LogicalCluster cannot be created');
  if (gr === GR.workspacetypes && !old && (name === 'any' || name === 'system')) {
    throw admissionForbidden({ group: 'tenancy.kcp.io', resource: 'workspacetypes' }, name, `metadata.name: Invalid value: ${JSON.stringify(name)}: name is reserved`);
  }
  if (gr === GR.workspacetypes || gr === GR.apiexports) {
    const path = core.pathOf(cluster);
    if (path) o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [PATH_ANNOTATION]: path };
  }
}

