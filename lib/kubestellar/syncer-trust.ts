// What the syncer's kubeconfig trusts. Never "insecure-skip-tls-verify": with the
// user's CA data, that CA; without it, the system roots when they verify the server
// (as v0.14's empty CA data meant), else the CA certificate the server presented.
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import type { Connection } from '../kcp/connection.ts';
import { CommandError } from '../cli/errors.ts';
import { toPem } from '../pki/der.ts';

export interface SyncerTrust {
  /** base64 PEM for certificate-authority-data; absent: system roots */
  caData?: string;
  /** one line saying which, when the user's kubeconfig gave no CA */
  note?: string;
}


interface Probe {
  verified: boolean;
  /** the top of the chain the server presented (its CA when it sends one, else its own certificate) */
  top?: DetailedPeerCertificate;
}

function probe(conn: Connection, timeoutMs: number): Promise<Probe> {
  const u = new URL(conn.server);
  const port = Number(u.port || 443);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const servername = conn.tlsServerName ?? (/^[\d.:]+$/.test(host) ? undefined : host);
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      let top = sock.getPeerCertificate(true);
      const seen = new Set<string>();
      while (top?.issuerCertificate && top.issuerCertificate !== top && !seen.has(top.fingerprint256)) {
        seen.add(top.fingerprint256);
        top = top.issuerCertificate;
      }
      const verified = sock.authorized;
      sock.end();
      resolve({ verified, top: top?.raw ? top : undefined });
    });
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no TLS handshake with ${u.host} within ${timeoutMs} ms`)));
    sock.on('error', reject);
  });
}

/** Decides what the syncer trusts for `conn`'s server. */
export async function syncerTrust(conn: Connection, timeoutMs = 10_000): Promise<SyncerTrust> {
  if (conn.ca) return { caData: conn.ca.toString('base64') };
  if (!conn.server.startsWith('https:')) return {};
  const p = await probe(conn, timeoutMs).catch((err: NodeJS.ErrnoException) => {
    // 7: server unreachable, the suite's code for it
    throw new CommandError(`cannot read the certificate of ${new URL(conn.server).host}: ${err.code ?? err.message}`, 7);
  });
  if (p.verified) return { note: 'your kubeconfig has no CA data for the server: the syncer will verify it against its system roots' };
  if (!p.top) return { note: 'your kubeconfig has no CA data and the server presented no certificate: the syncer will verify against its system roots' };
  const subject = p.top.subject?.CN ?? '';
  return {
    caData: Buffer.from(toPem('CERTIFICATE', p.top.raw)).toString('base64'),
    note: `your kubeconfig has no CA data for the server: the syncer will trust the certificate the server presented${subject ? ` (${JSON.stringify(subject)})` : ''}`,
  };
}
