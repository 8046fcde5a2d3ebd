import { describe, expect, it } from 'vitest';
import { connect as tlsConnect } from 'node:tls';
import { createServer } from 'node:net';
import { chartValues, kubeFlagsOfHelm, parseDeployArgs } from '../../lib/kubestellar/deploy.ts';
import { formatDuration } from '../../lib/kubestellar/core-pod.ts';
import { serverNameOf } from '../../sandbox/hosting-passthrough.ts';

describe('parseDeployArgs', () => {
  it('takes our flags anywhere and hands every other flag, with its value, to helm in order', () => {
    const a = parseDeployArgs(['-n', 'ks', '--external-endpoint', 'ks.example.com:1119', '--atomic', '--set=a=b', '--kube-context', 'kind-ks', '-X']);
    expect(a.external).toEqual({ host: 'ks.example.com', port: 1119 });
    expect(a.openshift).toBe(false);
    expect(a.trace).toBe(true);
    expect(a.helmFlags).toEqual(['-n', 'ks', '--atomic', '--set=a=b', '--kube-context', 'kind-ks']);
  });

  it('a helm flag followed by another flag takes no value', () => {
    expect(parseDeployArgs(['--wait', '-n', 'ks', '--openshift', 'true']).helmFlags).toEqual(['--wait', '-n', 'ks']);
  });

  it('OpenShift without an endpoint: no host (the Route decides), port 443', () => {
    const a = parseDeployArgs(['--openshift=true']);
    expect(a.external).toEqual({ host: '', port: 443 });
    expect(chartValues(a, 'v0.14.0')).toEqual(['--set', 'clusterType=OpenShift', '--set-string', 'EXTERNAL_HOSTNAME=', '--set', 'EXTERNAL_PORT=443', '--set-string', 'image.tag=v0.14.0']);
  });

  it('--timeout bounds the wait too, in both spellings', () => {
    expect(parseDeployArgs(['--openshift', 'true', '--timeout', '90s']).timeoutMs).toBe(90_000);
    expect(parseDeployArgs(['--openshift', 'true', '--timeout=2m']).timeoutMs).toBe(120_000);
  });

  it.each([
    [[], '--external-endpoint cannot be omitted unless --openshift true'],
    [['--openshift', 'false'], '--external-endpoint cannot be omitted unless --openshift true'],
    [['--external-endpoint', 'a:1:2'], '--external-endpoint value should only have one colon'],
    [['--external-endpoint', 'a'], '--external-endpoint value should have a colon in it'],
    [['--external-endpoint', 'a:0'], '--external-endpoint "a:0": the port must be a number from 1 to 65535, not "0"'],
    [['--openshift', 'yes'], '--openshift should be true or false'],
    [['--openshift'], 'missing openshift value'],
    [['--external-endpoint', 'a:1', 'pos'], 'no positional arguments are allowed'],
    [['--external-endpoint', 'a:1', '---x'], 'flag syntax error'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseDeployArgs(argv)).toThrow(message);
  });
});

describe('kubeFlagsOfHelm', () => {
  it("reads where helm installs: namespace, kubeconfig, context, server, token, CA", () => {
    expect(
      kubeFlagsOfHelm(['--namespace=ks', '--kubeconfig', '/k', '--kube-context', 'c', '--kube-apiserver', 'https://h:6443', '--kube-token=t', '--kube-ca-file', '/ca', '--kube-insecure-skip-tls-verify', '--set', 'x=1']),
    ).toEqual({ namespace: 'ks', kubeconfig: '/k', context: 'c', server: 'https://h:6443', token: 't', certificateAuthority: '/ca', insecureSkipTlsVerify: true });
    expect(kubeFlagsOfHelm(['-n', 'other'])).toEqual({ namespace: 'other' });
  });
});

describe('formatDuration', () => {
  it("renders as Go (helm's --timeout default is 5m0s)", () => {
    expect(formatDuration(300_000)).toBe('5m0s');
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(90_500)).toBe('1m30.5s');
  });
});

describe('serverNameOf (the passthrough ingress reading a ClientHello)', () => {
  /** The first bytes a TLS client sends for `servername`. */
  async function helloFor(servername: string | undefined): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const srv = createServer((sock) => {
        sock.once('data', (b: Buffer) => {
          resolve(b);
          sock.destroy();
          srv.close();
        });
      });
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        const c = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
        c.on('error', () => {});
        c.on('close', () => c.destroy());
      });
      srv.on('error', reject);
    });
  }

  it('finds the host name, lowercased', async () => {
    expect(serverNameOf(await helloFor('Kubestellar-Route-ks.apps.example.com'))).toBe('kubestellar-route-ks.apps.example.com');
  });

  it('says "more bytes" for a partial hello and "none" without SNI or for non-TLS bytes', async () => {
    const hello = await helloFor('localhost');
    expect(serverNameOf(hello.subarray(0, 40))).toBeUndefined();
    expect(serverNameOf(await helloFor(''))).toBeNull();
    expect(serverNameOf(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBeNull();
  });
});
