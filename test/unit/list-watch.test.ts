// ListWatch against a real sandbox: a watch dropped by a server restart resumes; when
// the server no longer has the history (410 Gone), a relist reports only what changed,
// each change once.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ApiClient } from '../../lib/kcp/client.ts';
import { CONFIGMAPS, SECRETS } from '../../lib/kcp/resources.ts';
import { ListWatch, type Action } from '../../lib/kubestellar/list-watch.ts';

const ALL_CM = { ...CONFIGMAPS, namespaced: false };
const BIN = join(import.meta.dirname, '../../bin/kubestellar-sandbox');

async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The sandbox as its own process (killed with SIGKILL, as a crash would), on `port` (0: any). */
async function sandboxProcess(dir: string, port: number): Promise<{ proc: ChildProcess; port: number }> {
  const kc = join(dir, 'admin.kubeconfig');
  rmSync(kc, { force: true });
  const proc = spawn(process.execPath, [BIN, 'start', '--secure-port', String(port), '--root-directory', dir], { stdio: 'ignore', env: { ...process.env, KUBECONFIG: '' } });
  await until('the sandbox to serve', () => existsSync(kc));
  return { proc, port: Number(/server: https:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(kc, 'utf8'))![1]) };
}

describe('ListWatch', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('relists after 410 Gone and reports each change once, deletions as tombstones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-lw-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    let sb = await sandboxProcess(dir, 0);
    cleanups.push(() => void sb.proc.kill('SIGKILL'));
    // the shard admin, as list-syncing-objects' "all" client: its token survives the restart (kcp-admin's is new at every start)
    const client: ApiClient = await connect({ kubeconfig: join(dir, 'admin.kubeconfig'), context: 'system:admin' });
    cleanups.push(() => client.close());
    for (const n of ['a', 'b']) await client.create(CONFIGMAPS, { metadata: { name: n, namespace: 'default' }, data: { v: '1' } });
    const events: [Action, string, any][] = [];
    // a long first back-off: the restart and the writes below happen before it reconnects
    const lw = new ListWatch(client, ALL_CM, { event: (a, o) => void events.push([a, o.metadata.name, o]) }, { backoff: { initialMs: 8_000, maxMs: 8_000 } });
    cleanups.push(() => void lw.stop());
    const running = lw.run();
    await lw.hasSynced;
    // the first list: the test's two, and each namespace's kube-root-ca.crt (published as in kcp)
    const synced = events.length;
    expect(events.filter(([, n]) => n !== 'kube-root-ca.crt').map(([a, n]) => `${a} ${n}`)).toEqual(['add a', 'add b']);
    // a write the configmap watch never sees, then a crash and restart: the server's history starts after it
    await client.create(SECRETS, { metadata: { name: 'bump', namespace: 'default' } });
    sb.proc.kill('SIGKILL');
    await new Promise((r) => sb.proc.once('exit', r));
    sb = await sandboxProcess(dir, sb.port);
    await client.patch(CONFIGMAPS, 'a', { data: { v: '2' } }, { namespace: 'default' });
    await client.delete(CONFIGMAPS, 'b', { namespace: 'default' });
    await client.create(CONFIGMAPS, { metadata: { name: 'c', namespace: 'default' } });
    await until('three events after the restart', () => events.length >= synced + 3);
    await client.create(CONFIGMAPS, { metadata: { name: 'd', namespace: 'default' } });
    await until('the watch after the relist', () => events.length >= synced + 4);
    // each change once, and nothing unchanged reported again
    expect(events.slice(synced).map(([a, n]) => `${a} ${n}`).sort()).toEqual(['add c', 'add d', 'delete b', 'update a']);
    const del = events.find(([a]) => a === 'delete')![2];
    // known only by name after a relist: the relist path was taken
    expect(del.data).toBeUndefined();
    expect(del.metadata).toMatchObject({ name: 'b', namespace: 'default' });
    lw.stop();
    await running;
  }, 40_000);
});
