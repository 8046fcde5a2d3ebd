// Reading one resource of one workspace the way a client-go reflector does, but
// streaming: LIST in pages (limit/continue), then WATCH from the list's resourceVersion;
// a watch that ends or drops is resumed from the last resourceVersion seen (bookmarks
// included), and a 410 Gone (history compacted, continue expired) leads to a fresh list
// that is diffed against what was already reported, so no event is reported twice.
// Only name -> resourceVersion is remembered per object, never the objects themselves.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../kcp/client.ts';
import { ApiError, isApiError } from '../cli/errors.ts';
import { apiVersionOf, type KubeList, type KubeObject, type ResourceType } from '../kcp/resources.ts';

export const PAGE_SIZE = 500; // client-go's reflector default

export type Action = 'add' | 'update' | 'delete';

export interface Page {
  items: KubeObject[];
  resourceVersion: string;
}

/** `namespace/name`, the identity of an object within one workspace. */
export const objectKey = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

const isGone = (err: unknown) => isApiError(err) && err.status === 410;

/** Items of a list carry no apiVersion/kind on a real apiserver; fill them in as client-go does. */
function typed(list: KubeList, type: ResourceType): KubeObject[] {
  const items = list.items ?? [];
  const apiVersion = list.apiVersion || apiVersionOf(type);
  const kind = list.kind?.endsWith('List') ? list.kind.slice(0, -4) : type.kind;
  for (const o of items) {
    o.apiVersion ??= apiVersion;
    o.kind ??= kind;
  }
  return items;
}

/** The pages of one list, as they arrive; every page has the first page's resourceVersion. */
export async function* listPages(client: ApiClient, type: ResourceType, pageSize = PAGE_SIZE, signal?: AbortSignal): AsyncGenerator<Page> {
  let cont: string | undefined;
  do {
    if (signal?.aborted) return;
    const list = await client.request<KubeList>({ method: 'GET', path: ApiClient.path(type), query: { limit: pageSize, continue: cont } });
    yield { items: typed(list, type), resourceVersion: list.metadata?.resourceVersion ?? '' };
    cont = list.metadata?.continue || undefined;
  } while (cont);
}

/**
 * The objects of one list, page by page; when the continue token expires midway the list
 * starts over and objects already yielded are left out.
 */
export async function* listOnce(client: ApiClient, type: ResourceType, pageSize = PAGE_SIZE): AsyncGenerator<KubeObject[]> {
  const yielded = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    try {
      for await (const page of listPages(client, type, pageSize)) {
        const fresh = page.items.filter((o) => {
          const k = objectKey(o);
          if (yielded.has(k)) return false;
          yielded.add(k);
          return true;
        });
        if (fresh.length) yield fresh;
      }
      return;
    } catch (err) {
      if (!isGone(err) || attempt >= 3) throw err;
    }
  }
}

export interface ListWatchHandlers {
  /** awaited: a slow reader slows the watch down instead of piling events up */
  event(action: Action, obj: KubeObject): Promise<void> | void;
  /** a transient problem, already being retried */
  problem?(message: string): void;
}

/** At most `n` holders at a time, served in order. */
export class Limiter {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

export interface ListWatchOptions {
  pageSize?: number;
  /** shared by many ListWatches so that only a few lists (pages in memory) run at once */
  listSlots?: Limiter;
  /** first and longest pause between retries, ms */
  backoff?: { initialMs: number; maxMs: number };
}

/** An object of which only the identity is known (reported as deleted after a relist). */
function tombstone(type: ResourceType, key: string, resourceVersion: string | undefined, cluster?: string): KubeObject {
  const slash = key.indexOf('/');
  const namespace = key.slice(0, slash);
  const metadata: KubeObject['metadata'] = { name: key.slice(slash + 1) };
  if (namespace) metadata.namespace = namespace;
  if (cluster) metadata.annotations = { 'kcp.io/cluster': cluster };
  if (resourceVersion) metadata.resourceVersion = resourceVersion;
  return { apiVersion: apiVersionOf(type), kind: type.kind, metadata };
}

export class ListWatch {
  private readonly known = new Map<string, string>();
  private rv: string | undefined;
  private readonly abort = new AbortController();
  /** its own connection pool: many watches must not queue behind each other's sockets */
  private readonly watchClient: ApiClient;
  private synced!: () => void;
  /** resolves once the first list has been reported */
  readonly hasSynced = new Promise<void>((resolve) => (this.synced = resolve));

  constructor(
    private readonly client: ApiClient,
    private readonly type: ResourceType,
    private readonly handlers: ListWatchHandlers,
    private readonly opts: ListWatchOptions = {},
    /** logical cluster, for tombstones */
    private readonly cluster?: string,
  ) {
    this.watchClient = new ApiClient(client.conn, client.retryPolicy);
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Stops; the objects reported and not deleted are returned as tombstones. */
  stop(): KubeObject[] {
    this.abort.abort();
    this.watchClient.close();
    const left = [...this.known.keys()].map((k) => tombstone(this.type, k, this.known.get(k), this.cluster));
    this.known.clear();
    return left;
  }

  /** Lists, then watches until stopped. */
  async run(): Promise<void> {
    const { initialMs, maxMs } = this.opts.backoff ?? { initialMs: 200, maxMs: 5_000 };
    let delay = initialMs;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
          this.synced();
        }
        const { expired, events } = await this.watchOnce();
        if (expired) needList = true;
        else if (events === 0) {
          // ended without a single event (a server shutting down, a proxy cutting idle
          // streams): pause as after an error rather than spin
          if (!(await this.pause(delay))) return;
          delay = Math.min(delay * 2, maxMs);
        } else delay = initialMs;
      } catch (err) {
        if (this.stopped) return;
        if (isGone(err)) needList = true;
        else {
          if (isApiError(err, 'NotFound') || isApiError(err, 'Forbidden')) needList = true;
          this.handlers.problem?.(`${(err as Error).message}; retrying`);
          if (!(await this.pause(delay))) return;
          delay = Math.min(delay * 2, maxMs);
        }
      }
    }
  }

  /** A jittered pause; false when stopped meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms * (0.5 + Math.random() / 2), undefined, { signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  private async relist(): Promise<void> {
    const release = await this.opts.listSlots?.acquire();
    try {
      await this.relistNow();
    } finally {
      release?.();
    }
  }

  private async relistNow(): Promise<void> {
    const seen = new Set<string>();
    let listRV: string | undefined;
    for await (const page of listPages(this.client, this.type, this.opts.pageSize, this.abort.signal)) {
      listRV ??= page.resourceVersion;
      for (const o of page.items) {
        if (this.stopped) return;
        const k = objectKey(o);
        seen.add(k);
        const prev = this.known.get(k);
        const rv = o.metadata.resourceVersion ?? '';
        if (prev === rv) continue; // already reported as it is
        this.known.set(k, rv);
        await this.handlers.event(prev === undefined ? 'add' : 'update', o);
      }
    }
    for (const [k, rv] of this.known) {
      if (seen.has(k)) continue;
      this.known.delete(k);
      await this.handlers.event('delete', tombstone(this.type, k, rv, this.cluster));
    }
    this.rv = listRV;
  }

  /** One watch from the last resourceVersion: how many events came, whether the server said it is too old. */
  private async watchOnce(): Promise<{ expired: boolean; events: number }> {
    let count = 0;
    const events = this.watchClient.watch(this.type, { resourceVersion: this.rv, signal: this.abort.signal });
    for await (const ev of events) {
      count++;
      const o = ev.object;
      if (ev.type === 'ERROR') {
        const status = o as unknown as { code?: number; message?: string };
        if (status.code === 410) return { expired: true, events: count };
        throw new ApiError('ServerError', status.message ?? 'watch error', status.code ?? 0);
      }
      const rv = o.metadata?.resourceVersion;
      if (ev.type !== 'BOOKMARK') {
        const k = objectKey(o);
        const prev = this.known.get(k);
        if (ev.type === 'DELETED') {
          if (prev !== undefined) {
            this.known.delete(k);
            await this.handlers.event('delete', o);
          }
        } else if (prev !== rv) {
          this.known.set(k, rv ?? '');
          await this.handlers.event(prev === undefined ? 'add' : 'update', o);
        }
      }
      if (rv) this.rv = rv;
      if (this.stopped) break;
    }
    return { expired: false, events: count };
  }
}
