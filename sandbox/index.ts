// startSandbox: the kcp-compatible sandbox server as a library (the CLI, tests and
// benches all use it). It keeps its CA, serving certificate, tokens and journal in the
// root directory, and writes admin.kubeconfig (kcp's shape) once it is serving.
import { createServer, type Server } from 'node:https';
import { generateKeyPair, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { writeFileAtomic } from '../lib/util/fsutil.ts';
import { createCA, issueCertificate, inspectCertificate, type KeyPair } from '../lib/pki/pki.ts';
import { Store } from './store.ts';
import { Core, GR } from './core.ts';
import { Controllers } from './controllers.ts';
import { createHandler } from './server.ts';
import { newAuthState, type AuthState } from './auth.ts';
import { RequestLog, type FaultOptions } from './faults.ts';
import { seedRoot } from './seed.ts';
import { clone, closeServer, type KObj } from './util.ts';

export interface SandboxOptions {
  /** default `.kcp` */
  rootDirectory?: string;
  /** default 6443; 0 picks a free port */
  securePort?: number;
  /** default 127.0.0.1 */
  bindAddress?: string;
  kubestellarControllers?: boolean;
  requestLog?: string;
  faults?: FaultOptions;
  /** interval of watch bookmarks, ms (default 5000) */
  bookmarkMs?: number;
  /** more DNS names for the serving certificate */
  dnsNames?: string[];
}

export interface Sandbox {
  /** https://HOST:PORT (the `base` cluster) */
  url: string;
  port: number;
  kubeconfigPath: string;
  rootDirectory: string;
  /** the shard-admin token (context system:admin) */
  shardAdminToken: string;
  adminToken: string;
  stop(): Promise<void>;
}

const genKey = () =>
  new Promise<string>((res, rej) =>
    generateKeyPair('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }, (err, _pub, key) =>
      err ? rej(err) : res(key),
    ),
  );

function readJson(path: string): KObj | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The CA and serving pair in `dir`; `extraDns`: more DNS SANs (the hosting mode's deployed core). */
export async function ensurePki(dir: string, bind: string, extraDns: string[] = []): Promise<{ ca: KeyPair; serving: KeyPair }> {
  const caCrt = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const srvCrt = join(dir, 'apiserver.crt');
  const srvKey = join(dir, 'apiserver.key');
  const ips = [...new Set(['127.0.0.1', ...(isIP(bind) && bind !== '0.0.0.0' && bind !== '::' ? [bind] : [])])];
  const dns = [...new Set(['localhost', ...(isIP(bind) ? [] : [bind]), ...extraDns])];
  let ca: KeyPair | undefined;
  if (existsSync(caCrt) && existsSync(caKey)) ca = { certPem: readFileSync(caCrt, 'utf8'), keyPem: readFileSync(caKey, 'utf8') };
  let serving: KeyPair | undefined;
  if (ca && existsSync(srvCrt) && existsSync(srvKey)) {
    serving = { certPem: readFileSync(srvCrt, 'utf8'), keyPem: readFileSync(srvKey, 'utf8') };
    const facts = inspectCertificate(serving.certPem);
    const sans = facts.subjectAltNames.join(',');
    if (facts.expired || !facts.signedBy(ca.certPem) || !ips.every((ip) => sans.includes(`IP Address:${ip}`)) || !dns.every((d) => sans.includes(`DNS:${d}`))) serving = undefined;
  }
  if (ca && serving) return { ca, serving };
  const [caKeyPem, srvKeyPem] = await Promise.all([ca ? Promise.resolve(ca.keyPem) : genKey(), genKey()]);
  if (!ca) {
    ca = createCA('kubestellar-sandbox-ca', { keyPem: caKeyPem });
    writeFileAtomic(caKey, ca.keyPem, { mode: 0o600, forceMode: true });
    writeFileAtomic(caCrt, ca.certPem);
  }
  serving = issueCertificate(ca, { commonName: 'kcp', usage: 'serverClient', dnsNames: dns, ipAddresses: ips, keyPem: srvKeyPem, days: 365 });
  writeFileAtomic(srvKey, serving.keyPem, { mode: 0o600, forceMode: true });
  writeFileAtomic(srvCrt, serving.certPem);
  return { ca, serving };
}

function kubeconfigText(base: string, caPem: string, auth: AuthState): string {
  const ca = Buffer.from(caPem).toString('base64');
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: ${base}
  name: base
- cluster:
    certificate-authority-data: ${ca}
    server: ${base}/clusters/root
  name: root
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
current-context: root
kind: Config
preferences: {}
users:
- name: kcp-admin
  user:
    token: ${auth.adminToken}
- name: shard-admin
  user:
    token: ${auth.shardAdminToken}
`;
}

/** After a restart on another port: point stored URLs at the new address. */
function fixUrls(core: Core): void {
  for (const c of core.store.clusterNames()) {
    for (const ws of core.store.list(c, GR.workspaces)) {
      const u: string | undefined = ws.spec?.URL;
      if (!u || u.startsWith(core.baseUrl + '/')) continue;
      const next = clone(ws);
      next.spec.URL = u.replace(/^https?:\/\/[^/]+/, core.baseUrl);
      core.putRaw(c, GR.workspaces, next);
    }
    const lc = core.store.get(c, GR.logicalclusters, undefined, 'cluster');
    if (lc?.status?.URL && !String(lc.status.URL).startsWith(core.baseUrl + '/')) {
      const next = clone(lc);
      next.status.URL = String(lc.status.URL).replace(/^https?:\/\/[^/]+/, core.baseUrl);
      core.putRaw(c, GR.logicalclusters, next);
    }
  }
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const dir = resolve(opts.rootDirectory ?? '.kcp');
  const bind = opts.bindAddress ?? '127.0.0.1';
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const authPath = join(dir, 'sandbox-auth.json');
  let auth = readJson(authPath) as AuthState | undefined;
  if (!auth?.shardAdminToken || !auth.signingKey) auth = newAuthState();
  // as kcp: kcp-admin gets a new token at every start, shard-admin's persists
  auth = { ...auth, adminToken: randomUUID() };
  writeFileAtomic(authPath, JSON.stringify(auth, null, 2) + '\n', { mode: 0o600, forceMode: true });
  const pkiPromise = ensurePki(dir, bind, opts.dnsNames);

  const store = new Store(dir);
  store.open();
  const core = new Core(store);
  core.reindex();

  const { ca, serving } = await pkiPromise;
  const requestLog = opts.requestLog ? new RequestLog(resolve(opts.requestLog)) : undefined;
  let hostPort = '';
  const handler = createHandler({ core, auth, hostPort: () => hostPort, faults: opts.faults ?? {}, requestLog, bookmarkMs: opts.bookmarkMs });
  const server: Server = createServer({ key: serving.keyPem, cert: serving.certPem, ca: ca.certPem }, (req, res) => void handler(req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.securePort ?? 6443, bind, () => {
      server.off('error', rej);
      res();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.securePort ?? 6443);
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : isIP(bind) === 6 ? `[${bind}]` : bind;
  hostPort = `${host}:${port}`;
  core.baseUrl = `https://${hostPort}`;

  seedRoot(core);
  fixUrls(core);
  const controllers = new Controllers(core, { caPem: ca.certPem, auth, mailbox: Boolean(opts.kubestellarControllers) });
  controllers.resync();

  const kubeconfigPath = join(dir, 'admin.kubeconfig');
  writeFileAtomic(kubeconfigPath, kubeconfigText(core.baseUrl, ca.certPem, auth), { mode: 0o600 });

  let stopped: Promise<void> | undefined;
  return {
    url: core.baseUrl,
    port,
    kubeconfigPath,
    rootDirectory: dir,
    shardAdminToken: auth.shardAdminToken,
    adminToken: auth.adminToken,
    stop() {
      stopped ??= (async () => {
        controllers.stop();
        handler.closeWatches();
        await closeServer(server);
        store.close();
        requestLog?.close();
      })();
      return stopped;
    },
  };
}

export type { FaultOptions } from './faults.ts';
