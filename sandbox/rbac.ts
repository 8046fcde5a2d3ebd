// Authorization as kcp v0.11 does it for one shard: system:masters may do anything;
// everyone else needs a logical cluster that exists; a service account only works in
// its own logical cluster; other users need verb `access` on `/` there; nobody but
// system:masters writes apibindings/status or apiexports/status; kcp-admin has
// cluster-admin everywhere (kcp's bootstrap binding in system:admin); the rest goes
// through Kubernetes RBAC of the workspace plus kcp's bootstrap roles. Every refusal
// reads "… : access denied", as kcp's outer authorizer rewrites the reason.
import { GR } from './core.ts';
import type { Core } from './core.ts';
import type { User } from './auth.ts';
import { StatusError, type KObj } from './util.ts';

export interface Attributes {
  verb: string;
  /** resource requests */
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  /** non-resource requests */
  path?: string;
}

export const MASTERS = 'system:masters';
export const KCP_ADMIN_GROUP = 'system:kcp:admin';

const rule = (apiGroups: string[], resources: string[], verbs: string[], more: KObj = {}): KObj => ({ apiGroups, resources, verbs, ...more });
const nonResource = (urls: string[], verbs: string[]): KObj => ({ nonResourceURLs: urls, verbs });
const READ = ['get', 'list', 'watch'];

/** What Kubernetes' aggregated `view` role reads (no Secrets), and `edit` also writes. */
const WORKLOADS: [string[], string[]][] = [
  [[''], ['configmaps', 'endpoints', 'events', 'limitranges', 'namespaces', 'persistentvolumeclaims', 'pods', 'pods/log', 'pods/status', 'replicationcontrollers', 'resourcequotas', 'serviceaccounts', 'services']],
  [['apps'], ['daemonsets', 'deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']],
  [['batch'], ['cronjobs', 'jobs']],
  [['networking.k8s.io'], ['ingresses', 'networkpolicies']],
  [['policy'], ['poddisruptionbudgets']],
  [['autoscaling'], ['horizontalpodautoscalers']],
];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const viewRules = WORKLOADS.map(([g, r]) => rule(g, r, READ));
const editRules = [...WORKLOADS.map(([g, r]) => rule(g, r, [...READ, ...WRITE])), rule([''], ['secrets'], [...READ, ...WRITE]), rule([''], ['serviceaccounts/token'], ['create'])];

/** ClusterRoles kcp serves from system:admin to every workspace (Kubernetes' bootstrap policy, the parts clients meet). */
const BOOTSTRAP_ROLES: Record<string, KObj[]> = {
  'cluster-admin': [rule(['*'], ['*'], ['*']), nonResource(['*'], ['*'])],
  admin: [...editRules, rule(['rbac.authorization.k8s.io'], ['roles', 'rolebindings'], [...READ, ...WRITE]), rule(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create'])],
  edit: editRules,
  view: viewRules,
  'system:discovery': [nonResource(['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], ['get'])],
  'system:basic-user': [rule(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create'])],
  'system:public-info-viewer': [nonResource(['/healthz', '/livez', '/readyz', '/version', '/version/'], ['get'])],
};
const BOOTSTRAP_BINDINGS: { role: string; groups: string[] }[] = [
  { role: 'system:discovery', groups: ['system:authenticated'] },
  { role: 'system:basic-user', groups: ['system:authenticated'] },
  { role: 'system:public-info-viewer', groups: ['system:authenticated', 'system:unauthenticated'] },
];

const matchesOne = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

function resourceMatches(resources: string[] | undefined, resource: string, sub: string | undefined): boolean {
  const full = sub ? `${resource}/${sub}` : resource;
  return (resources ?? []).some((r) => r === '*' || r === full || (sub !== undefined && (r === `*/${sub}` || r === `${resource}/*`)));
}

function ruleAllows(r: KObj, a: Attributes): boolean {
  if (!matchesOne(r.verbs, a.verb)) return false;
  if (a.path !== undefined) {
    return (r.nonResourceURLs ?? []).some((u: string) => u === '*' || u === a.path || (u.endsWith('*') && a.path!.startsWith(u.slice(0, -1))));
  }
  if (!matchesOne(r.apiGroups, a.group ?? '')) return false;
  if (!resourceMatches(r.resources, a.resource ?? '', a.subresource)) return false;
  const names: string[] = r.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

function subjectMatches(s: KObj, user: User): boolean {
  if (s.kind === 'User') return s.name === user.name;
  if (s.kind === 'Group') return user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') return user.name === `system:serviceaccount:${s.namespace ?? ''}:${s.name}`;
  return false;
}

/** Rules the workspace's RBAC (and the bootstrap policy) grants `user` for a request in namespace `ns`. */
function rbacAllows(core: Core, cluster: string, user: User, a: Attributes): boolean {
  const store = core.store;
  const clusterRole = (name: string): KObj[] | undefined => store.get(cluster, GR.clusterroles, undefined, name)?.rules ?? BOOTSTRAP_ROLES[name];
  for (const b of BOOTSTRAP_BINDINGS) if (b.groups.some((g) => user.groups.includes(g)) && BOOTSTRAP_ROLES[b.role].some((r) => ruleAllows(r, a))) return true;
  const bindings: { b: KObj; ns?: string }[] = store.list(cluster, GR.clusterrolebindings).map((b) => ({ b }));
  if (a.namespace && a.path === undefined) for (const b of store.list(cluster, GR.rolebindings, a.namespace)) bindings.push({ b, ns: a.namespace });
  for (const { b, ns } of bindings) {
    if (!(b.subjects ?? []).some((s: KObj) => subjectMatches(s, user))) continue;
    const ref = b.roleRef ?? {};
    const rules = ref.kind === 'Role' && ns ? store.get(cluster, GR.roles, ns, ref.name)?.rules : ref.kind === 'ClusterRole' ? clusterRole(ref.name) : undefined;
    if ((rules ?? []).some((r: KObj) => ruleAllows(r, a))) return true;
  }
  return false;
}

export const isServiceAccount = (u: User) => u.name.startsWith('system:serviceaccount:');

/**
 * kcp's decision for `user` doing `a` in logical cluster `cluster` ('' = no cluster on the request).
 * `deep`: kcp's deep SubjectAccessReview (admission's `use`/`bind` checks), which skips the workspace content check.
 */
export function allowed(core: Core, cluster: string, user: User, a: Attributes, opts: { deep?: boolean } = {}): boolean {
  if (user.groups.includes(MASTERS)) return true;
  if (!cluster || cluster === '*') return false;
  const lc = core.store.get(cluster, GR.logicalclusters, undefined, 'cluster');
  if (!lc) return false;
  if (opts.deep) {
    // no content check
  } else if (isServiceAccount(user)) {
    // a token from another logical cluster: kcp's "foreign service account"
    if (user.cluster !== undefined && user.cluster !== cluster) return false;
  } else if (!user.groups.includes(KCP_ADMIN_GROUP) && !rbacAllows(core, cluster, user, { verb: 'access', path: '/' })) return false;
  if (a.path === undefined && a.group === 'apis.kcp.io' && a.subresource === 'status' && (a.resource === 'apibindings' || a.resource === 'apiexports')) return false;
  if (user.groups.includes(KCP_ADMIN_GROUP)) return true;
  return rbacAllows(core, cluster, user, a);
}

/** kcp's 403 for a refused request. */
export function forbiddenFor(user: User, a: Attributes): StatusError {
  if (a.path !== undefined) return new StatusError(403, 'Forbidden', `forbidden: User "${user.name}" cannot ${a.verb} path "${a.path}": access denied`);
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource!;
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource!;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const msg = `${qualified}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group ?? ''}" ${scope}: access denied`;
  return new StatusError(403, 'Forbidden', msg, { ...(a.name ? { name: a.name } : {}), group: a.group ?? '', kind: a.resource });
}

export function authorize(core: Core, cluster: string, user: User, a: Attributes): void {
  if (!allowed(core, cluster, user, a)) throw forbiddenFor(user, a);
}

/** The status of a SelfSubjectAccessReview `spec` for `user` in `cluster`. */
export function reviewStatus(core: Core, cluster: string, user: User, spec: KObj): KObj {
  const r = spec?.resourceAttributes;
  const n = spec?.nonResourceAttributes;
  let a: Attributes;
  if (n) a = { verb: n.verb ?? '', path: n.path ?? '' };
  else {
    a = { verb: r?.verb ?? '', group: r?.group ?? '', resource: r?.resource ?? '', subresource: r?.subresource || undefined, name: r?.name || undefined, namespace: r?.namespace || undefined };
  }
  return allowed(core, cluster, user, a) ? { allowed: true } : { allowed: false, reason: 'access denied' };
}
