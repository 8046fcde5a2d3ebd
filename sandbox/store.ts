// The object store: every object of every logical cluster, a global resourceVersion,
// watch history, and an append-only journal in the root directory. Each write is in
// the journal (written synchronously) before it is acknowledged, so a restart, even
// after kill -9, keeps it; start-up replays the journal and compacts it.
import { openSync, writeSync, closeSync, fsyncSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/util/fsutil.ts';
import { clone, type KObj } from './util.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  cluster: string;
  gr: string;
  rv: number;
  obj: KObj;
}

export const objKey = (ns: string | undefined, name: string) => (ns ? `${ns}/${name}` : name);

type Bucket = Map<string, KObj>;

const HISTORY = 20_000;

export class Store {
  rv = 0;
  /** resourceVersions at or below this can no longer be watched from */
  private compactedRV = 0;
  private readonly clusters = new Map<string, Map<string, Bucket>>();
  private history: StoreEvent[] = [];
  private readonly listeners = new Set<(ev: StoreEvent) => void>();
  private fd: number | undefined;
  private readonly fsync: boolean;

  constructor(private readonly dir: string | undefined) {
    this.fsync = process.env.KUBESTELLAR_SANDBOX_FSYNC === '1';
  }

  get journalPath(): string | undefined {
    return this.dir ? join(this.dir, 'sandbox-journal.jsonl') : undefined;
  }

  /** Replays and compacts the journal, then opens it for appending. */
  open(): void {
    const path = this.journalPath;
    if (!path) return;
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        let e: KObj;
        try {
          e = JSON.parse(line);
        } catch {
          continue; // a line torn by a crash was never acknowledged
        }
        if (typeof e.rv === 'number' && e.rv > this.rv) this.rv = e.rv;
        if (e.t === 'p') this.bucket(e.c, e.g).set(objKey(e.o.metadata.namespace, e.o.metadata.name), e.o);
        else if (e.t === 'd') this.clusters.get(e.c)?.get(e.g)?.delete(e.k);
        else if (e.t === 'dc') this.clusters.delete(e.c);
      }
    }
    const lines: string[] = [];
    for (const [c, grs] of this.clusters) {
      for (const [g, b] of grs) for (const o of b.values()) lines.push(JSON.stringify({ t: 'p', rv: Number(o.metadata.resourceVersion), c, g, o }));
    }
    lines.push(JSON.stringify({ t: 'rv', rv: this.rv }));
    writeFileAtomic(path, lines.join('\n') + '\n');
    this.fd = openSync(path, 'a');
    this.compactedRV = this.rv;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(entry: KObj): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, JSON.stringify(entry) + '\n');
    if (this.fsync) fsyncSync(this.fd);
  }

  private bucket(cluster: string, gr: string): Bucket {
    let grs = this.clusters.get(cluster);
    if (!grs) this.clusters.set(cluster, (grs = new Map()));
    let b = grs.get(gr);
    if (!b) grs.set(gr, (b = new Map()));
    return b;
  }

  hasCluster(cluster: string): boolean {
    return this.clusters.has(cluster);
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  get(cluster: string, gr: string, ns: string | undefined, name: string): KObj | undefined {
    return this.clusters.get(cluster)?.get(gr)?.get(objKey(ns, name));
  }

  /** Objects of one type in one cluster (or every cluster for `*`), optionally one namespace. */
  list(cluster: string, gr: string, ns?: string): KObj[] {
    const out: KObj[] = [];
    const cs = cluster === '*' ? [...this.clusters.values()] : [this.clusters.get(cluster)].filter((x) => x !== undefined);
    for (const grs of cs) {
      const b = grs.get(gr);
      if (!b) continue;
      for (const o of b.values()) if (!ns || o.metadata.namespace === ns) out.push(o);
    }
    return out;
  }

  /** Every (gr, object) in a cluster. */
  *allIn(cluster: string): Generator<[string, KObj]> {
    const grs = this.clusters.get(cluster);
    if (!grs) return;
    for (const [g, b] of grs) for (const o of [...b.values()]) yield [g, o];
  }

  nextRV(): number {
    return ++this.rv;
  }

  /** Stores `obj` (its resourceVersion is set here) and tells watchers. */
  put(cluster: string, gr: string, obj: KObj, type: 'ADDED' | 'MODIFIED'): KObj {
    const rv = this.nextRV();
    obj.metadata.resourceVersion = String(rv);
    this.append({ t: 'p', rv, c: cluster, g: gr, o: obj });
    this.bucket(cluster, gr).set(objKey(obj.metadata.namespace, obj.metadata.name), obj);
    this.emit({ type, cluster, gr, rv, obj });
    return obj;
  }

  delete(cluster: string, gr: string, ns: string | undefined, name: string): KObj | undefined {
    const b = this.clusters.get(cluster)?.get(gr);
    const k = objKey(ns, name);
    const old = b?.get(k);
    if (!old || !b) return undefined;
    const rv = this.nextRV();
    this.append({ t: 'd', rv, c: cluster, g: gr, k });
    b.delete(k);
    const obj = clone(old);
    obj.metadata.resourceVersion = String(rv);
    this.emit({ type: 'DELETED', cluster, gr, rv, obj });
    return obj;
  }

  /** Removes a logical cluster and everything in it. */
  deleteCluster(cluster: string): void {
    const grs = this.clusters.get(cluster);
    if (!grs) return;
    for (const [g, b] of grs) for (const o of [...b.values()]) this.delete(cluster, g, o.metadata.namespace, o.metadata.name);
    this.append({ t: 'dc', rv: this.rv, c: cluster });
    this.clusters.delete(cluster);
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length > HISTORY) {
      const drop = this.history.length - HISTORY;
      this.compactedRV = this.history[drop - 1].rv;
      this.history = this.history.slice(drop);
    }
    for (const l of [...this.listeners]) {
      try {
        l(ev);
      } catch (err) {
        process.stderr.write(`kubestellar-sandbox: listener failed: ${(err as Error).message}\n`);
      }
    }
  }

  /** Events after `rv`, or undefined when that is older than the history kept. */
  since(rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRV) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
