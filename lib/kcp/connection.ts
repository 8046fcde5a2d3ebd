// From a loaded kubeconfig and kubectl's flags to what one HTTPS connection needs, as
// client-go's DirectClientConfig does: flags override the context, which names the
// cluster and user.
import { readFileSync } from 'node:fs';
import { CommandError, describeErrno } from '../cli/errors.ts';
import { parseDuration, type KubeFlags } from '../cli/args.ts';
import type { Kubeconfig, UserEntry } from './kubeconfig.ts';

export interface Connection {
  /** server URL as configured, e.g. https://h:6443/clusters/root */
  server: string;
  ca?: Buffer;
  insecure: boolean;
  tlsServerName?: string;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  basicAuth?: string;
  /** exec / auth-provider credentials, resolved lazily per request */
  dynamicAuth?: () => Promise<Record<string, string>>;
  namespace: string;
  /** per-request time limit in ms; 0 means none */
  timeoutMs: number;
  contextName: string;
}

const PEM_LABEL: Record<string, RegExp> = {
  'certificate authority': /-----BEGIN CERTIFICATE-----/,
  'client certificate': /-----BEGIN CERTIFICATE-----/,
  'client key': /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
};

/**
 * `*-data` as client-go reads it: base64 of PEM. Node's decoder skips what is not base64,
 * so garbage would only show up later as a TLS failure; it is named here instead.
 */
function decodeData(what: string, key: string, data: string, where: string, pem: boolean): Buffer {
  const compact = data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new CommandError(`${key} of ${where} is not valid base64`);
  }
  const bytes = Buffer.from(compact, 'base64');
  const label = PEM_LABEL[what];
  if (pem && label && !label.test(bytes.toString('latin1'))) throw new CommandError(`${key} of ${where} does not decode to a PEM ${what === 'client key' ? 'private key' : 'certificate'}`);
  return bytes;
}

function readRef(what: string, file: string | undefined, data: string | undefined, key = '', where = '', pem = true): Buffer | undefined {
  if (data) return decodeData(what, key, data, where, pem);
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CommandError(`cannot read ${what} ${file}: ${describeErrno(err)}`);
  }
}

export function resolveConnection(kc: Kubeconfig, flags: KubeFlags, defaultTimeoutMs = 60_000): Connection {
  const view = kc.view();
  const contextName = flags.context ?? view.currentContext;
  const context = contextName ? view.contexts[contextName] : undefined;
  if (flags.context && !context) throw new CommandError(`context "${flags.context}" does not exist`);
  const clusterName = flags.cluster ?? context?.cluster;
  const cluster = clusterName ? view.clusters[clusterName] : undefined;
  if (flags.cluster && !cluster) throw new CommandError(`cluster "${flags.cluster}" does not exist`);
  const userName = flags.user ?? context?.user;
  const user: UserEntry = (userName ? view.users[userName] : undefined) ?? {};
  if (flags.user && !view.users[flags.user]) throw new CommandError(`user "${flags.user}" does not exist`);

  const server = flags.server ?? cluster?.server;
  if (!server) {
    const where = kc.files.length ? kc.files.join(', ') : 'the kubeconfig';
    throw new CommandError(
      contextName
        ? `context "${contextName}" names no cluster with a server in ${where}`
        : `no current context in ${where}: give --kubeconfig, set KUBECONFIG, or create ~/.kube/config`,
    );
  }
  if (!/^https?:\/\//.test(server)) throw new CommandError(`server ${JSON.stringify(server)} is not an http(s) URL`);
  // PEM is required of *-data only where TLS will use it
  const tls = server.startsWith('https:');

  const conn: Connection = {
    server: server.replace(/\/+$/, ''),
    insecure: flags.insecureSkipTlsVerify ?? cluster?.['insecure-skip-tls-verify'] === true,
    tlsServerName: cluster?.['tls-server-name'],
    namespace: flags.namespace ?? context?.namespace ?? 'default',
    timeoutMs: flags.requestTimeout !== undefined ? parseDuration(flags.requestTimeout, '--request-timeout') : defaultTimeoutMs,
    contextName: contextName ?? '',
  };
  conn.ca = flags.certificateAuthority
    ? readRef('certificate authority', flags.certificateAuthority, undefined)
    : readRef('certificate authority', cluster?.['certificate-authority'], cluster?.['certificate-authority-data'], 'certificate-authority-data', `cluster ${JSON.stringify(clusterName)} in ${kc.files.join(', ') || 'the kubeconfig'}`, tls);

  if (flags.token) {
    conn.token = flags.token;
  } else if (user.token) {
    conn.token = user.token;
  } else if (user.tokenFile) {
    conn.token = readRef('token file', user.tokenFile, undefined)!.toString('utf8').trim();
  }
  conn.cert = readRef('client certificate', user['client-certificate'], user['client-certificate-data'], 'client-certificate-data', `user ${JSON.stringify(userName)} in ${kc.files.join(', ') || 'the kubeconfig'}`, tls);
  conn.key = readRef('client key', user['client-key'], user['client-key-data'], 'client-key-data', `user ${JSON.stringify(userName)} in ${kc.files.join(', ') || 'the kubeconfig'}`, tls);
  if (user.username !== undefined && !conn.token) {
    conn.basicAuth = 'Basic ' + Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64');
  }
  if (!conn.token && (user.exec || user['auth-provider'])) {
    conn.dynamicAuth = dynamicAuthFor(kc, contextName, userName);
  }
  return conn;
}

/**
 * exec credential plugins and auth providers are where @kubernetes/client-node does the
 * job better than code of ours; it is loaded only for users that need it.
 */
function dynamicAuthFor(kc: Kubeconfig, contextName: string | undefined, userName: string | undefined) {
  return async (): Promise<Record<string, string>> => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const k = new KubeConfig();
    if (kc.files.length === 1) k.loadFromFile(kc.files[0]);
    else k.loadFromDefault();
    if (contextName) k.setCurrentContext(contextName);
    const opts: { headers?: Record<string, string> } = { headers: {} };
    await k.applyToHTTPSOptions(opts as never);
    if (!opts.headers?.Authorization && userName) throw new CommandError(`user "${userName}" yielded no credentials`);
    return opts.headers ?? {};
  };
}
