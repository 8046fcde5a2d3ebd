// The HTTP side: routing of kcp paths (/clusters/<path|name|*>/...), discovery and
// OpenAPI, the REST verbs over Core, list/watch with selectors, Tables, and Status errors.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Core, GR } from './core.ts';
import { grKey, gvString, type ResourceType } from './resources.ts';
import { apiGroupList, apiGroupOf, apiResourceList, apiVersions, KUBE_VERSION, openapiGroupVersion, openapiRoot } from './discovery.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { toTable, wantsTable, wantsPartialMetadata, partialMeta } from './tables.ts';
import { authenticate, signServiceAccountToken, tokenClusterClaim, type AuthState, type TokenHolds, type User } from './auth.ts';
import { authorize, MASTERS, reviewStatus, type Attributes } from './rbac.ts';
import { injectFaults, RequestLog, type FaultOptions } from './faults.ts';
import { StatusError, badRequest, gone, invalid, methodNotAllowed, notFound, type KObj } from './util.ts';
import type { StoreEvent } from './store.ts';
import { decodeKubernetesProtobuf } from './protobuf.ts';
import { ListPager, sortByKey } from './paging.ts';
import { defaultManager } from './apply.ts';

export interface HandlerOptions {
  core: Core;
  auth: AuthState;
  hostPort: () => string;
  faults: FaultOptions;
  requestLog?: RequestLog;
  bookmarkMs?: number;
  /** plain Kubernetes (hosting mode): no /clusters/ paths; this is /version */
  plainVersion?: KObj;
  /** who admin.kubeconfig's token names (default kcp-admin; the hosting mode's is a cluster admin) */
  adminUser?: User;
}

const MAX_BODY = 3 * 1024 * 1024;
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/readyz', '/livez']);

function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

function sendStatus(res: ServerResponse, err: StatusError): void {
  sendJson(res, err.code, err.toStatus(), err.headers);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new StatusError(413, 'RequestEntityTooLarge', 'request entity too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function parseBody(req: IncomingMessage, raw: Buffer): Promise<unknown> {
  const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
  if (ct === 'application/vnd.kubernetes.protobuf' && raw.length) return decodeKubernetesProtobuf(raw);
  const text = raw.toString('utf8');
  if (!text.trim()) return undefined;
  if (ct === 'application/apply-patch+yaml' || ct === 'application/yaml') {
    const m = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
    const { parse } = m.default ?? m; // the bundle's interop puts the module under default
    try {
      return parse(text);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

interface Target {
  cluster: string; // '*' for every cluster
  byName: boolean;
  prefix: string; // '/clusters/<seg>' or ''
}

interface ResourceRequest {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

/** Kubernetes' RequestInfo: verb, group, resource, subresource, namespace and name of a request path. */
export function requestAttributes(method: string, path: string, q: URLSearchParams): Attributes {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  let group = '';
  if (parts[0] === 'api' && parts.length >= 3) rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    rest = parts.slice(3);
  } else return { verb: method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase(), path };
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  let verb: string;
  switch (method) {
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      verb = watchPrefix || q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : name === undefined ? 'list' : 'get';
  }
  return { verb, group, resource, subresource, name, namespace };
}

export function createHandler(opts: HandlerOptions) {
  const { core } = opts;
  const pager = new ListPager();
  /** every open watch's finisher, to end them at shutdown */
  const activeWatches = new Set<() => void>();
  const tokenHolds: TokenHolds = (cluster, ns, saName, saUid, secretName, token) => {
    const sa = core.store.get(cluster, GR.serviceaccounts, ns, saName);
    if (!sa || sa.metadata.uid !== saUid) return false; // a deleted service account's tokens stop working
    if (secretName === undefined) return true; // TokenRequest tokens are not backed by a secret
    const s = core.store.get(cluster, GR.secrets, ns, secretName);
    return Boolean(s?.data?.token && Buffer.from(s.data.token, 'base64').toString('utf8') === token);
  };

  /** Impersonate-User/-Group: the caller needs verb `impersonate` on them where the request goes. */
  const impersonate = (req: IncomingMessage, caller: User, cluster: string): User => {
    const as = req.headersDistinct['impersonate-user']?.[0];
    const groups = req.headersDistinct['impersonate-group'] ?? [];
    if (as === undefined) {
      if (groups.length) throw badRequest('requested [{Kind:Group Name:' + groups[0] + '}] without impersonating a user');
      return caller;
    }
    const sa = as.match(/^system:serviceaccount:([^:]+):([^:]+)$/);
    const check: Attributes = sa ? { verb: 'impersonate', group: '', resource: 'serviceaccounts', namespace: sa[1], name: sa[2] } : { verb: 'impersonate', group: '', resource: 'users', name: as };
    authorize(core, cluster, caller, check);
    for (const g of groups) authorize(core, cluster, caller, { verb: 'impersonate', group: '', resource: 'groups', name: g });
    const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [];
    return { name: as, groups: [...new Set([...implied, ...groups, 'system:authenticated'])] };
  };

  const handle = async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://sandbox.invalid');
    let user: User | undefined;
    let fault: string | undefined;
    res.on('close', () => {
      opts.requestLog?.write({
        time: new Date().toISOString(),
        method: req.method ?? '',
        path: url.pathname + url.search,
        status: res.headersSent ? res.statusCode : 0,
        duration: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        ...(user ? { user: user.name } : {}),
        ...(fault ? { fault } : {}),
      });
    });
    try {
      if (await injectFaults(opts.faults, req, res)) {
        fault = res.headersSent ? 'error' : 'reset';
        return;
      }
      let path = url.pathname.replace(/\/+$/, '') || '/';
      let target: Target = { cluster: 'root', byName: false, prefix: '' };
      let segment: string | undefined;
      const m = path.match(/^\/clusters\/([^/]+)(\/.*)?$/);
      if (m && opts.plainVersion) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      if (m) {
        segment = decodeURIComponent(m[1]);
        path = m[2] ?? '/';
      }
      if (PUBLIC_PATHS.has(path) || path.startsWith('/healthz/') || path.startsWith('/readyz/') || path.startsWith('/livez/')) {
        if (path === '/version') return sendJson(res, 200, opts.plainVersion ?? KUBE_VERSION);
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      }
      // kcp re-routes a bare-URL request with a service-account JWT to the token's logical cluster
      let bare = segment === undefined;
      if (bare && !req.headers['x-kubernetes-sharded-request']) {
        const c = tokenClusterClaim(req.headers.authorization);
        if (c && core.pathOf(c) !== undefined) {
          target = { cluster: c, byName: true, prefix: '' };
          bare = false;
        }
      }
      if (segment !== undefined) {
        if (segment === '*') target = { cluster: '*', byName: false, prefix: '/clusters/*' };
        else {
          if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(segment) && !segment.startsWith('system:')) {
            throw badRequest(`invalid cluster: ${JSON.stringify(segment)} does not match the regex`);
          }
          const r = core.resolveCluster(segment);
          // an unknown workspace has no logical cluster: every request there is refused (403, as kcp)
          target = r ? { cluster: r.cluster, byName: r.byName, prefix: `/clusters/${segment}` } : { cluster: '', byName: false, prefix: `/clusters/${segment}` };
        }
      }
      user = authenticate(opts.auth, req.headers.authorization, tokenHolds, opts.adminUser);
      // without a cluster only system:masters are served (in root)
      if (bare && !user.groups.includes(MASTERS)) target = { cluster: '', byName: false, prefix: '' };
      user = impersonate(req, user, target.cluster);
      await route(req, res, url, path, target, user);
    } catch (err) {
      if (err instanceof StatusError) return sendStatus(res, err);
      process.stderr.write(`kubestellar-sandbox: ${req.method} ${url.pathname}: ${(err as Error).stack}\n`);
      sendStatus(res, new StatusError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`));
    }
  };

  return Object.assign(handle, { closeWatches: () => [...activeWatches].forEach((f) => f()) });

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, path: string, target: Target, user: User): Promise<void> {
    const method = req.method ?? 'GET';
    const attrs = requestAttributes(method, path, url.searchParams);
    authorize(core, target.cluster, user, attrs);
    const types = target.cluster === '*' ? core.allTypes() : target.cluster ? core.typesFor(target.cluster) : [];
    if (path === '/api') return sendJson(res, 200, apiVersions(opts.hostPort()));
    if (path === '/apis') return sendJson(res, 200, apiGroupList(types));
    if (path === '/openapi/v3') return sendJson(res, 200, openapiRoot(types, target.prefix));
    if (path === '/openapi/v2') throw notFound({ group: '', resource: '' }, 'openapi/v2');
    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/))) {
      const doc = m[1] ? openapiGroupVersion(types, '', m[1]) : openapiGroupVersion(types, m[2], m[3]);
      if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return sendJson(res, 200, doc, { 'Cache-Control': 'no-cache, private' });
    }
    if ((m = path.match(/^\/api\/(v1)$/))) return sendJson(res, 200, apiResourceList(types, '', 'v1'));
    if ((m = path.match(/^\/apis\/([^/]+)$/))) {
      const g = apiGroupOf(types, m[1]);
      if (!g) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return sendJson(res, 200, g);
    }
    if ((m = path.match(/^\/apis\/([^/]+)\/([^/]+)$/))) {
      const l = apiResourceList(types, m[1], m[2]);
      if (!l) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return sendJson(res, 200, l);
    }
    if (method === 'POST' && path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      const body = ((await parseBody(req, await readBody(req))) ?? {}) as KObj;
      return sendJson(res, 201, {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: body.spec ?? {},
        status: reviewStatus(core, target.cluster, user, body.spec ?? {}),
      });
    }
    const rr = parseResourcePath(path, target.cluster);
    if (!rr) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const q = url.searchParams;
    const dryRun = q.getAll('dryRun').includes('All');
    const fieldManager = q.get('fieldManager') || defaultManager(req.headers['user-agent']);
    const force = q.get('force') === 'true';
    const fieldValidation = q.get('fieldValidation') ?? undefined;
    const warnings: string[] = [];
    const w = { fieldValidation, warnings };
    // unknown fields under ?fieldValidation=Warn, as the apiserver's Warning headers
    const warned = (): Record<string, string> => (warnings.length ? { Warning: warnings.map((x) => `299 - ${JSON.stringify(x)}`).join(', ') } : {});
    const ns = rr.type.namespaced ? rr.namespace : undefined;
    const accept = req.headers.accept;

    if (target.cluster === '*' && !(method === 'GET' && !rr.name)) {
      // kcp's wildcard list/watch guard (after authorization): the apiserver's MethodNotSupported, plus where
      const gr = rr.type.group ? `${rr.type.resource}.${rr.type.group}` : rr.type.resource;
      throw new StatusError(405, 'MethodNotAllowed', `${attrs.verb} is not supported on resources of kind ${JSON.stringify(gr)} in the \`*\` logical cluster`, { group: rr.type.group, kind: rr.type.resource });
    }

    if (method === 'GET' && !rr.name) {
      if (rr.watchPath || q.get('watch') === '1' || q.get('watch') === 'true') return watch(req, res, target, rr.type, ns, q, accept);
      return list(res, target, rr.type, ns, q, accept);
    }
    if (rr.name === undefined) {
      if (method === 'POST') {
        const body = await parseBody(req, await readBody(req));
        const created = core.create(target.cluster, rr.type, ns, body, { dryRun, user, fieldManager, ...w });
        return sendJson(res, dryRun ? 200 : 201, created, warned());
      }
      if (method === 'DELETE') {
        const sel = parseLabelSelector(q.get('labelSelector'));
        const fsel = parseFieldSelector(q.get('fieldSelector'));
        const items = core.store.list(target.cluster, grKey(rr.type.group, rr.type.resource), ns).filter((o) => sel(o.metadata.labels) && fsel(o));
        const deleted = items.map((o) => core.delete(target.cluster, rr.type, o.metadata.namespace, o.metadata.name, { dryRun, user }));
        return sendJson(res, 200, { kind: rr.type.listKind, apiVersion: gvString(rr.type), metadata: { resourceVersion: String(core.store.rv) }, items: deleted });
      }
      throw methodNotAllowed();
    }
    const name = rr.name;
    if (rr.subresource === 'token' && rr.type.resource === 'serviceaccounts' && rr.type.group === '' && method === 'POST') {
      const sa = core.get(target.cluster, rr.type, ns, name);
      const body = ((await parseBody(req, await readBody(req))) ?? {}) as KObj;
      const secs = Number(body.spec?.expirationSeconds ?? 3600);
      if (!Number.isInteger(secs) || secs < 600) {
        throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ field: 'spec.expirationSeconds', message: `Invalid value: ${body.spec?.expirationSeconds}: may not specify a duration less than 10 minutes` }]);
      }
      const token = signServiceAccountToken(opts.auth, { cluster: target.cluster, namespace: ns!, serviceAccount: name, serviceAccountUid: sa.metadata.uid, expirationSeconds: secs, audiences: body.spec?.audiences });
      return sendJson(res, 201, {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace: ns, creationTimestamp: null },
        spec: { audiences: body.spec?.audiences ?? [], expirationSeconds: secs, boundObjectRef: body.spec?.boundObjectRef ?? null },
        status: { token, expirationTimestamp: new Date(Date.now() + secs * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
      });
    }
    if (rr.subresource && rr.subresource !== 'status') throw notFound(rr.type, `${name}/${rr.subresource}`);
    if (rr.subresource === 'status' && !rr.type.status) throw notFound(rr.type, `${name}/status`);
    switch (method) {
      case 'GET': {
        const o = core.get(target.cluster, rr.type, ns, name);
        if (wantsTable(accept)) return sendJson(res, 200, toTable(rr.type, [o], { resourceVersion: o.metadata.resourceVersion }, { includeObject: q.get('includeObject') ?? undefined }));
        return sendJson(res, 200, o);
      }
      case 'PUT': {
        const body = await parseBody(req, await readBody(req));
        const updated = core.update(target.cluster, rr.type, ns, name, body, { dryRun, subresource: rr.subresource, user, fieldManager, ...w });
        return sendJson(res, 200, updated, warned());
      }
      case 'PATCH': {
        const body = await parseBody(req, await readBody(req));
        const ct = req.headers['content-type'] ?? '';
        if (ct.startsWith('application/apply-patch') && !q.get('fieldManager')) throw badRequest('PATCH, fieldManager is required for apply requests');
        const existed = core.store.get(target.cluster, grKey(rr.type.group, rr.type.resource), ns, name) !== undefined;
        // a patch that creates (server-side apply) needs `create` as well
        if (!existed) authorize(core, target.cluster, user, { ...attrs, verb: 'create' });
        const o = core.patch(target.cluster, rr.type, ns, name, ct, ct.startsWith('application/apply-patch') ? { ...(body as KObj), metadata: { ...((body as KObj)?.metadata ?? {}), name } } : body, {
          dryRun,
          subresource: rr.subresource,
          user,
          fieldManager,
          force,
          ...w,
        });
        return sendJson(res, existed ? 200 : 201, o, warned());
      }
      case 'DELETE': {
        const body = ((await parseBody(req, await readBody(req))) ?? {}) as KObj;
        const o = core.delete(target.cluster, rr.type, ns, name, {
          dryRun: dryRun || (Array.isArray(body.dryRun) && body.dryRun.includes('All')),
          preconditionRV: body.preconditions?.resourceVersion,
          preconditionUid: body.preconditions?.uid,
          user,
        });
        return sendJson(res, 200, o);
      }
      default:
        throw methodNotAllowed();
    }
  }

  function parseResourcePath(path: string, cluster: string): ResourceRequest | undefined {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3) {
      group = '';
      version = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 4) {
      group = parts[1];
      version = parts[2];
      rest = parts.slice(3);
    } else return undefined;
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length > 2 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, subresource, ...extra] = rest;
    if (extra.length) return undefined;
    const type = core.findType(cluster, group, version, resource);
    if (!type) return undefined;
    if (!type.namespaced && namespace !== undefined) return undefined;
    return { type, namespace, name, subresource: subresource === 'finalize' ? 'status' : subresource, watchPath };
  }

  /** The objects a list or watch selects, unordered. */
  function matching(target: Target, type: ResourceType, ns: string | undefined, q: URLSearchParams): KObj[] {
    const sel = parseLabelSelector(q.get('labelSelector'));
    const fsel = parseFieldSelector(q.get('fieldSelector'));
    return core.store.list(target.cluster, grKey(type.group, type.resource), ns).filter((o) => sel(o.metadata.labels) && fsel(o));
  }

  function filtered(target: Target, type: ResourceType, ns: string | undefined, q: URLSearchParams): KObj[] {
    return sortByKey(matching(target, type, ns, q)).items;
  }

  function list(res: ServerResponse, target: Target, type: ResourceType, ns: string | undefined, q: URLSearchParams, accept: string | undefined): void {
    const cont = q.get('continue');
    if (cont && (q.get('resourceVersion') ?? '') !== '') throw badRequest('specifying resource version is not allowed when using continue');
    const limit = Number(q.get('limit') ?? 0);
    const query = [target.cluster, grKey(type.group, type.resource), ns ?? '', q.get('labelSelector') ?? '', q.get('fieldSelector') ?? ''].join('|');
    const page = pager.page(query, core.store.rv, () => matching(target, type, ns, q), limit, cont);
    const meta: KObj = { resourceVersion: page.resourceVersion };
    if (page.continue) {
      meta.continue = page.continue;
      // as the apiserver: no count under a label or field selector (etcd's count would include what they filter out)
      if (!q.get('labelSelector') && !q.get('fieldSelector')) meta.remainingItemCount = page.remainingItemCount;
    }
    const items = page.items;
    if (wantsTable(accept)) return sendJson(res, 200, toTable(type, items, meta, { includeObject: q.get('includeObject') ?? undefined }));
    if (wantsPartialMetadata(accept)) {
      return sendJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: items.map(partialMeta) });
    }
    sendJson(res, 200, { kind: type.listKind, apiVersion: gvString(type), metadata: meta, items });
  }

  function watch(req: IncomingMessage, res: ServerResponse, target: Target, type: ResourceType, ns: string | undefined, q: URLSearchParams, accept: string | undefined): void {
    const gr = grKey(type.group, type.resource);
    const sel = parseLabelSelector(q.get('labelSelector'));
    const fsel = parseFieldSelector(q.get('fieldSelector'));
    const matches = (o: KObj) => (!ns || o.metadata.namespace === ns) && sel(o.metadata.labels) && fsel(o);
    const table = wantsTable(accept);
    const partial = !table && wantsPartialMetadata(accept);
    const includeObject = q.get('includeObject') ?? undefined;
    const rvParam = q.get('resourceVersion') ?? '';
    const sendInitial = q.get('sendInitialEvents') === 'true';
    const key = (e: { cluster: string; obj: KObj }) => `${e.cluster}/${e.obj.metadata.namespace ?? ''}/${e.obj.metadata.name}`;

    let backlog: StoreEvent[] = [];
    const initial: { cluster: string; obj: KObj }[] = [];
    const visible = new Set<string>();
    if (rvParam === '' || rvParam === '0' || sendInitial) {
      for (const o of filtered(target, type, ns, q)) {
        const e = { cluster: o.metadata.annotations?.['kcp.io/cluster'] ?? target.cluster, obj: o };
        initial.push(e);
        visible.add(key(e));
      }
    } else {
      const rv = Number(rvParam);
      if (!Number.isFinite(rv)) throw badRequest(`invalid resource version ${JSON.stringify(rvParam)}`);
      const events = core.store.since(rv);
      if (!events) {
        // as the apiserver: the watch starts (200), then one ERROR event carries the 410
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
        res.end(JSON.stringify({ type: 'ERROR', object: gone(`too old resource version: ${rv} (${core.store.rv})`).toStatus() }) + '\n');
        return;
      }
      // what a watcher from rv has seen: objects that matched then (approximated by now, minus later changes)
      for (const o of core.store.list(target.cluster, gr, ns)) if (matches(o) && Number(o.metadata.resourceVersion) <= rv) visible.add(key({ cluster: o.metadata.annotations?.['kcp.io/cluster'] ?? '', obj: o }));
      backlog = events.filter((e) => e.gr === gr && (target.cluster === '*' || e.cluster === target.cluster));
      // an object whose first later event is not ADDED existed at rv
      const firstSeen = new Set<string>();
      for (const e of backlog) {
        const k = key(e);
        if (firstSeen.has(k)) continue;
        firstSeen.add(k);
        if (e.type !== 'ADDED') visible.add(k);
      }
    }

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    let first = true;
    const shape = (o: KObj): KObj => {
      if (table) {
        const t = toTable(type, [o], { resourceVersion: o.metadata.resourceVersion }, { includeObject, noHeaders: !first });
        first = false;
        return t;
      }
      return partial ? partialMeta(o) : o;
    };
    const send = (typ: string, o: KObj) => {
      if (!res.writableEnded) res.write(JSON.stringify({ type: typ, object: shape(o) }) + '\n');
    };
    const deliver = (e: StoreEvent) => {
      if (e.gr !== gr || (target.cluster !== '*' && e.cluster !== target.cluster)) return;
      const k = key(e);
      const was = visible.has(k);
      if (e.type === 'DELETED') {
        if (was && matches(e.obj)) send('DELETED', e.obj);
        else if (was) send('DELETED', e.obj);
        visible.delete(k);
        return;
      }
      if (matches(e.obj)) {
        send(was ? 'MODIFIED' : 'ADDED', e.obj);
        visible.add(k);
      } else if (was) {
        send('DELETED', e.obj);
        visible.delete(k);
      }
    };
    const bookmark = (annotations?: Record<string, string>) => {
      if (res.writableEnded) return;
      const metadata: KObj = { resourceVersion: String(core.store.rv) };
      if (annotations) metadata.annotations = annotations;
      res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: type.kind, apiVersion: gvString(type), metadata } }) + '\n');
    };

    for (const e of initial) send('ADDED', e.obj);
    if (sendInitial) bookmark({ 'k8s.io/initial-events-end': 'true' });
    for (const e of backlog) deliver(e);
    const unsubscribe = core.store.subscribe(deliver);
    const timers: NodeJS.Timeout[] = [];
    if (q.get('allowWatchBookmarks') === 'true') {
      const t = setInterval(() => bookmark(), opts.bookmarkMs ?? 5000);
      timers.push(t);
    }
    const finish = () => {
      unsubscribe();
      for (const t of timers) clearInterval(t), clearTimeout(t);
      if (!res.writableEnded) res.end();
    };
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) timers.push(setTimeout(finish, timeout * 1000));
    req.on('close', finish);
    res.on('close', finish);
    activeWatches.add(finish);
    res.on('close', () => activeWatches.delete(finish));
  }
}
