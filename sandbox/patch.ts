// The three PATCH flavours: JSON merge patch (RFC 7386), strategic merge patch (merge
// semantics, with lists of known Kubernetes shapes merged by key) and JSON patch (RFC 6902).
import { badRequest, StatusError, clone, type KObj } from './util.ts';

const isObj = (v: unknown): v is KObj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: KObj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Merge keys of the lists Kubernetes declares with patchStrategy merge. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  tolerations: 'key',
  conditions: 'type',
  finalizers: '',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

function smpList(key: string, target: unknown, patch: unknown[]): unknown[] {
  const directives = patch.filter((p) => isObj(p) && '$patch' in p) as KObj[];
  if (directives.some((d) => d.$patch === 'replace')) return clone(patch.filter((p) => !(isObj(p) && '$patch' in p)));
  const mk = MERGE_KEYS[key];
  if (mk === undefined || !Array.isArray(target)) return clone(patch.filter((p) => !(isObj(p) && p.$patch === 'delete')));
  const out: unknown[] = clone(target);
  if (mk === '') {
    // a merged list of primitives: union
    for (const p of patch) if (!out.some((x) => x === p)) out.push(p);
    return out;
  }
  for (const p of patch) {
    if (!isObj(p)) {
      out.push(p);
      continue;
    }
    // service ports are keyed by port, containers' by containerPort
    const k = mk === 'containerPort' && !('containerPort' in p) && 'port' in p ? 'port' : mk;
    const idx = out.findIndex((x) => isObj(x) && x[k] === p[k]);
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = strategicMergePatch(out[idx], p);
    else out.push(strategicMergePatch(undefined, p));
  }
  return out;
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: KObj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = out[field].filter((x: unknown) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = smpList(k, out[k], v);
    else if (isObj(v)) {
      const r = strategicMergePatch(out[k], v);
      if (r === undefined) delete out[k];
      else out[k] = r;
    } else out[k] = v;
  }
  return out;
}

function unescape(tok: string): string {
  return tok.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw badRequest(`invalid JSON pointer ${JSON.stringify(p)}`);
  return p.slice(1).split('/').map(unescape);
}

const unprocessable = (msg: string) => new StatusError(422, 'Invalid', msg);

function getAt(doc: unknown, path: string[]): unknown {
  let cur: unknown = doc;
  for (const tok of path) {
    if (Array.isArray(cur)) cur = cur[Number(tok)];
    else if (isObj(cur)) cur = cur[tok];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function parentOf(doc: unknown, path: string[], op: string): { parent: KObj | unknown[]; key: string } {
  const parent = getAt(doc, path.slice(0, -1));
  if (!isObj(parent) && !Array.isArray(parent)) {
    throw unprocessable(`the server rejected our request due to an error in our request: ${op} operation does not apply: doc is missing path: "/${path.join('/')}": missing value`);
  }
  return { parent, key: path[path.length - 1] };
}

export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('a JSON patch must be an array of operations');
  let root: unknown = clone(doc);
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw badRequest('invalid JSON patch operation');
    const path = parsePointer(raw.path);
    const add = (p: string[], value: unknown) => {
      if (p.length === 0) {
        root = clone(value);
        return;
      }
      const { parent, key } = parentOf(root, p, raw.op as string);
      if (Array.isArray(parent)) {
        const i = key === '-' ? parent.length : Number(key);
        if (!(i >= 0 && i <= parent.length)) throw unprocessable(`add operation index out of bounds: ${key}`);
        parent.splice(i, 0, clone(value));
      } else parent[key] = clone(value);
    };
    const remove = (p: string[]): unknown => {
      const { parent, key } = parentOf(root, p, raw.op as string);
      if (Array.isArray(parent)) {
        const i = Number(key);
        if (!(i >= 0 && i < parent.length)) throw unprocessable(`remove operation index out of bounds: ${key}`);
        return parent.splice(i, 1)[0];
      }
      if (!(key in parent)) {
        throw unprocessable(`the server rejected our request due to an error in our request: remove operation does not apply: doc is missing path: "${raw.path}": missing value`);
      }
      const v = parent[key];
      delete parent[key];
      return v;
    };
    switch (raw.op) {
      case 'add':
        add(path, raw.value);
        break;
      case 'remove':
        remove(path);
        break;
      case 'replace':
        if (path.length && getAt(root, path) === undefined) {
          throw unprocessable(`the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${raw.path}: missing value`);
        }
        if (path.length) remove(path);
        add(path, raw.value);
        break;
      case 'move': {
        const v = remove(parsePointer(String(raw.from)));
        add(path, v);
        break;
      }
      case 'copy':
        add(path, getAt(root, parsePointer(String(raw.from))));
        break;
      case 'test':
        if (JSON.stringify(getAt(root, path)) !== JSON.stringify(raw.value)) {
          throw unprocessable(`the server rejected our request due to an error in our request: testing value ${raw.path} failed: test failed`);
        }
        break;
      default:
        throw badRequest(`unknown JSON patch operation ${JSON.stringify(raw.op)}`);
    }
  }
  return root;
}
