// The hosting cluster's ingress controller in SSL-passthrough mode (as ingress-nginx
// with --enable-ssl-passthrough, or OpenShift's router for passthrough Routes): reads
// the TLS ClientHello's server name, finds the Ingress or Route for that host, and
// pipes the untouched TLS stream to a ready pod behind the backend Service; other
// hosts get the default backend.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';

/** Where a host's TLS connections go, or undefined to refuse them. */
export type Backend = (serverName: string) => { host: string; port: number } | undefined;

const MAX_HELLO = 16 * 1024;

/**
 * The server_name of a TLS ClientHello, `null` when the hello is complete and has none
 * (or is not TLS), `undefined` when more bytes are needed.
 */
export function serverNameOf(buf: Buffer): string | null | undefined {
  if (buf.length < 5) return undefined;
  if (buf[0] !== 0x16) return null; // not a handshake record
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return undefined;
  let p = 5;
  if (buf[p] !== 0x01) return null; // not a ClientHello
  p += 4 + 2 + 32; // handshake header, client version, random
  const skip = (lenBytes: number) => {
    if (p + lenBytes > buf.length) return false;
    const n = lenBytes === 1 ? buf[p] : buf.readUInt16BE(p);
    p += lenBytes + n;
    return p <= buf.length;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return null; // session id, cipher suites, compression
  if (p + 2 > buf.length) return null;
  const end = p + 2 + buf.readUInt16BE(p);
  p += 2;
  while (p + 4 <= end && p + 4 <= buf.length) {
    const type = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    p += 4;
    if (type === 0 && p + 5 <= buf.length && buf[p + 2] === 0) {
      const nameLen = buf.readUInt16BE(p + 3);
      return buf.subarray(p + 5, p + 5 + nameLen).toString('ascii').toLowerCase();
    }
    p += len;
  }
  return null;
}

/**
 * `tls`: the certificate of the controller's own default backend, which answers hosts
 * without a passthrough Ingress or Route with 404 (as ingress-nginx does, with a
 * certificate clients of those hosts do not trust).
 */
export async function startPassthrough(bind: string, port: number, backend: Backend, tls: { key: string; cert: string }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const fallback = createHttpsServer(tls, (_req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('default backend - 404\n');
  });
  await new Promise<void>((res) => fallback.listen(0, '127.0.0.1', () => res()));
  const fallbackAddr = fallback.address();
  const fallbackPort = typeof fallbackAddr === 'object' && fallbackAddr ? fallbackAddr.port : 0;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const name = serverNameOf(buf);
      if (name === undefined && buf.length < MAX_HELLO) return;
      client.off('data', onData);
      const target = (name ? backend(name) : undefined) ?? { host: '127.0.0.1', port: fallbackPort };
      client.pause();
      const upstream = connect(target.port, target.host, () => {
        upstream.write(buf);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      sockets.add(upstream);
      upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, bind, () => (server.off('error', rej), res()));
  });
  const addr = server.address();
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        fallback.closeAllConnections();
        fallback.close();
        server.close(() => res());
      }),
  };
}
