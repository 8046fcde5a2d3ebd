// Vitest side of the sandbox helper: a sandbox in a temp dir, and a fetch that trusts
// its CA and carries the admin token. (Bats tests use test/bats/lib/sandbox.bash.)
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.ts';

export interface TestSandbox extends Sandbox {
  dir: string;
  ca: string;
  /** JSON request against the sandbox (path includes /clusters/...) */
  call(method: string, path: string, body?: unknown, opts?: { token?: string; contentType?: string; accept?: string }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** reads a watch stream until `count` events or `ms` pass */
  watch(path: string, count: number, ms?: number): Promise<any[]>;
  cleanup(): Promise<void>;
}

export async function startTestSandbox(opts: SandboxOptions & { dir?: string } = {}): Promise<TestSandbox> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ks-sandbox-'));
  const sb = await startSandbox({ securePort: 0, rootDirectory: join(dir, '.kcp'), ...opts });
  const ca = readFileSync(join(sb.rootDirectory, 'ca.crt'), 'utf8');
  const raw = (method: string, path: string, body: unknown, o: { token?: string; contentType?: string; accept?: string }, onData?: (chunk: string, req: { destroy(): void }) => void) =>
    new Promise<{ status: number; body: any; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        `${sb.url}${path}`,
        {
          method,
          ca,
          headers: {
            Authorization: `Bearer ${o.token ?? sb.adminToken}`,
            Accept: o.accept ?? 'application/json',
            ...(body !== undefined ? { 'Content-Type': o.contentType ?? 'application/json' } : {}),
          },
          timeout: 10_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            onData?.(c, req);
          });
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* watch streams and plain text */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
          });
          res.on('error', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
        },
      );
      req.on('error', (err) => (onData ? resolve({ status: 0, body: '', headers: {} }) : reject(err)));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
      req.end();
    });
  return {
    ...sb,
    dir,
    ca,
    call: (method, path, body, o = {}) => raw(method, path, body, o),
    async watch(path, count, ms = 3000) {
      const events: any[] = [];
      let buf = '';
      await Promise.race([
        raw('GET', path, undefined, {}, (chunk, req) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            events.push(JSON.parse(buf.slice(0, i)));
            buf = buf.slice(i + 1);
          }
          if (events.length >= count) req.destroy();
        }),
        new Promise((r) => setTimeout(r, ms)),
      ]);
      return events;
    },
    async cleanup() {
      await sb.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
