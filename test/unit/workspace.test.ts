import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { connect } from '../../lib/kcp/client.ts';
import { openNavigator, currentWorkspaceMessage, CURRENT, PREVIOUS } from '../../lib/kcp/workspace.ts';
import { fakeApiServer, json, status } from './support/fake-apiserver.ts';
import { kcpAdminKubeconfig } from '../fixtures/kcp-admin-kubeconfig.ts';

// Workspaces the fake server knows: parent path -> child name -> type.
const tree: Record<string, Record<string, { name: string; path: string }>> = {
  root: { a: { name: 'organization', path: 'root' }, compute: { name: 'universal', path: 'root' } },
  'root:a': { b: { name: 'universal', path: 'root' } },
};

let server: Awaited<ReturnType<typeof fakeApiServer>>;
let file: string;

beforeAll(async () => {
  server = await fakeApiServer((req, res) => {
    const m = /^\/clusters\/([^/]+)\/apis\/tenancy\.kcp\.io\/v1alpha1\/workspaces\/([^/?]+)$/.exec(req.url);
    if (req.method === 'GET' && m && tree[m[1]]?.[m[2]]) {
      return json(res, 200, {
        apiVersion: 'tenancy.kcp.io/v1alpha1', kind: 'Workspace', metadata: { name: m[2] },
        spec: { type: tree[m[1]][m[2]], URL: `${server.url}/clusters/${m[1]}:${m[2]}` }, status: { phase: 'Ready' },
      });
    }
    json(res, 404, status(404, 'NotFound', `workspaces.tenancy.kcp.io "${m?.[2]}" not found`));
  });
});
afterAll(() => server.close());


beforeEach(() => {
  file = join(mkdtempSync(join(tmpdir(), 'ws-test-')), 'admin.kubeconfig');
  writeFileSync(file, kcpAdminKubeconfig(server.url));
});

const nav = async () => openNavigator(await connect({ kubeconfig: file }));
const view = () => parse(readFileSync(file, 'utf8'));
const cluster = (name: string) => view().clusters.find((c: { name: string }) => c.name === name)?.cluster;
const context = (name: string) => view().contexts.find((c: { name: string }) => c.name === name)?.context;

describe('workspace navigation writes the kubeconfig as kcp\'s `kubectl ws` does', () => {
  it('absolute path root:a:b: current and previous contexts, exactly', async () => {
    const n = await nav();
    expect(n.current).toBe('root');
    const moved = await n.use('root:a:b');
    expect(moved.message).toBe('Current workspace is "root:a:b".');
    expect(readFileSync(file, 'utf8')).toBe(`apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: ${server.url}
  name: base
- cluster:
    certificate-authority-data: Q0E=
    server: ${server.url}/clusters/root
  name: root
- cluster:
    certificate-authority-data: Q0E=
    server: ${server.url}/clusters/root:a:b
  name: ${CURRENT}
contexts:
- context:
    cluster: base
    user: kcp-admin
  name: base
- context:
    cluster: root
    user: kcp-admin
  name: root
- context:
    cluster: base
    user: shard-admin
  name: system:admin
- context:
    cluster: ${CURRENT}
    user: kcp-admin
  name: ${CURRENT}
- context:
    cluster: root
    user: kcp-admin
  name: ${PREVIOUS}
current-context: ${CURRENT}
kind: Config
preferences: {}
users:
- name: kcp-admin
  user:
    token: admin-token
- name: shard-admin
  user:
    token: shard-token
`);
  });

  it('.. then a child by name (type shown), then - swaps back, then root', async () => {
    const n = await nav();
    await n.use('root:a:b');
    expect((await n.use('..')).message).toBe('Current workspace is "root:a".');
    // the previous context now keeps its own copy of the old current cluster
    expect(context(PREVIOUS)).toEqual({ cluster: PREVIOUS, user: 'kcp-admin' });
    expect(cluster(PREVIOUS).server).toBe(`${server.url}/clusters/root:a:b`);
    expect(cluster(CURRENT).server).toBe(`${server.url}/clusters/root:a`);

    expect((await n.use('b')).message).toBe('Current workspace is "root:a:b" (type root:universal).');
    expect(cluster(CURRENT).server).toBe(`${server.url}/clusters/root:a:b`);
    expect(cluster(PREVIOUS).server).toBe(`${server.url}/clusters/root:a`);

    expect((await n.use('-')).message).toBe('Current workspace is "root:a".');
    expect(cluster(CURRENT).server).toBe(`${server.url}/clusters/root:a`);
    expect(cluster(PREVIOUS).server).toBe(`${server.url}/clusters/root:a:b`);
    expect(view()['current-context']).toBe(CURRENT);

    expect((await n.use('root')).message).toBe('Current workspace is "root".');
    expect(n.current).toBe('root');
    // a fresh navigator reads the same place back from the file
    expect((await nav()).show().message).toBe(currentWorkspaceMessage('root'));
  });

  it('- right after the first move returns to the original context', async () => {
    const n = await nav();
    await n.use('root:a');
    expect((await n.use('-')).message).toBe('Current workspace is "root".');
    expect(context(CURRENT)).toEqual({ cluster: 'root', user: 'kcp-admin' });
    expect(context(PREVIOUS)).toEqual({ cluster: PREVIOUS, user: 'kcp-admin' });
    expect(cluster(PREVIOUS).server).toBe(`${server.url}/clusters/root:a`);
  });

  it('refuses what the plugin refuses, leaving the file alone', async () => {
    const before = readFileSync(file, 'utf8');
    const n = await nav();
    await expect(n.use('..')).rejects.toThrow('current workspace "root" has no parent');
    await expect(n.use('-')).rejects.toThrow('no previous workspace found in kubeconfig');
    await expect(n.use('root:missing')).rejects.toThrow('workspace "root:missing" not found');
    await expect(n.use('nope')).rejects.toThrow(/"nope" not found/);
    await expect(n.use('Bad_Name')).rejects.toThrow('invalid workspace name format: Bad_Name');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
