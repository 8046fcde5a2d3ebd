// Paginated LIST in the sandbox, as the apiserver does it: every page of one list shows
// the store at the first page's resourceVersion, wildcard `/clusters/*` lists page the
// same way (shard admin only), and a continue token whose snapshot is gone gets 410.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ListPager } from '../../sandbox/paging.ts';
import { startTestSandbox, type TestSandbox } from './sandbox-helper.ts';

const CM = (ws: string) => `/clusters/${ws}/api/v1/namespaces/default/configmaps`;
/** the test's own ConfigMaps (the namespace also holds kube-root-ca.crt, as every namespace in kcp) */
const OURS = 'test=paging';
const MINE = (ws: string) => `${CM(ws)}?labelSelector=${encodeURIComponent(OURS)}`;
const names = (r: { body: any }) => r.body.items.map((i: any) => i.metadata.name);
const key = (i: any) => `${i.metadata.annotations['kcp.io/cluster']}/${i.metadata.namespace}/${i.metadata.name}`;

describe('sandbox paginated LIST', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
    for (const ws of ['pa', 'pb']) {
      await sb.call('POST', '/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces', { metadata: { name: ws } });
    }
    for (const ws of ['pa', 'pb']) {
      for (let i = 0; i < 200 && (await sb.call('GET', CM(`root:${ws}`))).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
      for (const n of ['c1', 'c2', 'c3', 'c4', 'c5']) expect((await sb.call('POST', CM(`root:${ws}`), { metadata: { name: n, labels: { test: 'paging' } }, data: { v: '0' } })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await sb?.cleanup();
  });

  it('later pages show the store as of the first page, with its resourceVersion', async () => {
    const p1 = await sb.call('GET', `${MINE('root:pa')}&limit=2`);
    expect(names(p1)).toEqual(['c1', 'c2']);
    // writes after the first page: none of them may show in later pages
    await sb.call('DELETE', `${CM('root:pa')}/c3`);
    await sb.call('PATCH', `${CM('root:pa')}/c4`, { data: { v: 'changed' } }, { contentType: 'application/merge-patch+json' });
    await sb.call('POST', CM('root:pa'), { metadata: { name: 'c9', labels: { test: 'paging' } } });
    const p2 = await sb.call('GET', `${MINE('root:pa')}&limit=2&continue=${p1.body.metadata.continue}`);
    expect(names(p2)).toEqual(['c3', 'c4']);
    expect(p2.body.items[1].data).toEqual({ v: '0' });
    expect(p2.body.metadata.resourceVersion).toBe(p1.body.metadata.resourceVersion);
    const p3 = await sb.call('GET', `${MINE('root:pa')}&limit=2&continue=${p2.body.metadata.continue}`);
    expect(names(p3)).toEqual(['c5']);
    expect(p3.body.metadata.continue).toBeUndefined();
    // a new list sees the writes
    expect(names(await sb.call('GET', MINE('root:pa')))).toEqual(['c1', 'c2', 'c4', 'c5', 'c9']);
  });

  it('counts the remaining items only without selectors, as the apiserver', async () => {
    const all = names(await sb.call('GET', CM('root:pb')));
    const p1 = await sb.call('GET', `${CM('root:pb')}?limit=2`);
    expect(names(p1)).toEqual(all.slice(0, 2));
    expect(p1.body.metadata.remainingItemCount).toBe(all.length - 2);
    const selected = await sb.call('GET', `${MINE('root:pb')}&limit=2`);
    expect(selected.body.metadata.continue).toBeDefined();
    expect(selected.body.metadata.remainingItemCount).toBeUndefined();
  });

  it('pages a wildcard /clusters/* list for the shard admin, refused to others', async () => {
    const path = '/clusters/*/api/v1/configmaps?labelSelector=&limit=3';
    const seen: string[] = [];
    let next = path;
    for (let pages = 0; pages < 20; pages++) {
      const r = await sb.call('GET', next, undefined, { token: sb.shardAdminToken });
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map(key));
      if (!r.body.metadata.continue) break;
      next = `${path}&continue=${r.body.metadata.continue}`;
    }
    const all = (await sb.call('GET', '/clusters/*/api/v1/configmaps', undefined, { token: sb.shardAdminToken })).body.items;
    expect(seen).toEqual(all.map(key));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((k) => k.endsWith('/c5')).length).toBe(2);
    expect((await sb.call('GET', path)).status).toBe(403);
  });

  it('refuses a bad continue token and resourceVersion with continue; 410 once the snapshot is gone', async () => {
    expect((await sb.call('GET', `${CM('root:pb')}?limit=2&continue=bm9wZQ`)).status).toBe(400);
    const p1 = await sb.call('GET', `${CM('root:pb')}?limit=2`);
    const withRV = await sb.call('GET', `${CM('root:pb')}?limit=2&resourceVersion=1&continue=${p1.body.metadata.continue}`);
    expect(withRV.status).toBe(400);
    // more paged lists than the sandbox keeps snapshots of, and a write so the store moved on
    for (let i = 0; i < 70; i++) await sb.call('GET', `${CM('root:pb')}?limit=1&fieldSelector=metadata.name!%3Dx${i}`);
    await sb.call('POST', CM('root:pb'), { metadata: { name: 'late' } });
    const gone = await sb.call('GET', `${CM('root:pb')}?limit=2&continue=${p1.body.metadata.continue}`);
    expect(gone.status).toBe(410);
    expect(gone.body.reason).toBe('Expired');
  });
});

describe('ListPager', () => {
  const objs = (n: number) => Array.from({ length: n }, (_, i) => ({ metadata: { name: `o${String(i).padStart(5, '0')}`, namespace: 'ns' } }));

  it('builds the sorted snapshot once however many pages follow', () => {
    const pager = new ListPager();
    let builds = 0;
    const matching = () => (builds++, objs(10_000).reverse());
    let page = pager.page('q', 7, matching, 100, null);
    const got = [...page.items];
    while (page.continue) {
      page = pager.page('q', 7, matching, 100, page.continue);
      got.push(...page.items);
    }
    expect(builds).toBe(1);
    expect(got.map((o) => o.metadata.name)).toEqual(objs(10_000).map((o) => o.metadata.name));
  });

  it('expires snapshots after 5 minutes', () => {
    let now = 0;
    const pager = new ListPager(() => now);
    const p1 = pager.page('q', 7, () => objs(5), 2, null);
    now = 5 * 60_000 + 1;
    expect(() => pager.page('q', 8, () => objs(5), 2, p1.continue!)).toThrow(/too old/);
    // the store unchanged since: the same state can still be served
    expect(pager.page('q', 7, () => objs(5), 2, p1.continue!).items.map((o) => o.metadata.name)).toEqual(['o00002', 'o00003']);
  });
});
