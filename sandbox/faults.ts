// Fault injection (latency, 500/429 responses, connection resets) for reliability tests
// of clients, and the JSON-lines request log.
import { openSync, writeSync, closeSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FaultOptions {
  latencyMs?: number;
  errorRate?: number;
  resetRate?: number;
  /** status codes the error faults use, chosen at random (default 500 and 429) */
  errorCodes?: number[];
  /** seconds in the Retry-After header of 429 responses */
  retryAfterSeconds?: number;
}

export function validateRate(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error(`${name} must be a number from 0 to 1, not ${JSON.stringify(raw)}`);
  return n;
}

/** Applies faults; true when the request was answered (or dropped) by a fault. */
export async function injectFaults(f: FaultOptions, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (f.latencyMs && f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
  if (f.resetRate && Math.random() < f.resetRate) {
    // a TCP RST on the raw socket under TLS; a plain close where that is not possible
    type Sock = { resetAndDestroy?: () => void; destroy: () => void; _parent?: Sock };
    const tls = req.socket as unknown as Sock;
    try {
      const raw = tls._parent && typeof tls._parent.resetAndDestroy === 'function' ? tls._parent : undefined;
      if (raw) {
        raw.resetAndDestroy!();
        tls.destroy();
      } else tls.destroy();
    } catch {
      tls.destroy();
    }
    return true;
  }
  if (f.errorRate && Math.random() < f.errorRate) {
    const codes = f.errorCodes?.length ? f.errorCodes : [500, 429];
    const code = codes[Math.floor(Math.random() * codes.length)];
    const tooMany = code === 429;
    const body = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: tooMany ? 'Too many requests, please try again later.' : 'Internal error occurred: injected fault',
      reason: tooMany ? 'TooManyRequests' : 'InternalError',
      details: tooMany ? { retryAfterSeconds: f.retryAfterSeconds ?? 1 } : { causes: [{ message: 'injected fault' }] },
      code,
    };
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Sandbox-Fault': 'error' };
    if (tooMany) headers['Retry-After'] = String(f.retryAfterSeconds ?? 1);
    res.writeHead(code, headers);
    res.end(JSON.stringify(body));
    return true;
  }
  return false;
}

export class RequestLog {
  private fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }
  write(entry: { time: string; method: string; path: string; status: number; duration: number; user?: string; fault?: string }): void {
    try {
      writeSync(this.fd, JSON.stringify(entry) + '\n');
    } catch {
      /* a full disk must not take the server down */
    }
  }
  close(): void {
    closeSync(this.fd);
  }
}
