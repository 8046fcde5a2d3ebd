// Section 1: the kubeconfig and the server it names. One raw TLS handshake decides
// "reachable" and "TLS verified" apart, so a CA problem is named as such instead of
// surfacing as a failed request.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { KubeFlags } from '../../cli/args.ts';
import { isApiError } from '../../cli/errors.ts';
import { ApiClient } from '../../kcp/client.ts';
import { resolveConnection, type Connection } from '../../kcp/connection.ts';
import { Kubeconfig } from '../../kcp/kubeconfig.ts';
import { APIEXPORTS, WORKSPACES, type Workspace } from '../../kcp/resources.ts';
import { COMPUTE_PATH } from '../init.ts';
import { fail, type Check, type Runner } from './runner.ts';

export interface Target {
  kc: Kubeconfig;
  conn: Connection;
  clusterName?: string;
  userName?: string;
}

export interface Probe {
  authorized: boolean;
  /** why verification failed (OpenSSL code or hostname mismatch) */
  problem?: string;
  peerIssuer?: string;
  peerSubject?: string;
  peerNames?: string;
}

export interface ServerChecks {
  kubeconfig: Check<Target>;
  reachable: Check<Probe>;
  tls: Check<void>;
  credentials: Check<{ root: ApiClient; children: Workspace[] }>;
  version: Check<void>;
  compute: Check<void>;
}

const S = 1;
const dn = (s: string | undefined) => (s ?? '').split('\n').filter(Boolean).join(', ');

/** A TCP (and for https, TLS) connection to the server, verified by hand. */
export function probe(conn: Connection, timeoutMs = 5000): Promise<Probe> {
  const u = new URL(conn.server);
  const https = u.protocol === 'https:';
  const port = Number(u.port || (https ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const done = (err?: Error, p?: Probe) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(p!);
    };
    const socket: net.Socket = https
      ? tls.connect({ host, port, ca: conn.ca, cert: conn.cert, key: conn.key, servername: conn.tlsServerName ?? (net.isIP(host) ? undefined : host), rejectUnauthorized: false }, () => {
          const s = socket as tls.TLSSocket;
          const peer = s.getPeerCertificate();
          let problem = s.authorized ? undefined : String(s.authorizationError);
          if (!problem) {
            const bad = tls.checkServerIdentity(conn.tlsServerName ?? host, peer);
            if (bad) problem = bad.message;
          }
          const names = (o: object | undefined) => (o ? Object.entries(o).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', ') : undefined);
          done(undefined, { authorized: !problem, problem, peerIssuer: names(peer.issuer), peerSubject: names(peer.subject), peerNames: peer.subjectaltname });
        })
      : net.connect({ host, port }, () => done(undefined, { authorized: true }));
    socket.setTimeout(timeoutMs, () => done(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.on('error', (err) => done(err));
  });
}

function caSubject(ca: Buffer | undefined): string | undefined {
  if (!ca) return undefined;
  try {
    return dn(new X509Certificate(ca).subject);
  } catch {
    return 'an unreadable certificate';
  }
}

export function serverChecks(runner: Runner, kube: KubeFlags): ServerChecks {
  const kubeconfig = runner.add<Target>({
    name: 'kubeconfig',
    order: [S, 0],
    run: async () => {
      let kc: Kubeconfig;
      try {
        kc = await Kubeconfig.load(kube);
      } catch (err) {
        return fail((err as Error).message, 'export KUBECONFIG=<kcp root directory>/.kcp/admin.kubeconfig');
      }
      const where = kc.files.join(', ') || 'in-cluster config';
      if (kc.files.length && !kc.files.some((f) => existsSync(f))) return fail(`no kubeconfig: ${where} does not exist`, 'export KUBECONFIG=<kcp root directory>/.kcp/admin.kubeconfig');
      const view = kc.view();
      const ctxName = kube.context ?? view.currentContext;
      if (!ctxName) fail(`no current context in ${where}`, `kubectl config use-context root`);
      const ctx = view.contexts[ctxName!];
      if (!ctx && !kube.server) fail(`context "${ctxName}" does not exist in ${where}`, 'kubectl config use-context root');
      let conn: Connection;
      try {
        conn = resolveConnection(kc, kube, 10_000);
      } catch (err) {
        return fail((err as Error).message, `kubectl config view --minify   # then repair context "${ctxName}"`);
      }
      if (!conn.token && !conn.cert && !conn.basicAuth && !conn.dynamicAuth) fail(`context "${ctxName}" in ${where} has no credentials`, 'use the kcp admin.kubeconfig (user kcp-admin)');
      return { detail: `context "${ctxName}" in ${where}, server ${conn.server}`, value: { kc, conn, clusterName: kube.cluster ?? ctx?.cluster, userName: kube.user ?? ctx?.user } };
    },
  });

  const reachable = runner.add<Probe>({
    name: 'server reachable',
    order: [S, 1],
    needs: [kubeconfig],
    run: async () => {
      const { conn } = (await kubeconfig.value)!;
      try {
        const p = await probe(conn, Math.min(conn.timeoutMs || 5000, 5000));
        return { detail: `${new URL(conn.server).host} accepts connections`, value: p };
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        return fail(`cannot connect to ${new URL(conn.server).host}: ${e.code ?? e.message}`, 'start kcp (kcp start, or kubestellar-sandbox start) or correct the server URL in the kubeconfig');
      }
    },
  });

  const tlsCheck = runner.add<void>({
    name: 'server TLS',
    order: [S, 2],
    needs: [reachable],
    run: async () => {
      const t = (await kubeconfig.value)!;
      const p = (await reachable.value)!;
      if (!t.conn.server.startsWith('https:')) return { detail: 'plain HTTP, no TLS' };
      if (t.conn.insecure) return { detail: 'not verified: the kubeconfig sets insecure-skip-tls-verify' };
      if (p.authorized) return { detail: `certificate of ${p.peerSubject ?? 'the server'} verified` };
      const cluster = t.clusterName ?? 'the current cluster';
      const fixCa = `kubectl config set-cluster ${t.clusterName ?? '<cluster>'} --embed-certs --certificate-authority=<kcp root directory>/.kcp/ca.crt`;
      if (/altnames|Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME/i.test(p.problem ?? '')) {
        return fail(`the server's certificate does not cover ${new URL(t.conn.server).hostname} (it names ${p.peerNames ?? 'nothing'}): ${p.problem}`, 'use a server name the certificate names, or rewrite the kubeconfig with switch-domain');
      }
      const mine = caSubject(t.conn.ca);
      const problem = p.problem ?? 'not verified';
      if (!mine) {
        return fail(`the server's certificate (issuer ${p.peerIssuer || 'unknown'}) is not trusted: cluster "${cluster}" has no certificate-authority and the system CAs do not include it (${problem})`, fixCa);
      }
      if (/expired|not yet valid/i.test(problem)) return fail(`the server's certificate is not valid now (${problem})`, 'renew the server certificate (kubestellar-ensure-kcp-server-creds) and restart kcp');
      const ca = new X509Certificate(t.conn.ca!);
      const same = p.peerIssuer && mine.replace(/\s+/g, '') === p.peerIssuer.replace(/\s+/g, '');
      const theirs = same ? `another CA of the same name (${mine}, SHA-256 ${ca.fingerprint256.slice(0, 23)}…)` : mine;
      return fail(`the server's certificate is issued by ${p.peerIssuer || 'an unknown CA'}, but the CA of cluster "${cluster}" in the kubeconfig is ${theirs}: ${problem}`, fixCa);
    },
  });

  const credentials = runner.add<{ root: ApiClient; children: Workspace[] }>({
    name: 'credentials',
    order: [S, 3],
    needs: [tlsCheck],
    run: async () => {
      const t = (await kubeconfig.value)!;
      const client = new ApiClient(t.conn, { attempts: 3, baseDelayMs: 50, maxDelayMs: 500 }, undefined, t.kc);
      const root = client.forWorkspace('root');
      try {
        const list = await root.list<Workspace>(WORKSPACES);
        return { detail: `user "${t.userName ?? '?'}" accepted; root has ${list.items.length} workspaces`, value: { root, children: list.items } };
      } catch (err) {
        if (isApiError(err, 'Unauthorized')) {
          return fail(`the server rejects the credentials of user "${t.userName ?? '?'}" (401)`, 'use the kubeconfig kcp wrote (.kcp/admin.kubeconfig) or a fresh token');
        }
        if (isApiError(err, 'Forbidden')) return fail(`user "${t.userName ?? '?'}" may not list workspaces in root: ${(err as Error).message}`, 'use an admin kubeconfig (.kcp/admin.kubeconfig, context root)');
        if (isApiError(err, 'NotFound')) return fail(`${t.conn.server} serves no workspaces in root: is it a kcp server?`, 'point KUBECONFIG at the kcp admin.kubeconfig');
        throw err;
      }
    },
  });

  const version = runner.add<void>({
    name: 'kcp version',
    order: [S, 4],
    needs: [tlsCheck],
    run: async () => {
      // /version needs no credentials, so this check does not wait for them
      const root = new ApiClient((await kubeconfig.value)!.conn, { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 });
      try {
        const v = await root.request<{ gitVersion?: string }>({ method: 'GET', path: '/version' });
        const gv = v?.gitVersion ?? '';
        const m = /\+kcp-(v[\w.-]+)/.exec(gv);
        if (!m) return fail(`${gv || 'the server'} is not kcp; KubeStellar 0.14 runs on kcp v0.11`, 'point KUBECONFIG at kcp (v0.11) admin.kubeconfig');
        if (!m[1].startsWith('v0.11')) return fail(`kcp ${m[1]}; KubeStellar 0.14 needs kcp v0.11`, 'run kcp v0.11.0');
        return { detail: `kcp ${m[1]} (${gv})` };
      } finally {
        root.close();
      }
    },
  });

  const compute = runner.add<void>({
    name: COMPUTE_PATH,
    order: [S, 5],
    needs: [credentials],
    run: async () => {
      const { root, children } = (await credentials.value)!;
      const name = COMPUTE_PATH.slice(COMPUTE_PATH.lastIndexOf(':') + 1);
      const ws = children.find((w) => w.metadata.name === name);
      if (!ws) return fail(`workspace ${COMPUTE_PATH} does not exist`, 'start kcp with its TMC APIs (kcp start) — it creates root:compute');
      if (ws.status?.phase !== 'Ready') return fail(`workspace ${COMPUTE_PATH} is ${ws.status?.phase ?? 'not ready'}`, 'wait for kcp to finish starting: kubectl get workspaces');
      if (!(await root.forWorkspace(COMPUTE_PATH).find(APIEXPORTS, 'kubernetes'))) return fail(`${COMPUTE_PATH} has no APIExport "kubernetes"`, 'start kcp with its TMC APIs (kcp start)');
      return { detail: 'Ready, exports "kubernetes"' };
    },
  });

  return { kubeconfig, reachable, tls: tlsCheck, credentials, version, compute };
}
