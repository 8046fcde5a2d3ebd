// kubestellar-list-syncing-objects: one kind of object in every mailbox workspace.
// As in KubeStellar v0.14 (cmd/kubestellar-list-syncing-objects, pkg/mailboxwatch), the
// mailbox workspaces are the Workspaces of the "parent" (root) whose name splits into
// exactly two parts on `-mb-`; each is read through its logical cluster
// (`/clusters/<spec.cluster>`) with the "all" client. Objects are written as they
// arrive; memory stays at a few pages however many objects there are.
import { ApiClient } from '../kcp/client.ts';
import { ApiError, UsageError, isApiError } from '../cli/errors.ts';
import { WORKSPACES, type KubeObject, type ResourceType, type Workspace } from '../kcp/resources.ts';
import { Limiter, ListWatch, listOnce, listPages, PAGE_SIZE, type Action } from './list-watch.ts';
import { formatObject, type ObjectFormat } from './object-output.ts';
import { isMailboxName } from './mailbox.ts';

/** The logical cluster of a mailbox workspace ready to be read, or undefined for any other Workspace. */
export function mailboxCluster(ws: Workspace): string | undefined {
  if (!isMailboxName(ws.metadata.name)) return undefined;
  if (ws.status?.phase !== 'Ready') return undefined;
  return ws.spec?.cluster || undefined;
}

/** Where objects go: stdout by default; a write waits while the reader is behind. */
export interface ObjectSink {
  write(obj: KubeObject, action?: Action): Promise<void> | void;
}

export function streamSink(format: ObjectFormat, stream: NodeJS.WritableStream = process.stdout): ObjectSink {
  return {
    write(obj, action) {
      const data = action ? { Action: action, ...obj } : obj;
      if (stream.write(formatObject(format, data as never))) return;
      return new Promise<void>((resolve) => stream.once('drain', resolve));
    },
  };
}

export interface SyncingObjectsOptions {
  /** addresses the parent of the mailbox workspaces (root) */
  parent: ApiClient;
  /** reads any logical cluster (`/clusters/<name>`), e.g. the shard admin */
  all: ApiClient;
  type: ResourceType;
  sink: ObjectSink;
  pageSize?: number;
  /** a transient problem while watching (already being retried) */
  problem?: (message: string) => void;
}

const served = (type: ResourceType) => `${type.resource}${type.group ? `.${type.group}` : ''}/${type.version}`;

async function mailboxes(parent: ApiClient, pageSize: number): Promise<string[]> {
  const clusters: string[] = [];
  for await (const page of listPages(parent, WORKSPACES, pageSize)) {
    for (const ws of page.items as Workspace[]) {
      const c = mailboxCluster(ws);
      if (c) clusters.push(c);
    }
  }
  return clusters;
}

/**
 * Up to `depth` items of `source` fetched ahead of the consumer, so the next page is
 * on the wire while this one is being printed.
 */
async function* readAhead<T>(source: AsyncIterator<T>, depth: number): AsyncGenerator<T> {
  const pending: Promise<IteratorResult<T>>[] = [];
  let exhausted = false;
  // an async generator queues next() calls, so requesting several at once keeps order
  const fill = () => {
    while (!exhausted && pending.length < depth) {
      const p = source.next();
      pending.push(p);
      p.then((r) => (r.done ? (exhausted = true) : undefined), () => (exhausted = true));
    }
  };
  try {
    for (;;) {
      fill();
      const r = await pending.shift()!;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    exhausted = true;
    pending.forEach((p) => p.catch(() => undefined));
    await source.return?.(undefined);
  }
}

/** Lists the objects once, mailbox after mailbox, page after page. Returns how many. */
export async function listSyncingObjects(opts: SyncingObjectsOptions): Promise<number> {
  const pageSize = opts.pageSize ?? PAGE_SIZE;
  const clusters = await mailboxes(opts.parent, pageSize);
  let count = 0;
  let notServed = 0;
  let forbidden: ApiError | undefined;
  let refused = 0;
  async function* pages(): AsyncGenerator<KubeObject[]> {
    for (const cluster of clusters) {
      try {
        yield* listOnce(opts.all.forWorkspace(cluster), opts.type, pageSize);
      } catch (err) {
        // the resource not (yet) bound there, or the workspace just deleted: as the original, skip it
        if (isApiError(err, 'NotFound')) notServed++;
        else if (isApiError(err, 'Forbidden')) (forbidden = err), refused++;
        else throw err;
      }
    }
  }
  for await (const items of readAhead(pages(), 3)) {
    for (const o of items) {
      await opts.sink.write(o);
      count++;
    }
  }
  // one mailbox refused may just have been deleted; all of them refused is the credentials
  if (forbidden && refused === clusters.length) throw forbidden;
  if (clusters.length > 0 && notServed === clusters.length) {
    throw new ApiError('NotFound', `the server does not serve ${served(opts.type)} in any of the ${clusters.length} mailbox workspaces`, 404);
  }
  return count;
}

/**
 * Lists, then follows: every object as `add`, later changes as `add`/`update`/`delete`,
 * mailbox workspaces appearing (their objects added) and going (their objects deleted).
 * Runs until `signal` aborts.
 */
export async function watchSyncingObjects(opts: SyncingObjectsOptions & { signal?: AbortSignal; onSynced?: () => void }): Promise<void> {
  const feeds = new Map<string, ListWatch>();
  // a few mailboxes listed at a time: memory stays at a few pages with hundreds of mailboxes
  const listSlots = new Limiter(4);
  const emit = (action: Action, o: KubeObject) => opts.sink.write(o, action);
  const problem = opts.problem;
  const openFeed = (cluster: string) => {
    if (feeds.has(cluster)) return;
    const feed = new ListWatch(opts.all.forWorkspace(cluster), opts.type, { event: emit, problem }, { pageSize: opts.pageSize, listSlots }, cluster);
    feeds.set(cluster, feed);
    void feed.run();
  };
  const closeFeed = async (cluster: string) => {
    const feed = feeds.get(cluster);
    if (!feed) return;
    feeds.delete(cluster);
    for (const o of feed.stop()) await emit('delete', o);
  };
  const clusterOf = new Map<string, string>(); // workspace name -> logical cluster
  const parentFeed = new ListWatch(
    opts.parent,
    WORKSPACES,
    {
      problem,
      async event(action, obj) {
        const ws = obj as Workspace;
        const name = ws.metadata.name;
        const cluster = action === 'delete' ? undefined : mailboxCluster(ws);
        const had = clusterOf.get(name);
        if (had && had !== cluster) {
          clusterOf.delete(name);
          await closeFeed(had);
        }
        if (cluster && had !== cluster) {
          clusterOf.set(name, cluster);
          openFeed(cluster);
        }
      },
    },
    { pageSize: opts.pageSize },
  );
  // a wrong server or credentials fail now, with the one-line error; later trouble is retried
  await opts.parent.request({ method: 'GET', path: ApiClient.path(WORKSPACES), query: { limit: 1 } });
  const done = parentFeed.run();
  opts.signal?.addEventListener('abort', () => {
    parentFeed.stop();
    for (const f of feeds.values()) f.stop();
  });
  await parentFeed.hasSynced;
  await Promise.all([...feeds.values()].map((f) => f.hasSynced));
  opts.onSynced?.();
  await done;
}

/** The resource type named by --api-group/--api-version/--api-resource/--api-kind. */
export function resourceTypeFromFlags(f: { group?: string; version?: string; resource?: string; kind?: string }): ResourceType {
  const kind = f.kind ?? '';
  if (!kind) throw new UsageError('--api-kind is required (the kind of objects to list, e.g. ConfigMap)');
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) throw new UsageError(`--api-kind ${JSON.stringify(kind)} is not a kind name (letters and digits, e.g. ReplicaSet)`);
  const group = f.group ?? '';
  if (group && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(group)) {
    throw new UsageError(`--api-group ${JSON.stringify(group)} is not an API group name (e.g. apps; empty for the core group)`);
  }
  const version = f.version ?? 'v1';
  if (!/^[a-z0-9]+$/.test(version)) throw new UsageError(`--api-version ${JSON.stringify(version)} is not a version (just the version, e.g. v1; the group goes in --api-group)`);
  const resource = f.resource || `${kind.toLowerCase()}s`;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(resource)) throw new UsageError(`--api-resource ${JSON.stringify(resource)} is not a resource name (lowercase plural, e.g. replicasets)`);
  // namespaced: false addresses the resource across all namespaces
  return { group, version, resource, kind, namespaced: false };
}
