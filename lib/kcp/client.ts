// One API client for any resource in any kcp workspace: keep-alive HTTPS with the
// kubeconfig's credentials, discovery per workspace, retries with back-off, a request
// timeout, and typed errors (lib/errors.ts).
import https from 'node:https';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type ApiErrorKind } from '../cli/errors.ts';
import { trace } from '../cli/output.ts';
import { Kubeconfig } from './kubeconfig.ts';
import { resolveConnection, type Connection } from './connection.ts';
import type { KubeFlags } from '../cli/args.ts';
import type { KubeList, KubeObject, ResourceType } from './resources.ts';
import { apiVersionOf } from './resources.ts';

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** false: a single attempt (callers that poll do their own waiting) */
  retry?: boolean;
  /**
   * Safe to send again after a 5xx or a lost connection although the method is not
   * idempotent: a create of a named object (a repeat answers AlreadyExists), a merge patch.
   */
  retrySafe?: boolean;
  timeoutMs?: number;
}

export type PatchType = 'merge' | 'json' | 'strategic';
const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);
/** errors that prove the request never reached the server, safe to retry for any method */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);
/** certificate verification failures: the server answered, and it will answer the same again */
const TLS_VERIFY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);
const isTlsVerifyError = (code: string) => TLS_VERIFY.has(code) || /^ERR_SSL_.*(CERTIFICATE|ALERT_BAD|UNKNOWN_CA)/.test(code);

interface Shared {
  agent: http.Agent;
  discovery: Map<string, Promise<Map<string, ResourceType>>>;
  /** epoch ms after which no retry is started (the command's own deadline) */
  deadline?: number;
}

/** Splits `https://h:6443/clusters/root:a` into the base URL and the workspace path. */
export function splitClusterUrl(server: string): { base: string; workspace?: string } {
  const u = new URL(server);
  const m = /^(.*)\/clusters\/([^/]+)\/?$/.exec(u.pathname);
  if (!m) return { base: server.replace(/\/+$/, '') };
  return { base: `${u.protocol}//${u.host}${m[1]}`, workspace: m[2] };
}

export class ApiClient {
  readonly base: string;
  /** the workspace path this client addresses, when its server URL names one */
  readonly workspace?: string;
  private readonly shared: Shared;

  constructor(
    readonly conn: Connection,
    readonly retryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 3_000 },
    shared?: Shared,
    readonly kubeconfig?: Kubeconfig,
  ) {
    const { base, workspace } = splitClusterUrl(conn.server);
    this.base = base;
    this.workspace = workspace;
    this.shared = shared ?? {
      agent: conn.server.startsWith('https:')
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 16,
            ca: conn.ca,
            cert: conn.cert,
            key: conn.key,
            rejectUnauthorized: !conn.insecure,
            servername: conn.tlsServerName,
          })
        : new http.Agent({ keepAlive: true, maxSockets: 16 }),
      discovery: new Map(),
    };
  }

  /** The same credentials, addressing workspace `path` (e.g. `root:imw1`). */
  forWorkspace(path: string): ApiClient {
    return new ApiClient({ ...this.conn, server: `${this.base}/clusters/${path}` }, this.retryPolicy, this.shared, this.kubeconfig);
  }

  /** No retry starts after `deadline` (epoch ms), for every client sharing these credentials. */
  setDeadline(deadline: number | undefined): void {
    this.shared.deadline = deadline;
  }

  /** Releases keep-alive sockets so the process can exit. */
  close(): void {
    this.shared.agent.destroy();
  }

  private async headers(extra: Record<string, string>): Promise<Record<string, string>> {
    const h: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'kubestellar-zx', ...extra };
    if (this.conn.token) h.Authorization = `Bearer ${this.conn.token}`;
    else if (this.conn.basicAuth) h.Authorization = this.conn.basicAuth;
    else if (this.conn.dynamicAuth) Object.assign(h, await this.conn.dynamicAuth());
    return h;
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const u = new URL(this.conn.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** One HTTP exchange; resolves with status, headers and body text. */
  private async once(opts: RequestOptions): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const u = this.url(opts.path, opts.query);
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers = await this.headers(payload === undefined ? {} : { 'Content-Type': opts.contentType ?? 'application/json' });
    const timeoutMs = opts.timeoutMs ?? this.conn.timeoutMs;
    const mod = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(u, { method: opts.method, headers, agent: this.shared.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'KS_TIMEOUT' })));
      }
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A request with retries: 429 always (honouring Retry-After); 5xx and resets when the
   * request is idempotent or marked retry-safe. No retry starts past the deadline.
   */
  async request<T = unknown>(opts: RequestOptions): Promise<T> {
    const attempts = opts.retry === false ? 1 : this.retryPolicy.attempts;
    const idempotent = IDEMPOTENT.has(opts.method) || opts.retrySafe === true;
    let lastError: ApiError | undefined;
    let uncertain = false;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let waitMs: number | undefined;
      let retryable: boolean;
      try {
        const res = await this.once(opts);
        trace(`${opts.method} ${this.url(opts.path, opts.query).href} -> ${res.status} (${Date.now() - started} ms)`);
        if (res.status < 400) return (res.body ? parseJson(res.body) : undefined) as T;
        lastError = statusError(res.status, res.body, res.headers, opts);
        lastError.afterUncertainAttempt = uncertain;
        retryable = res.status === 429 || (idempotent && res.status >= 500 && res.status !== 501);
        if (res.status >= 500) uncertain = true;
        if (lastError.retryAfterSeconds !== undefined) waitMs = Math.min(lastError.retryAfterSeconds * 1000, 30_000);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        trace(`${opts.method} ${this.url(opts.path, opts.query).href} -> ${code || (err as Error).message} (${Date.now() - started} ms)`);
        lastError = networkError(err as NodeJS.ErrnoException, this.conn.server);
        lastError.afterUncertainAttempt = uncertain;
        retryable = code !== 'KS_TIMEOUT' && RETRYABLE_NETWORK.has(code) && (idempotent || NEVER_SENT.has(code));
        if (!NEVER_SENT.has(code)) uncertain = true;
      }
      if (!retryable || attempt >= attempts) throw lastError;
      const backoff = Math.min(this.retryPolicy.baseDelayMs * 2 ** (attempt - 1), this.retryPolicy.maxDelayMs);
      const pause = waitMs ?? backoff * (0.5 + Math.random() / 2);
      if (this.shared.deadline !== undefined && Date.now() + pause > this.shared.deadline) throw lastError;
      await sleep(pause);
    }
  }

  // ---- resources ----

  static path(type: ResourceType, opts: { namespace?: string; name?: string; subresource?: string } = {}): string {
    let p = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
    if (type.namespaced && opts.namespace) p += `/namespaces/${encodeURIComponent(opts.namespace)}`;
    p += `/${type.resource}`;
    if (opts.name !== undefined) p += `/${encodeURIComponent(opts.name)}`;
    if (opts.subresource) p += `/${opts.subresource}`;
    return p;
  }

  private ns(type: ResourceType, namespace?: string): string | undefined {
    return type.namespaced ? (namespace ?? this.conn.namespace) : undefined;
  }

  get<T extends KubeObject = KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T> {
    return this.request<T>({ method: 'GET', path: ApiClient.path(type, { namespace: this.ns(type, namespace), name }) });
  }

  /** The object, or undefined when it does not exist. */
  async find<T extends KubeObject = KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(type, name, namespace);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'NotFound') return undefined;
      throw err;
    }
  }

  list<T extends KubeObject = KubeObject>(type: ResourceType, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>({
      method: 'GET',
      path: ApiClient.path(type, { namespace: type.namespaced ? opts.namespace : undefined }),
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
    });
  }

  /**
   * Creates. A named object's create is retried after a 5xx or a lost connection; when the
   * retry answers AlreadyExists, the object is read and compared: if it holds what was
   * sent, the earlier attempt made it and that object is the result.
   */
  async create<T extends KubeObject>(type: ResourceType, obj: Omit<T, 'apiVersion' | 'kind'> & { apiVersion?: string; kind?: string; metadata: T['metadata'] }, opts: { dryRun?: boolean } = {}): Promise<T> {
    const body = { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(type), kind: obj.kind ?? type.kind };
    const named = typeof obj.metadata.name === 'string' && obj.metadata.name !== '';
    try {
      return await this.request<T>({
        method: 'POST',
        path: ApiClient.path(type, { namespace: this.ns(type, obj.metadata.namespace) }),
        body,
        query: { dryRun: opts.dryRun ? 'All' : undefined },
        retrySafe: named,
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.kind === 'AlreadyExists' && err.afterUncertainAttempt)) throw err;
      const have = await this.find<T>(type, obj.metadata.name, obj.metadata.namespace);
      if (have && holds(have, body)) return have;
      throw err;
    }
  }

  /**
   * Replaces. Retried like any PUT; with a resourceVersion, a Conflict after an uncertain
   * attempt is checked the same way as a create's AlreadyExists.
   */
  async update<T extends KubeObject>(type: ResourceType, obj: T, opts: { dryRun?: boolean } = {}): Promise<T> {
    try {
      return await this.request<T>({
        method: 'PUT',
        path: ApiClient.path(type, { namespace: this.ns(type, obj.metadata.namespace), name: obj.metadata.name }),
        body: obj,
        query: { dryRun: opts.dryRun ? 'All' : undefined },
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.kind === 'Conflict' && err.afterUncertainAttempt)) throw err;
      const have = await this.find<T>(type, obj.metadata.name, obj.metadata.namespace);
      if (have && holds(have, obj)) return have;
      throw err;
    }
  }

  patch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    name: string,
    patch: unknown,
    opts: { patchType?: PatchType; namespace?: string; dryRun?: boolean } = {},
  ): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: ApiClient.path(type, { namespace: this.ns(type, opts.namespace), name }),
      body: patch,
      contentType: patchContentType[opts.patchType ?? 'merge'],
      query: { dryRun: opts.dryRun ? 'All' : undefined },
      // merge patches state a result, so sending one twice is harmless; a JSON patch is
      // safe only when it tests a resourceVersion (a repeat then fails instead of re-applying)
      retrySafe: (opts.patchType ?? 'merge') !== 'json' || testsResourceVersion(patch),
    });
  }

  /** Deletes; true when this call deleted it, false when it was already gone. */
  async delete(type: ResourceType, name: string, opts: { namespace?: string; dryRun?: boolean } = {}): Promise<boolean> {
    try {
      await this.request({
        method: 'DELETE',
        path: ApiClient.path(type, { namespace: this.ns(type, opts.namespace), name }),
        query: { dryRun: opts.dryRun ? 'All' : undefined },
      });
      return true;
    } catch (err) {
      // gone after an attempt that may have reached the server: that attempt deleted it
      if (err instanceof ApiError && err.kind === 'NotFound') return err.afterUncertainAttempt;
      throw err;
    }
  }

  /** Watches from `resourceVersion` until `signal` aborts or the server ends the stream. */
  async *watch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    opts: ListOptions & { resourceVersion?: string; signal?: AbortSignal } = {},
  ): AsyncGenerator<WatchEvent<T>> {
    const u = this.url(ApiClient.path(type, { namespace: type.namespaced ? opts.namespace : undefined }), {
      watch: 1,
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: true,
    });
    const headers = await this.headers({});
    const mod = u.protocol === 'https:' ? https : http;
    trace(`GET ${u.href} (watch)`);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = mod.request(u, { method: 'GET', headers, agent: this.shared.agent, signal: opts.signal }, resolve);
      req.on('error', reject);
      req.end();
    }).catch((err: NodeJS.ErrnoException) => {
      if (opts.signal?.aborted) return undefined;
      throw networkError(err, this.conn.server);
    });
    if (!res) return;
    if ((res.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw statusError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers, { method: 'GET', path: u.pathname });
    }
    let buffered = '';
    try {
      for await (const chunk of res) {
        buffered += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } catch (err) {
      if (!opts.signal?.aborted) throw networkError(err as NodeJS.ErrnoException, this.conn.server);
    }
  }

  // ---- discovery ----

  /** Maps `apiVersion` + `kind` to a resource type through this workspace's discovery. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceType> {
    const key = `${this.conn.server} ${apiVersion}`;
    let table = this.shared.discovery.get(key);
    if (!table) {
      table = this.discoverGroupVersion(apiVersion);
      this.shared.discovery.set(key, table);
      table.catch(() => this.shared.discovery.delete(key));
    }
    const found = (await table).get(kind);
    if (!found) {
      throw new ApiError('NotFound', `the server doesn't have a resource type for kind "${kind}" in ${apiVersion}${this.workspace ? ` (workspace ${this.workspace})` : ''}`, 404);
    }
    return found;
  }

  /** Forgets discovery results, e.g. after an APIBinding changes what is served. */
  invalidateDiscovery(): void {
    this.shared.discovery.clear();
  }

  private async discoverGroupVersion(apiVersion: string): Promise<Map<string, ResourceType>> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const list = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>({ method: 'GET', path });
    const table = new Map<string, ResourceType>();
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue;
      table.set(r.kind, { group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced });
    }
    return table;
  }
}

/** Whether `have` holds every field `want` sets (server-side defaults may add more). */
export function holds(have: unknown, want: unknown, key = ''): boolean {
  if (key === 'resourceVersion' || key === 'status' || key === 'uid' || key === 'creationTimestamp' || key === 'managedFields') return true;
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => holds(have[i], w));
  }
  if (want && typeof want === 'object') {
    if (!have || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) => w === undefined || holds((have as Record<string, unknown>)[k], w, k));
  }
  return have === want;
}

function testsResourceVersion(patch: unknown): boolean {
  return Array.isArray(patch) && patch.some((op) => op?.op === 'test' && op?.path === '/metadata/resourceVersion');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const kindByStatus = (status: number, reason?: string): ApiErrorKind => {
  if (status === 404) return 'NotFound';
  if (status === 409) return reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
  if (status === 403) return 'Forbidden';
  if (status === 401) return 'Unauthorized';
  if (status === 422) return 'Invalid';
  if (status === 429) return 'TooManyRequests';
  if (status === 504 || reason === 'Timeout') return 'Timeout';
  if (status >= 500) return 'ServerError';
  return 'BadRequest';
};

function statusError(status: number, body: string, headers: http.IncomingHttpHeaders, opts: Pick<RequestOptions, 'method' | 'path'>): ApiError {
  const parsed = parseJson(body) as { kind?: string; message?: string; reason?: string } | string;
  const st = typeof parsed === 'object' && parsed?.kind === 'Status' ? parsed : undefined;
  const retryAfter = headers['retry-after'] !== undefined ? Number(headers['retry-after']) : undefined;
  const kind = kindByStatus(status, st?.reason);
  const message =
    st?.message ||
    (status === 401 ? 'Unauthorized: the server rejected the credentials' : `${opts.method} ${opts.path}: HTTP ${status}${typeof parsed === 'string' && parsed ? `: ${parsed.slice(0, 200)}` : ''}`);
  return new ApiError(kind, message, status, Number.isFinite(retryAfter) ? retryAfter : undefined);
}

function networkError(err: NodeJS.ErrnoException, server: string): ApiError {
  if (err.code === 'KS_TIMEOUT') return new ApiError('Timeout', `request to ${server} timed out: ${err.message}`);
  // not a certificate problem: an https request reached a port that does not speak TLS
  if (err.code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new ApiError('TlsVerification', `the server at ${server} does not speak TLS (is the URL's scheme or port wrong?)`);
  }
  if (err.code && isTlsVerifyError(err.code)) {
    return new ApiError(
      'TlsVerification',
      `the server at ${server} failed TLS verification (${err.code}: ${err.message.replace(/\.$/, '')}); check the cluster's certificate-authority(-data) and server name in the kubeconfig`,
    );
  }
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running?)',
    ECONNRESET: 'the connection was reset',
    EPIPE: 'the connection was closed',
    ETIMEDOUT: 'the connection timed out',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the host name could not be looked up (DNS)',
    EHOSTUNREACH: 'no route to the host',
    ENETUNREACH: 'the network is unreachable',
  };
  const detail = (err.code && words[err.code]) || (err.code ? `${err.code}: ${err.message}` : err.message);
  return new ApiError('Unreachable', `cannot reach the server at ${server}: ${detail}`);
}

/** Loads the kubeconfig (client-go rules), applies kubectl's flags, returns a client. */
export async function connect(kube: KubeFlags = {}, opts: { defaultTimeoutMs?: number; retry?: RetryPolicy } = {}): Promise<ApiClient> {
  const kc = await Kubeconfig.load(kube);
  return new ApiClient(resolveConnection(kc, kube, opts.defaultTimeoutMs), opts.retry, undefined, kc);
}
