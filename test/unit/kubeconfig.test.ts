import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { Kubeconfig } from '../../lib/kcp/kubeconfig.ts';
import { resolveConnection } from '../../lib/kcp/connection.ts';

let dir: string;
const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };

const kubeconfig = (current: string, clusters: Record<string, string>, contexts: Record<string, [string, string]>, users: string[] = ['admin']) => `
apiVersion: v1
kind: Config
clusters:
${Object.entries(clusters).map(([n, s]) => `- name: ${n}\n  cluster:\n    server: ${s}`).join('\n')}
contexts:
${Object.entries(contexts).map(([n, [c, u]]) => `- name: ${n}\n  context:\n    cluster: ${c}\n    user: ${u}`).join('\n')}
users:
${users.map((u) => `- name: ${u}\n  user:\n    token: tok-${u}`).join('\n')}
${current ? `current-context: ${current}` : ''}
`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kc-test-'));
  process.env.HOME = join(dir, 'home');
  delete process.env.KUBECONFIG;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
});

describe('loading by client-go rules', () => {
  it('merges the $KUBECONFIG list, the first definition of a name winning', async () => {
    const a = join(dir, 'a'), b = join(dir, 'b');
    writeFileSync(a, kubeconfig('ctx-a', { shared: 'https://a:1' }, { 'ctx-a': ['shared', 'admin'] }));
    writeFileSync(b, kubeconfig('ctx-b', { shared: 'https://b:2', only: 'https://b:3' }, { 'ctx-b': ['only', 'admin'] }));
    process.env.KUBECONFIG = `${a}:${join(dir, 'missing')}:${b}`;
    const kc = await Kubeconfig.load();
    const v = kc.view();
    expect(v.currentContext).toBe('ctx-a');
    expect(v.clusters.shared.server).toBe('https://a:1');
    expect(v.clusters.only.server).toBe('https://b:3');
    expect(Object.keys(v.contexts).sort()).toEqual(['ctx-a', 'ctx-b']);
  });

  it('uses only --kubeconfig when given, and ~/.kube/config otherwise', async () => {
    const a = join(dir, 'a');
    writeFileSync(a, kubeconfig('x', { c: 'https://x:1' }, { x: ['c', 'admin'] }));
    mkdirSync(join(dir, 'home/.kube'), { recursive: true });
    writeFileSync(join(dir, 'home/.kube/config'), kubeconfig('h', { c: 'https://home:1' }, { h: ['c', 'admin'] }));
    process.env.KUBECONFIG = '/nonexistent';
    expect((await Kubeconfig.load({ kubeconfig: a })).view().clusters.c.server).toBe('https://x:1');
    delete process.env.KUBECONFIG;
    expect((await Kubeconfig.load()).view().clusters.c.server).toBe('https://home:1');
    await expect(Kubeconfig.load({ kubeconfig: join(dir, 'nope') })).rejects.toThrow(/does not exist/);
  });

  it('falls back to the in-cluster service account when no kubeconfig exists', async () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'sa-token\n');
    writeFileSync(join(sa, 'namespace'), 'kubestellar');
    writeFileSync(join(sa, 'ca.crt'), 'not really a cert');
    const env = { h: process.env.KUBERNETES_SERVICE_HOST, p: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '10.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      const kc = await Kubeconfig.load({}, { inClusterDir: sa });
      const conn = resolveConnection(kc, {});
      expect(conn.server).toBe('https://10.0.0.1:443');
      expect(conn.token).toBe('sa-token');
      expect(conn.namespace).toBe('kubestellar');
      expect(conn.ca?.toString()).toBe('not really a cert');
    } finally {
      if (env.h === undefined) delete process.env.KUBERNETES_SERVICE_HOST; else process.env.KUBERNETES_SERVICE_HOST = env.h;
      if (env.p === undefined) delete process.env.KUBERNETES_SERVICE_PORT; else process.env.KUBERNETES_SERVICE_PORT = env.p;
    }
  });

  it('lets kubectl flags override the context', async () => {
    const a = join(dir, 'a');
    writeFileSync(a, kubeconfig('one', { c1: 'https://one:1', c2: 'https://two:2' }, { one: ['c1', 'admin'], two: ['c2', 'other'] }, ['admin', 'other']));
    const kc = await Kubeconfig.load({ kubeconfig: a });
    expect(resolveConnection(kc, {}).server).toBe('https://one:1');
    expect(resolveConnection(kc, { context: 'two' })).toMatchObject({ server: 'https://two:2', token: 'tok-other' });
    expect(resolveConnection(kc, { cluster: 'c2', token: 'T', namespace: 'ns', requestTimeout: '2s' }))
      .toMatchObject({ server: 'https://two:2', token: 'T', namespace: 'ns', timeoutMs: 2000 });
    expect(() => resolveConnection(kc, { context: 'nope' })).toThrow('context "nope" does not exist');
  });
});

describe('writing back', () => {
  it('writes a changed entry to the file that defines it and a new one to the first existing file', async () => {
    const a = join(dir, 'a'), b = join(dir, 'b');
    writeFileSync(a, kubeconfig('', { ca: 'https://a:1' }, { 'ctx-a': ['ca', 'admin'] }));
    writeFileSync(b, kubeconfig('ctx-b', { cb: 'https://b:2' }, { 'ctx-b': ['cb', 'admin'] }));
    process.env.KUBECONFIG = `${join(dir, 'missing')}:${a}:${b}`;
    const kc = await Kubeconfig.load();
    kc.modify((v) => {
      v.clusters.cb.server = 'https://b:9';
      v.clusters.fresh = { server: 'https://new:1' };
      v.currentContext = 'ctx-a';
    });
    const fa = parse(readFileSync(a, 'utf8'));
    const fb = parse(readFileSync(b, 'utf8'));
    expect(fb.clusters.find((c: { name: string }) => c.name === 'cb').cluster.server).toBe('https://b:9');
    expect(fa.clusters.map((c: { name: string }) => c.name)).toEqual(['ca', 'fresh']);
    // current-context goes to the first file that sets one
    expect(fb['current-context']).toBe('ctx-a');
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect((await Kubeconfig.load()).view().currentContext).toBe('ctx-a');
  });

  it('writes in client-go form: sorted keys and names, kind Config, the file keeping its mode', async () => {
    const a = join(dir, 'a');
    writeFileSync(a, kubeconfig('z', { zeta: 'https://z:1', alpha: 'https://a:1' }, { z: ['zeta', 'admin'] }));
    const kc = await Kubeconfig.load({ kubeconfig: a });
    kc.modify((v) => { v.contexts.a = { cluster: 'alpha', user: 'admin' }; });
    const text = readFileSync(a, 'utf8');
    expect(text.split('\n').filter((l) => /^[a-z]/.test(l)).map((l) => l.split(':')[0]))
      .toEqual(['apiVersion', 'clusters', 'contexts', 'current-context', 'kind', 'preferences', 'users']);
    expect(text).toContain('clusters:\n- cluster:\n    server: https://a:1\n  name: alpha\n- cluster:');
    expect(text).toContain('preferences: {}');
    expect(statSync(a).mode & 0o777).toBe(0o644);
  });

  it('lets 20 concurrent writer processes each add a context without losing any', async () => {
    const a = join(dir, 'a');
    writeFileSync(a, kubeconfig('root', { root: 'https://h:1/clusters/root' }, { root: ['root', 'admin'] }));
    const script = join(dir, 'writer.mjs');
    writeFileSync(join(dir, 'writer-src.ts'), `
      import { Kubeconfig } from ${JSON.stringify(join(process.cwd(), 'lib/kcp/kubeconfig.ts'))};
      const kc = await Kubeconfig.load({ kubeconfig: process.argv[2] });
      for (let i = 0; i < 3; i++) kc.modify((v) => { v.contexts['w' + process.argv[3] + '-' + i] = { cluster: 'root', user: 'admin' }; });
    `);
    await build({ entryPoints: [join(dir, 'writer-src.ts')], outfile: script, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent',
      banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" } });
    const codes = await Promise.all(Array.from({ length: 20 }, (_, i) => new Promise<number>((resolve) => {
      spawn(process.execPath, [script, a, String(i)], { stdio: 'inherit' }).on('exit', (c) => resolve(c ?? -1));
    })));
    expect(codes.every((c) => c === 0)).toBe(true);
    const names = parse(readFileSync(a, 'utf8')).contexts.map((c: { name: string }) => c.name);
    expect(names).toHaveLength(61);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 3; j++) expect(names).toContain(`w${i}-${j}`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
  });
});
