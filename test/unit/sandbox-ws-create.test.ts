// `kubectl ws create` as the suite does it (lib/kcp/workspace.ts) against the sandbox,
// which types workspaces as kcp v0.11 does: no --type under root gives an organization,
// inside it a universal workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startTestSandbox, type TestSandbox } from './sandbox-helper.ts';
import { connect } from '../../lib/kcp/client.ts';
import { openNavigator } from '../../lib/kcp/workspace.ts';

describe('ws create against the sandbox', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(async () => {
    await sb.cleanup();
  });

  it('without --type: root:organization under root, root:universal inside it; --type team is allowed there', async () => {
    const nav = await openNavigator(await connect({ kubeconfig: join(sb.rootDirectory, 'admin.kubeconfig') }));
    const lines: string[] = [];
    const print = (l: string) => lines.push(l);
    const x = await nav.create('x', { print, enter: true });
    expect(x.spec.type).toEqual({ name: 'organization', path: 'root' });
    expect(lines).toEqual([
      'Workspace "x" (type root:organization) created. Waiting for it to be ready...',
      'Workspace "x" (type root:organization) is ready to use.',
      'Current workspace is "root:x" (type root:organization).',
    ]);
    lines.length = 0;
    await nav.create('y', { print });
    expect(lines[1]).toBe('Workspace "y" (type root:universal) is ready to use.');
    lines.length = 0;
    await nav.create('t', { print, type: 'team' });
    expect(lines[1]).toBe('Workspace "t" (type root:team) is ready to use.');
    await expect(nav.create('o', { print, type: 'root:organization' })).rejects.toThrow(
      'workspaces.tenancy.kcp.io "o" is forbidden: workspace type root:organization only allows [root:root] parent workspaces, but parent type root:organization only implements [root:organization root:universal]',
    );
  });
});
