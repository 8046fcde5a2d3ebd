// Server-side apply and field ownership as Kubernetes reports them in
// metadata.managedFields (FieldsV1): each write records which fields its manager set
// (operation Update), an apply records the applied configuration's fields (operation
// Apply), removes fields the manager applied before and no longer does, and is refused
// with 409 when it would change a field another manager owns (unless force=true).
import { StatusError, clone, type KObj } from './util.ts';

const isObj = (v: unknown): v is KObj => typeof v === 'object' && v !== null && !Array.isArray(v);
const SEP = '\u0000';
/** List fields merged by key (Kubernetes' associative lists), the rest are atomic or sets of scalars. */
const LIST_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
};
const SET_LISTS = new Set(['finalizers']);
const TRACKED_METADATA = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

type FieldSet = Set<string>;

function keyFor(field: string, item: unknown): string | undefined {
  const k = LIST_KEYS[field];
  if (!k || !isObj(item)) return undefined;
  const kk = k === 'containerPort' && !('containerPort' in item) && 'port' in item ? 'port' : k;
  return kk in item ? `k:${JSON.stringify({ [kk]: item[kk] })}` : undefined;
}

/** The field paths an object sets (what its manager would own). */
export function fieldsOf(o: KObj): FieldSet {
  const out: FieldSet = new Set();
  const walk = (v: unknown, path: string[]) => {
    if (isObj(v)) {
      const keys = Object.keys(v);
      if (!keys.length && path.length) out.add(path.join(SEP));
      for (const k of keys) walkField(k, v[k], path);
      return;
    }
    out.add(path.join(SEP));
  };
  const walkField = (k: string, v: unknown, path: string[]) => {
    const p = [...path, `f:${k}`];
    if (Array.isArray(v)) {
      if (SET_LISTS.has(k) && v.every((x) => !isObj(x))) {
        for (const x of v) out.add([...p, `v:${JSON.stringify(x)}`].join(SEP));
        if (!v.length) out.add(p.join(SEP));
        return;
      }
      if (v.length && v.every((x) => keyFor(k, x))) {
        for (const x of v) {
          const ip = [...p, keyFor(k, x)!];
          out.add([...ip, '.'].join(SEP));
          walk(x, ip);
        }
        return;
      }
      out.add(p.join(SEP));
      return;
    }
    walk(v, p);
  };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata') {
      for (const [mk, mv] of Object.entries((v ?? {}) as KObj)) if (TRACKED_METADATA.has(mk)) walkField(mk, mv, ['f:metadata']);
      continue;
    }
    walkField(k, v, []);
  }
  return out;
}

/** The value at a field path ('.' = the list item itself), undefined when absent. */
function valueAt(o: unknown, path: string): unknown {
  let cur: unknown = o;
  let field = '';
  for (const tok of path.split(SEP)) {
    if (tok === '.') return cur;
    if (tok.startsWith('f:')) {
      field = tok.slice(2);
      cur = isObj(cur) ? cur[field] : undefined;
    } else if (tok.startsWith('k:')) cur = Array.isArray(cur) ? cur.find((x) => keyFor(field, x) === tok) : undefined;
    else if (tok.startsWith('v:')) cur = Array.isArray(cur) && cur.some((x) => JSON.stringify(x) === tok.slice(2)) ? JSON.parse(tok.slice(2)) : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function removeAt(o: KObj, path: string): void {
  const toks = path.split(SEP).filter((t) => t !== '.');
  let cur: unknown = o;
  let field = '';
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i];
    const last = i === toks.length - 1;
    if (tok.startsWith('f:')) {
      field = tok.slice(2);
      if (!isObj(cur)) return;
      if (last) delete cur[field];
      else cur = cur[field];
    } else if (Array.isArray(cur)) {
      const idx = tok.startsWith('k:') ? cur.findIndex((x) => keyFor(field, x) === tok) : cur.findIndex((x) => JSON.stringify(x) === tok.slice(2));
      if (idx < 0) return;
      if (last) cur.splice(idx, 1);
      else cur = cur[idx];
    } else return;
  }
}

/** Merges an applied configuration into the live object: maps by key, associative lists by their key, the rest replaced. */
function merge(live: unknown, cfg: unknown, field = ''): unknown {
  if (isObj(cfg)) {
    const out: KObj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(cfg)) out[k] = merge(out[k], v, k);
    return out;
  }
  if (Array.isArray(cfg) && Array.isArray(live) && cfg.length && cfg.every((x) => keyFor(field, x))) {
    const out = [...live];
    for (const item of cfg) {
      const i = out.findIndex((x) => keyFor(field, x) === keyFor(field, item));
      if (i >= 0) out[i] = merge(out[i], item);
      else out.push(clone(item));
    }
    return out;
  }
  if (Array.isArray(cfg) && Array.isArray(live) && SET_LISTS.has(field)) return [...new Set([...live, ...cfg])];
  return clone(cfg);
}

// ---- managedFields <-> field sets ----

function toFieldsV1(set: FieldSet): KObj {
  const root: KObj = {};
  for (const p of set) {
    let cur = root;
    for (const tok of p.split(SEP)) cur = cur[tok] ??= {};
  }
  return root;
}

function fromFieldsV1(f: KObj | undefined, prefix: string[] = [], out: FieldSet = new Set()): FieldSet {
  for (const [k, v] of Object.entries(f ?? {})) {
    const p = [...prefix, k];
    if (k === '.' || !isObj(v) || !Object.keys(v).length) out.add(p.join(SEP));
    if (isObj(v)) fromFieldsV1(v, p, out);
  }
  return out;
}

interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fields: FieldSet;
}

const readEntries = (o: KObj | undefined): Entry[] =>
  ((o?.metadata?.managedFields ?? []) as KObj[]).map((m) => ({ manager: m.manager ?? '', operation: m.operation === 'Apply' ? 'Apply' : 'Update', apiVersion: m.apiVersion ?? '', time: m.time, fields: fromFieldsV1(m.fieldsV1) }));

function writeEntries(o: KObj, entries: Entry[]): void {
  const kept = entries.filter((e) => e.fields.size);
  if (!kept.length) {
    delete o.metadata.managedFields;
    return;
  }
  o.metadata.managedFields = kept.map((e) => ({ manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(e.fields) }));
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const dotted = (p: string) =>
  p
    .split(SEP)
    .filter((t) => t !== '.')
    .map((t) => (t.startsWith('f:') ? `.${t.slice(2)}` : `[${t.slice(2).replace(/^\{"?(.*?)"?:(.*)\}$/, '$1=$2')}]`))
    .join('');

/** Records an Update by `manager`: it owns every field it changed (or set, on create); others lose those. */
export function recordUpdate(next: KObj, old: KObj | undefined, manager: string, apiVersion: string): void {
  const entries = readEntries(old);
  const newFields = fieldsOf(next);
  const changed = new Set([...newFields].filter((p) => !old || JSON.stringify(valueAt(next, p)) !== JSON.stringify(valueAt(old, p))));
  const gone = old ? [...fieldsOf(old)].filter((p) => !newFields.has(p)) : [];
  for (const e of entries) for (const p of [...changed, ...gone]) e.fields.delete(p);
  if (changed.size) {
    let mine = entries.find((e) => e.manager === manager && e.operation === 'Update' && e.apiVersion === apiVersion);
    if (!mine) entries.push((mine = { manager, operation: 'Update', apiVersion, fields: new Set() }));
    for (const p of changed) mine.fields.add(p);
    mine.time = now();
  }
  writeEntries(next, entries);
}

/** Server-side apply of `cfg` by `manager` over `live` (undefined: the object is created). */
export function serverSideApply(live: KObj | undefined, cfg: KObj, manager: string, apiVersion: string, force: boolean, describe: { kind: string; group: string; name: string }): KObj {
  const entries = readEntries(live);
  const applied = fieldsOf(cfg);
  const base: KObj = live ? clone(live) : { metadata: {} };
  // conflicts: fields another manager owns whose value this apply changes
  const conflicts: { manager: Entry; path: string }[] = [];
  for (const e of entries) {
    if (e.manager === manager && e.operation === 'Apply') continue;
    for (const p of applied) {
      if (!e.fields.has(p) || p.endsWith(`${SEP}.`)) continue;
      if (JSON.stringify(valueAt(cfg, p)) !== JSON.stringify(valueAt(base, p))) conflicts.push({ manager: e, path: p });
    }
  }
  if (conflicts.length && !force) throw conflictError(conflicts, describe);
  for (const c of conflicts) c.manager.fields.delete(c.path);
  // fields this manager applied before and no longer applies, and nobody else owns, go
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const others = entries.filter((e) => e !== mine);
  let out = base;
  if (mine) {
    for (const p of mine.fields) {
      if (applied.has(p) || others.some((e) => e.fields.has(p))) continue;
      removeAt(out, p);
    }
  }
  out = merge(out, cfg) as KObj;
  const bare = (x: KObj) => JSON.stringify({ ...x, metadata: { ...x.metadata, managedFields: undefined } });
  const unchanged = mine && mine.fields.size === applied.size && [...applied].every((p) => mine.fields.has(p)) && bare(out) === bare(base);
  const entry: Entry = { manager, operation: 'Apply', apiVersion, time: unchanged ? mine.time : now(), fields: applied };
  writeEntries(out, mine ? entries.map((e) => (e === mine ? entry : e)) : [...entries, entry]);
  return out;
}

function conflictError(conflicts: { manager: Entry; path: string }[], d: { kind: string; group: string; name: string }): StatusError {
  const who = (e: Entry) => (e.operation === 'Apply' ? JSON.stringify(e.manager) : `${JSON.stringify(e.manager)} using ${e.apiVersion}`);
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(who(c.manager), [...(byManager.get(who(c.manager)) ?? []), dotted(c.path)]);
  const n = conflicts.length;
  let msg = `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: `;
  const parts = [...byManager].map(([m, paths]) => (paths.length === 1 ? `conflict with ${m}: ${paths[0]}` : `conflicts with ${m}:\n${paths.map((p) => `- ${p}`).join('\n')}`));
  msg += parts.join('\n');
  return new StatusError(409, 'Conflict', msg, {
    name: d.name,
    group: d.group,
    kind: d.kind,
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${who(c.manager)}`, field: dotted(c.path) })),
  });
}

/** The manager Kubernetes assumes without ?fieldManager: the user agent's program name. */
export function defaultManager(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').split('/')[0].trim();
  return ua ? ua.slice(0, 128) : 'unknown';
}

/** managedFields of a new object: its manager owns what the request set. */
export function recordCreate(o: KObj, requested: KObj, manager: string, apiVersion: string, operation: 'Apply' | 'Update'): void {
  writeEntries(o, [{ manager, operation, apiVersion, time: now(), fields: fieldsOf(requested) }]);
}
