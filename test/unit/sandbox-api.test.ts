import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestSandbox, type TestSandbox } from './sandbox-helper.ts';

const CM = '/clusters/root/api/v1/namespaces/default/configmaps';

describe('sandbox API', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ bookmarkMs: 200 });
  });
  afterAll(async () => {
    await sb?.cleanup();
  });

  it('writes admin.kubeconfig in kcp shape', () => {
    const text = readFileSync(sb.kubeconfigPath, 'utf8');
    expect(text).toContain(`server: ${sb.url}/clusters/root\n`);
    expect(text).toMatch(/current-context: root\n/);
    expect(text).toMatch(/- context:\n    cluster: base\n    user: shard-admin\n  name: system:admin/);
  });

  it('creates, conflicts on stale resourceVersion, bumps resourceVersion monotonically', async () => {
    const a = await sb.call('POST', CM, { metadata: { name: 'a' }, data: { x: '1' } });
    expect(a.status).toBe(201);
    expect(a.body.metadata.annotations['kcp.io/cluster']).toBe('root');
    const dup = await sb.call('POST', CM, { metadata: { name: 'a' } });
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe('AlreadyExists');
    const upd = await sb.call('PUT', `${CM}/a`, { ...a.body, data: { x: '2' } });
    expect(upd.status).toBe(200);
    expect(Number(upd.body.metadata.resourceVersion)).toBeGreaterThan(Number(a.body.metadata.resourceVersion));
    const stale = await sb.call('PUT', `${CM}/a`, { ...a.body, data: { x: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const bad = await sb.call('POST', CM, { metadata: { name: 'Bad!' } });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes[0].field).toBe('metadata.name');
  });

  it('dryRun=All does not store', async () => {
    const r = await sb.call('POST', `${CM}?dryRun=All`, { metadata: { name: 'dry' } });
    expect(r.status).toBe(200);
    expect((await sb.call('GET', `${CM}/dry`)).status).toBe(404);
  });

  it('lists with resourceVersion, limit and continue', async () => {
    for (const n of ['l1', 'l2', 'l3']) await sb.call('POST', CM, { metadata: { name: n, labels: { set: 'l' } } });
    const p1 = await sb.call('GET', `${CM}?labelSelector=set%3Dl&limit=2`);
    expect(p1.body.items.map((i: any) => i.metadata.name)).toEqual(['l1', 'l2']);
    expect(p1.body.metadata.resourceVersion).toMatch(/^\d+$/);
    const p2 = await sb.call('GET', `${CM}?labelSelector=set%3Dl&limit=2&continue=${p1.body.metadata.continue}`);
    expect(p2.body.items.map((i: any) => i.metadata.name)).toEqual(['l3']);
  });

  it('watches from a resourceVersion, with bookmarks', async () => {
    const start = (await sb.call('GET', CM)).body.metadata.resourceVersion;
    await sb.call('POST', CM, { metadata: { name: 'w' } });
    await sb.call('PATCH', `${CM}/w`, { data: { a: 'b' } }, { contentType: 'application/merge-patch+json' });
    await sb.call('DELETE', `${CM}/w`);
    const events = await sb.watch(`${CM}?watch=1&resourceVersion=${start}&fieldSelector=metadata.name%3Dw`, 3);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const marks = await sb.watch(`${CM}?watch=1&allowWatchBookmarks=true&resourceVersion=${start}&fieldSelector=metadata.name%3Dnone`, 1, 4000);
    expect(marks.map((e) => e.type)).toEqual(['BOOKMARK']);
  });

  it('returns a Table for workspaces with kcp columns', async () => {
    const r = await sb.call('GET', '/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces', undefined, { accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' });
    expect(r.body.kind).toBe('Table');
    expect(r.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Type', 'Region', 'Phase', 'URL', 'Age']);
    // kcp: Phase is the tenancy.kcp.io/phase label, URL names the logical cluster
    expect(r.body.rows[0].cells.slice(0, 4)).toEqual(['compute', 'universal', '', 'Ready']);
    expect(r.body.rows[0].cells[4]).toMatch(new RegExp(`^${sb.url}/clusters/[0-9a-z]{16}$`));
  });

  it('serves OpenAPI v3 with fieldValidation on PATCH operations, under the /clusters prefix', async () => {
    const root = await sb.call('GET', '/clusters/root/openapi/v3');
    const url = root.body.paths['api/v1'].serverRelativeURL;
    expect(url).toMatch(/^\/clusters\/root\/openapi\/v3\/api\/v1\?hash=/);
    const doc = await sb.call('GET', url);
    const patch = doc.body.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'ConfigMap' });
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
  });

  it('journals acknowledged writes so a new sandbox on the same directory has them', async () => {
    const journal = readFileSync(join(sb.rootDirectory, 'sandbox-journal.jsonl'), 'utf8');
    expect(journal).toContain('"name":"l3"');
  });
});

describe('sandbox restart', () => {
  it("keeps objects and shard-admin's token across stop/start on the same directory; kcp-admin's token changes", async () => {
    const first = await startTestSandbox();
    try {
      await first.call('POST', CM, { metadata: { name: 'persist' } });
      await first.stop();
      const second = await startTestSandbox({ dir: first.dir });
      try {
        expect(second.adminToken).not.toBe(first.adminToken);
        expect(second.shardAdminToken).toBe(first.shardAdminToken);
        const r = await second.call('GET', `${CM}/persist`);
        expect(r.status).toBe(200);
        // history before the restart was compacted away: too old to watch from; as the apiserver,
        // the watch answers 200 and its one event is an ERROR carrying the 410 Status
        const events = await second.watch(`${CM}?watch=1&resourceVersion=1`, 1);
        expect(events.map((e) => [e.type, e.object.code, e.object.reason])).toEqual([['ERROR', 410, 'Expired']]);
      } finally {
        await second.stop();
      }
    } finally {
      await first.cleanup();
    }
  });
});
