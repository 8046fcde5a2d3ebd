// lib/kubestellar/switch-domain.ts: the kubeconfig rewrite shared by switch-domain and
// wait-and-switch-domain, and the bounded wait.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { createCA, issueCertificate } from '../../lib/pki/pki.ts';
import { CommandError } from '../../lib/cli/errors.ts';
import { kcpAdminKubeconfig } from '../fixtures/kcp-admin-kubeconfig.ts';
import {
  rewriteKubeconfig,
  switchDomain,
  waitFor,
  namespaceListProbe,
  splitServer,
  parsePort,
  hostForUrl,
  loadYaml,
} from '../../lib/kubestellar/switch-domain.ts';

const OLD_CA = Buffer.from('-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n').toString('base64');

const kcpKubeconfig = (host = '192.168.7.9', ca = OLD_CA) => kcpAdminKubeconfig(`https://${host}:6443`, ca);

const NEW_CA = Buffer.from('new CA bytes\n').toString('base64');
const opts = { context: 'root', host: 'yep.yep', port: 6443, caData: NEW_CA, source: 'IN' };

function changedLines(a: string, b: string): [number, string, string][] {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y.length).toBe(x.length);
  return x.flatMap((l, i) => (l === y[i] ? [] : [[i + 1, l, y[i]] as [number, string, string]]));
}

describe('rewriteKubeconfig', () => {
  it("changes exactly the reference's two lines per cluster of a kcp admin.kubeconfig", async () => {
    const yaml = await loadYaml();
    const input = kcpKubeconfig();
    const out = rewriteKubeconfig(yaml, input, opts);
    expect(out.clusters).toEqual(['base', 'root']);
    expect(changedLines(input, out.text)).toEqual([
      [4, `    certificate-authority-data: ${OLD_CA}`, `    certificate-authority-data: ${NEW_CA}`],
      [5, '    server: https://192.168.7.9:6443', '    server: https://yep.yep:6443'],
      [8, `    certificate-authority-data: ${OLD_CA}`, `    certificate-authority-data: ${NEW_CA}`],
      [9, '    server: https://192.168.7.9:6443/clusters/root', '    server: https://yep.yep:6443/clusters/root'],
    ]);
  });

  it('leaves clusters of other servers, comments, order and quoting alone', async () => {
    const yaml = await loadYaml();
    const input = `# my config
apiVersion: v1
kind: Config
clusters:
  - name: kcp # the kcp server
    cluster:
      server: "https://10.0.0.1:6443/clusters/root:imw1"
      certificate-authority-data: ${OLD_CA}
  - name: look-alike
    cluster:
      server: https://10.0.0.1:64430
  - name: elsewhere
    cluster:
      server: https://10.0.0.2:6443
      insecure-skip-tls-verify: true
  - name: no-ca-yet
    cluster:
      extensions: []
      server: https://10.0.0.1:6443/clusters/root
contexts:
  - name: ws
    context: {cluster: kcp, user: u}
current-context: ws
users: []
`;
    const out = rewriteKubeconfig(yaml, input, { ...opts, context: 'ws', port: 443 });
    expect(out.clusters).toEqual(['kcp', 'no-ca-yet']);
    expect(out.text).toBe(
      input
        .replace('"https://10.0.0.1:6443/clusters/root:imw1"', '"https://yep.yep:443/clusters/root:imw1"')
        .replace(`      certificate-authority-data: ${OLD_CA}`, `      certificate-authority-data: ${NEW_CA}`)
        .replace(
          '      extensions: []\n      server: https://10.0.0.1:6443/clusters/root',
          `      certificate-authority-data: ${NEW_CA}\n      extensions: []\n      server: https://yep.yep:443/clusters/root`,
        ),
    );
  });

  it('puts an IPv6 host in brackets and keeps the scheme as written', async () => {
    const yaml = await loadYaml();
    const out = rewriteKubeconfig(yaml, kcpKubeconfig(), { ...opts, host: hostForUrl('::1'), port: 8443 });
    expect(out.text).toContain('server: https://[::1]:8443/clusters/root\n');
  });

  it('reports a missing context with exit code 10, and other problems with 1', async () => {
    const yaml = await loadYaml();
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as CommandError;
      }
      throw new Error('no error');
    };
    const missing = err(() => rewriteKubeconfig(yaml, kcpKubeconfig(), { ...opts, context: 'nope' }));
    expect(missing.exitCode).toBe(10);
    expect(missing.message).toBe('there is no context named "nope" in IN');
    const noCluster = err(() => rewriteKubeconfig(yaml, kcpKubeconfig().replace('    cluster: root\n', '    cluster: gone\n'), opts));
    expect([noCluster.exitCode, noCluster.message]).toEqual([1, 'context "root" names cluster "gone", which is not in IN']);
    expect(err(() => rewriteKubeconfig(yaml, 'a: [', opts)).message).toMatch(/^IN is not valid YAML: /);
    expect(err(() => rewriteKubeconfig(yaml, '- 1\n', opts)).message).toBe('IN is not a kubeconfig (not a YAML mapping)');
    expect(err(() => rewriteKubeconfig(yaml, kcpKubeconfig().replace('server: https://192.168.7.9:6443/clusters/root', 'server: nowhere'), opts)).message).toMatch(
      /cluster "root" in IN has no usable server URL/,
    );
  });

  it('splits server URLs and checks ports and hosts', () => {
    expect(splitServer('https://h:6443/clusters/root')).toEqual({ scheme: 'https', authority: 'h:6443', rest: '/clusters/root' });
    expect(splitServer('https://h')).toEqual({ scheme: 'https', authority: 'h', rest: '' });
    expect(splitServer('h:6443')).toBeUndefined();
    expect(parsePort('6443')).toBe(6443);
    for (const bad of ['0', '65536', 'x', '', '-1', '64 43', '6443.0']) expect(() => parsePort(bad)).toThrow(/from 1 to 65535/);
    expect(hostForUrl('10.1.2.3')).toBe('10.1.2.3');
    expect(() => hostForUrl('bad_name')).toThrow(/not a DNS name or IP address/);
  });
});

describe('switchDomain', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ks-sd-'));
    writeFileSync(join(dir, 'in.yaml'), kcpKubeconfig());
    writeFileSync(join(dir, 'ca.crt'), createCA('easy@1', { keyPem: undefined }).certPem);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const args = (over: Partial<Parameters<typeof switchDomain>[0]> = {}) => ({
    inPath: join(dir, 'in.yaml'),
    outPath: join(dir, 'out.yaml'),
    context: 'root',
    domain: 'yep.yep',
    port: '6443',
    caCertPath: join(dir, 'ca.crt'),
    ...over,
  });

  it('writes OUT with mode 0600, the CA file base64-encoded, and leaves IN alone', async () => {
    const before = readFileSync(join(dir, 'in.yaml'), 'utf8');
    await switchDomain(args());
    expect(readFileSync(join(dir, 'in.yaml'), 'utf8')).toBe(before);
    expect(statSync(join(dir, 'out.yaml')).mode & 0o777).toBe(0o600);
    const out = readFileSync(join(dir, 'out.yaml'), 'utf8');
    expect(out).toContain(`certificate-authority-data: ${readFileSync(join(dir, 'ca.crt')).toString('base64')}\n`);
  });

  it('writes nothing on any bad input, with a one-line message each', async () => {
    const cases: [Partial<Parameters<typeof switchDomain>[0]>, RegExp, number][] = [
      [{ context: 'nope' }, /^there is no context named "nope"/, 10],
      [{ port: '70000' }, /^the port must be a number from 1 to 65535, not "70000"$/, 1],
      [{ domain: 'a b' }, /^the domain "a b" is not a DNS name or IP address: it must be one word$/, 1],
      [{ caCertPath: join(dir, 'missing.crt') }, /^cannot read the CA certificate file .*missing.crt: no such file$/, 1],
      [{ caCertPath: join(dir, 'in.yaml') }, /does not hold a PEM certificate$/, 1],
      [{ inPath: join(dir, 'missing.yaml') }, /^cannot read the input kubeconfig .*missing.yaml: no such file$/, 1],
      [{ outPath: join(dir, 'no', 'out.yaml') }, /^cannot write .*out.yaml: directory .*no: no such file$/, 1],
      [{ outPath: join(dir, 'in.yaml') }, /^the output kubeconfig must not be the input kubeconfig/, 1],
    ];
    for (const [over, message, code] of cases) {
      const err = await switchDomain(args(over)).then(
        () => undefined,
        (e: CommandError) => e,
      );
      expect(err, JSON.stringify(over)).toBeInstanceOf(CommandError);
      expect(err!.message).toMatch(message);
      expect(err!.message).not.toContain('\n');
      expect(err!.exitCode).toBe(code);
      expect(existsSync(join(dir, 'out.yaml'))).toBe(false);
    }
  });
});

describe('waitFor', () => {
  const noSleep = async () => {};

  it('retries until the probe passes, reporting each failure', async () => {
    let calls = 0;
    const seen: string[] = [];
    const r = await waitFor(
      async () => {
        if (++calls < 4) throw new Error(`not yet ${calls}`);
      },
      { what: 'x', sleep: noSleep, onRetry: (n, reason) => seen.push(`${n}:${reason}`) },
    );
    expect(r.attempts).toBe(4);
    expect(seen).toEqual(['1:not yet 1', '2:not yet 2', '3:not yet 3']);
  });

  it('gives up after the timeout with exit code 8 and the last reason', async () => {
    const err = await waitFor(
      async () => {
        throw new Error('401 Unauthorized');
      },
      { what: 'the server', timeoutMs: 300, initialDelayMs: 20, maxDelayMs: 50 },
    ).catch((e: CommandError) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).exitCode).toBe(8);
    expect((err as CommandError).message).toMatch(/^timed out after [\d.]+s waiting for the server \(last: 401 Unauthorized\)$/);
  });

  it('never starves the last attempt, so the reason reported is the real one', async () => {
    const reasons: string[] = [];
    const err = await waitFor(
      async (limit) => {
        // a probe honouring its budget: with almost none left it could only time out
        throw new Error(limit < 40 ? 'starved' : '401 Unauthorized');
      },
      { what: 'x', timeoutMs: 200, initialDelayMs: 30, maxDelayMs: 60, onRetry: (_n, r) => reasons.push(r) },
    ).catch((e: CommandError) => e);
    expect((err as CommandError).exitCode).toBe(8);
    expect(reasons).not.toContain('starved');
    expect((err as CommandError).message).toMatch(/\(last: 401 Unauthorized\)$/);
  });

  it('hands each attempt at most the remaining time', async () => {
    const limits: number[] = [];
    await waitFor(
      async (limit) => {
        limits.push(limit);
        if (limits.length < 2) throw new Error('no');
      },
      { what: 'x', timeoutMs: 60_000, sleep: noSleep },
    );
    expect(limits.every((l) => l > 0 && l <= 10_000)).toBe(true);
  });
});

describe('namespaceListProbe', () => {
  let dir: string;
  let server: https.Server;
  let status = 200;
  const seen: { path?: string; auth?: string }[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ks-probe-'));
    const ca = createCA('probe CA');
    const pair = issueCertificate(ca, { commonName: 'localhost', usage: 'server', ipAddresses: ['127.0.0.1'] });
    server = https.createServer({ cert: pair.certPem, key: pair.keyPem }, (req, res) => {
      seen.push({ path: req.url, auth: req.headers.authorization });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { kind: 'NamespaceList', items: [] } : { kind: 'Status', code: status, message: 'Unauthorized', reason: 'Unauthorized' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    writeFileSync(join(dir, 'in.yaml'), kcpKubeconfig(`127.0.0.1`, Buffer.from(ca.certPem).toString('base64')).replaceAll(':6443', `:${port}`));
  });
  afterEach(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists namespaces in the current context's workspace with the kubeconfig's token", async () => {
    status = 200;
    await namespaceListProbe(join(dir, 'in.yaml'))(5_000);
    expect(seen.at(-1)).toEqual({ path: '/clusters/root/api/v1/namespaces?limit=1', auth: 'Bearer admin-token' });
  });

  it('fails on 401, and when the kubeconfig does not exist yet', async () => {
    status = 401;
    await expect(namespaceListProbe(join(dir, 'in.yaml'))(5_000)).rejects.toThrow();
    await expect(namespaceListProbe(join(dir, 'absent.yaml'))(5_000)).rejects.toThrow();
  });
});
