// Paginated LIST as the Kubernetes apiserver does it over etcd: every page of one list
// shows the store as it was at the first page's resourceVersion, and the continue token
// is Kubernetes' own shape (base64 of {"v","rv","start"}). The first page sorts the
// matching objects once and keeps that sorted snapshot (references to immutable stored
// objects, so later writes do not show through); later pages are a binary search and a
// slice, so paging through N objects costs O(N log N) once, not O(N) per page.
// A snapshot lives for 5 minutes (etcd's default compaction interval) and at most
// MAX_SNAPSHOTS are kept; a continue token whose snapshot is gone gets 410 Expired,
// exactly where the apiserver would answer that after a compaction.
import { StatusError, badRequest, type KObj } from './util.ts';

const SNAPSHOT_TTL_MS = 5 * 60_000;
const MAX_SNAPSHOTS = 64;

export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

interface Snapshot {
  rv: number;
  keys: string[];
  items: KObj[];
  at: number;
}

export interface Page {
  items: KObj[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** The etcd-style key objects are ordered by: logical cluster, namespace, name. */
export function storageKey(o: KObj): string {
  return `${o.metadata.annotations?.['kcp.io/cluster'] ?? ''}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Objects with their keys, sorted by key (keys computed once, not per comparison). */
export function sortByKey(objs: KObj[]): { keys: string[]; items: KObj[] } {
  const pairs = objs.map((o) => [storageKey(o), o] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { keys: pairs.map((p) => p[0]), items: pairs.map((p) => p[1]) };
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  let c: KObj;
  try {
    c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (c?.v !== 'meta.k8s.io/v1') throw badRequest('continue key is not valid: server does not recognize this encoded key');
  if (!Number.isInteger(c.rv) || c.rv <= 0) throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof c.start !== 'string' || c.start === '') throw badRequest('continue key is not valid: encoded start key is empty');
  return { rv: c.rv, start: c.start };
}

/** First index whose key is > `after` (keys sorted ascending). */
function firstAfter(keys: string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ListPager {
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * One page of a list. `query` identifies the list (cluster, resource, namespace,
   * selectors); `currentRV` is the store's resourceVersion now; `matching` yields the
   * matching objects as they are now (called only when a new snapshot is needed).
   */
  page(query: string, currentRV: number, matching: () => KObj[], limit: number, continueToken: string | null): Page {
    this.expire();
    if (!continueToken) {
      const { keys, items } = sortByKey(matching());
      if (!(limit > 0) || items.length <= limit) return { items, resourceVersion: String(currentRV) };
      this.remember(query, { rv: currentRV, keys, items, at: this.now() });
      return this.slice({ rv: currentRV, keys, items, at: 0 }, 0, limit);
    }
    const { rv, start } = decodeContinue(continueToken);
    let snap = this.snapshots.get(`${query}@${rv}`);
    if (!snap && rv === currentRV) {
      // nothing was written since: the store now is the store at rv
      const sorted = sortByKey(matching());
      snap = { rv, ...sorted, at: this.now() };
      this.remember(query, snap);
    }
    if (!snap) throw new StatusError(410, 'Expired', CONTINUE_EXPIRED);
    return this.slice(snap, firstAfter(snap.keys, start), limit > 0 ? limit : snap.items.length);
  }

  private slice(snap: Snapshot, from: number, limit: number): Page {
    const items = snap.items.slice(from, from + limit);
    const rest = snap.items.length - from - items.length;
    const page: Page = { items, resourceVersion: String(snap.rv) };
    if (rest > 0) {
      page.continue = encodeContinue(snap.rv, snap.keys[from + items.length - 1]);
      page.remainingItemCount = rest;
    }
    return page;
  }

  private remember(query: string, snap: Snapshot): void {
    const key = `${query}@${snap.rv}`;
    this.snapshots.delete(key);
    this.snapshots.set(key, snap);
    while (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
  }

  private expire(): void {
    const cutoff = this.now() - SNAPSHOT_TTL_MS;
    for (const [k, s] of this.snapshots) if (s.at < cutoff) this.snapshots.delete(k);
  }

  /** Drops every snapshot: later continue tokens get 410 (tests, and a compaction). */
  compact(): void {
    this.snapshots.clear();
  }
}
