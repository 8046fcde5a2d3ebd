import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../lib/kcp/client.ts';
import { ApiError, EXIT } from '../../lib/cli/errors.ts';
import { CONFIGMAPS, NAMESPACES } from '../../lib/kcp/resources.ts';
import { fakeApiServer, json, status } from './support/fake-apiserver.ts';

let server: Awaited<ReturnType<typeof fakeApiServer>> | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const client = (url: string, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) =>
  new ApiClient({ server: `${url}/clusters/root`, insecure: false, namespace: 'default', timeoutMs: 2000, contextName: 'root', token: 'tok', ...extra }, fast);

describe('ApiClient', () => {
  it('addresses resources in a workspace and sends the bearer token', async () => {
    server = await fakeApiServer((req, res) => json(res, 200, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x' } }));
    const c = client(server.url);
    await c.get(CONFIGMAPS, 'x', 'ns1');
    await c.forWorkspace('root:imw1').list(NAMESPACES, { labelSelector: 'a in (b,c)' });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/clusters/root/api/v1/namespaces/ns1/configmaps/x',
      '/clusters/root:imw1/api/v1/namespaces?labelSelector=a+in+%28b%2Cc%29',
    ]);
    expect(server.requests[0].headers.authorization).toBe('Bearer tok');
  });

  it('retries a 429, waiting as Retry-After says, for any method', async () => {
    let n = 0;
    server = await fakeApiServer((req, res) =>
      n++ < 2 ? json(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '0' }) : json(res, 201, { metadata: { name: 'a' } }));
    await client(server.url).create(CONFIGMAPS, { metadata: { name: 'a', namespace: 'default' } });
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
  });

  it('retries 5xx for idempotent requests and creates of named objects, not for generateName creates', async () => {
    server = await fakeApiServer((req, res) => json(res, 503, status(503, 'ServiceUnavailable', 'not yet')));
    const c = client(server.url);
    await expect(c.get(CONFIGMAPS, 'a')).rejects.toMatchObject({ kind: 'ServerError', status: 503 });
    expect(server.requests).toHaveLength(4);
    server.requests.length = 0;
    await expect(c.create(CONFIGMAPS, { metadata: { name: 'a' } })).rejects.toBeInstanceOf(ApiError);
    expect(server.requests).toHaveLength(4);
    server.requests.length = 0;
    await expect(c.create(CONFIGMAPS, { metadata: { name: '', generateName: 'a-' } })).rejects.toBeInstanceOf(ApiError);
    expect(server.requests).toHaveLength(1);
  });

  it('a create whose first attempt was made but answered 500: AlreadyExists on the retry, the object read and found equal', async () => {
    const stored: Record<string, unknown> = {};
    server = await fakeApiServer((req, res) => {
      if (req.method === 'POST') {
        const obj = JSON.parse(req.body);
        if (stored[obj.metadata.name]) return json(res, 409, status(409, 'AlreadyExists', 'configmaps "a" already exists'));
        stored[obj.metadata.name] = { ...obj, metadata: { ...obj.metadata, uid: 'u1', resourceVersion: '7' } };
        return json(res, 500, status(500, 'InternalError', 'etcd hiccup after the write'));
      }
      const name = req.url.split('/').pop()!;
      return stored[name] ? json(res, 200, stored[name]) : json(res, 404, status(404, 'NotFound', 'not found'));
    });
    const c = client(server.url);
    const got = await c.create(CONFIGMAPS, { metadata: { name: 'a', namespace: 'default' }, data: { k: 'v' } });
    expect(got.metadata.uid).toBe('u1');
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
    // someone else's object under that name is not taken for ours
    stored.b = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'default' }, data: { k: 'theirs' } };
    let first = true;
    server.close();
    server = await fakeApiServer((req, res) => {
      if (req.method === 'POST') {
        if (first) {
          first = false;
          return res.socket?.destroy();
        }
        return json(res, 409, status(409, 'AlreadyExists', 'configmaps "b" already exists'));
      }
      return json(res, 200, stored.b);
    });
    await expect(client(server.url).create(CONFIGMAPS, { metadata: { name: 'b', namespace: 'default' }, data: { k: 'v' } })).rejects.toMatchObject({ kind: 'AlreadyExists' });
  });

  it('an AlreadyExists on the first attempt is the caller\'s to handle (nothing read)', async () => {
    server = await fakeApiServer((req, res) => json(res, 409, status(409, 'AlreadyExists', 'exists')));
    await expect(client(server.url).create(CONFIGMAPS, { metadata: { name: 'a' } })).rejects.toMatchObject({ kind: 'AlreadyExists' });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a merge patch after a reset; a JSON patch only when it tests the resourceVersion', async () => {
    let n = 0;
    server = await fakeApiServer((req, res) => (n++ % 2 === 0 ? res.socket?.destroy() : json(res, 200, { metadata: { name: 'a' } })));
    const c = client(server.url);
    await c.patch(CONFIGMAPS, 'a', { data: { k: 'v' } });
    expect(server.requests).toHaveLength(2);
    server.requests.length = 0;
    await expect(c.patch(CONFIGMAPS, 'a', [{ op: 'add', path: '/data/k', value: 'v' }], { patchType: 'json' })).rejects.toMatchObject({ kind: 'Unreachable' });
    expect(server.requests).toHaveLength(1);
    server.requests.length = 0;
    n = 0;
    await c.patch(CONFIGMAPS, 'a', [{ op: 'test', path: '/metadata/resourceVersion', value: '3' }, { op: 'add', path: '/data/k', value: 'v' }], { patchType: 'json' });
    expect(server.requests).toHaveLength(2);
  });

  it('an update with a resourceVersion that the lost first attempt applied: Conflict, read, equal, done', async () => {
    let applied = false;
    server = await fakeApiServer((req, res) => {
      if (req.method === 'PUT') {
        if (!applied) {
          applied = true;
          return res.socket?.destroy();
        }
        return json(res, 409, status(409, 'Conflict', 'the object has been modified'));
      }
      return json(res, 200, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', resourceVersion: '8' }, data: { k: 'new' } });
    });
    const got = await client(server.url).update(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', resourceVersion: '7' }, data: { k: 'new' } });
    expect(got.metadata.resourceVersion).toBe('8');
    expect(server.requests.map((r) => r.method)).toEqual(['PUT', 'PUT', 'GET']);
  });

  it('starts no retry past the deadline', async () => {
    server = await fakeApiServer((req, res) => json(res, 503, status(503, 'ServiceUnavailable', 'not yet')));
    const c = new ApiClient({ server: `${server.url}/clusters/root`, insecure: false, namespace: 'default', timeoutMs: 2000, contextName: 'root' }, { attempts: 10, baseDelayMs: 200, maxDelayMs: 200 });
    c.setDeadline(Date.now() + 50);
    await expect(c.get(CONFIGMAPS, 'a')).rejects.toMatchObject({ kind: 'ServerError' });
    expect(server.requests).toHaveLength(1);
  });

  it('401, 403 and a certificate that fails verification are permanent; a 503 is not', async () => {
    expect(new ApiError('Unauthorized', 'x', 401).permanent).toBe(true);
    expect(new ApiError('Forbidden', 'x', 403).permanent).toBe(true);
    expect(new ApiError('TlsVerification', 'x').permanent).toBe(true);
    expect(new ApiError('ServerError', 'x', 503).permanent).toBe(false);
  });

  it('retries a reset connection for a GET and succeeds', async () => {
    let n = 0;
    server = await fakeApiServer((req, res) => (n++ === 0 ? res.socket?.destroy() : json(res, 200, { metadata: { name: 'a' } })));
    expect((await client(server.url).get(CONFIGMAPS, 'a')).metadata.name).toBe('a');
    expect(server.requests).toHaveLength(2);
  });

  it('turns statuses into typed errors with the server message and exit codes', async () => {
    const answers: Record<string, [number, string]> = {
      nf: [404, 'NotFound'], ae: [409, 'AlreadyExists'], cf: [409, 'Conflict'], fb: [403, 'Forbidden'], ua: [401, 'Unauthorized'], iv: [422, 'Invalid'],
    };
    server = await fakeApiServer((req, res) => {
      const key = req.url.split('/').pop()!;
      const [code, reason] = answers[key];
      json(res, code, status(code, reason, `configmaps "${key}" ${reason}`));
    });
    const c = client(server.url);
    const kinds: Record<string, string> = { nf: 'NotFound', ae: 'AlreadyExists', cf: 'Conflict', fb: 'Forbidden', ua: 'Unauthorized', iv: 'Invalid' };
    for (const [name, kind] of Object.entries(kinds)) {
      await expect(c.get(CONFIGMAPS, name)).rejects.toMatchObject({ kind, message: `configmaps "${name}" ${answers[name][1]}` });
    }
    await expect(c.get(CONFIGMAPS, 'nf')).rejects.toMatchObject({ exitCode: EXIT.notFound });
    expect(await c.find(CONFIGMAPS, 'nf')).toBeUndefined();
    expect(await c.delete(CONFIGMAPS, 'nf')).toBe(false);
  });

  it('reports an unreachable server and a request timeout', async () => {
    const c = client('http://127.0.0.1:1');
    await expect(c.get(CONFIGMAPS, 'a')).rejects.toMatchObject({ kind: 'Unreachable', exitCode: EXIT.unreachable });
    server = await fakeApiServer(() => { /* never answers */ });
    await expect(client(server.url, { timeoutMs: 100 }).get(CONFIGMAPS, 'a')).rejects.toMatchObject({ kind: 'Timeout', exitCode: EXIT.timeout });
  });

  it('resolves kinds through discovery, once per workspace', async () => {
    server = await fakeApiServer((req, res) => json(res, 200, {
      kind: 'APIResourceList', groupVersion: 'edge.kubestellar.io/v2alpha1',
      resources: [{ name: 'synctargets', kind: 'SyncTarget', namespaced: false }, { name: 'synctargets/status', kind: 'SyncTarget', namespaced: false }],
    }));
    const c = client(server.url);
    expect(await c.resolve('edge.kubestellar.io/v2alpha1', 'SyncTarget')).toEqual({ group: 'edge.kubestellar.io', version: 'v2alpha1', resource: 'synctargets', kind: 'SyncTarget', namespaced: false });
    await c.resolve('edge.kubestellar.io/v2alpha1', 'SyncTarget');
    await expect(c.resolve('edge.kubestellar.io/v2alpha1', 'Nope')).rejects.toMatchObject({ kind: 'NotFound' });
    expect(server.requests).toHaveLength(1);
  });

  it('streams watch events until aborted', async () => {
    server = await fakeApiServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
      res.write(JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'a' } } }) + '\n');
    });
    const ac = new AbortController();
    const seen: string[] = [];
    for await (const ev of client(server.url).watch(CONFIGMAPS, { namespace: 'default', resourceVersion: '5', signal: ac.signal })) {
      seen.push(ev.type);
      if (seen.length === 2) ac.abort();
    }
    expect(seen).toEqual(['ADDED', 'DELETED']);
    expect(server.requests[0].url).toContain('watch=1');
    expect(server.requests[0].url).toContain('resourceVersion=5');
  });
});
