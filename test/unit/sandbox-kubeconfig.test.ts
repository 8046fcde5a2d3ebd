// The sandbox writes .kcp/admin.kubeconfig in the very shape `kcp start` writes it
// (test/fixtures/kcp-admin.kubeconfig), so tools that read kcp's file read ours.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestSandbox, type TestSandbox } from './sandbox-helper.ts';
import { kcpAdminKubeconfig } from '../fixtures/kcp-admin-kubeconfig.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(() => sb.cleanup());

it('admin.kubeconfig is what kcp start writes, with the sandbox URL, CA and tokens', () => {
  const written = readFileSync(join(sb.rootDirectory, 'admin.kubeconfig'), 'utf8');
  const shard = /name: shard-admin\n  user:\n    token: (\S+)/.exec(written)?.[1] ?? '';
  expect(shard).not.toBe('');
  const ca = Buffer.from(sb.ca).toString('base64');
  expect(written).toBe(kcpAdminKubeconfig(sb.url, ca, sb.adminToken, shard));
});
