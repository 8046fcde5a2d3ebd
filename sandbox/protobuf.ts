// Kubernetes' protobuf wire format for the built-in kinds kubectl's typed clients send
// (`kubectl create configmap|secret|namespace|serviceaccount|role|...`, `create token`):
// the `k8s\0` magic, a runtime.Unknown envelope, and the object decoded to JSON by a
// field table per kind. Responses are always JSON, which kubectl accepts.
import { badRequest, type KObj } from './util.ts';

type F =
  | { n: string; t: 'string' | 'bytes' | 'bool' | 'int' | 'time' }
  | { n: string; t: 'strings' }
  | { n: string; t: 'map' | 'mapBytes' }
  | { n: string; t: 'msg'; s: Schema; rep?: boolean };
type Schema = Record<number, F>;

const TIME: Schema = { 1: { n: 'seconds', t: 'int' }, 2: { n: 'nanos', t: 'int' } };
const OWNER_REF: Schema = {
  1: { n: 'kind', t: 'string' },
  3: { n: 'name', t: 'string' },
  4: { n: 'uid', t: 'string' },
  5: { n: 'apiVersion', t: 'string' },
  6: { n: 'controller', t: 'bool' },
  7: { n: 'blockOwnerDeletion', t: 'bool' },
};
const META: Schema = {
  1: { n: 'name', t: 'string' },
  2: { n: 'generateName', t: 'string' },
  3: { n: 'namespace', t: 'string' },
  5: { n: 'uid', t: 'string' },
  6: { n: 'resourceVersion', t: 'string' },
  7: { n: 'generation', t: 'int' },
  8: { n: 'creationTimestamp', t: 'time' },
  11: { n: 'labels', t: 'map' },
  12: { n: 'annotations', t: 'map' },
  13: { n: 'ownerReferences', t: 'msg', s: OWNER_REF, rep: true },
  14: { n: 'finalizers', t: 'strings' },
};
const OBJ_REF: Schema = {
  1: { n: 'kind', t: 'string' },
  2: { n: 'namespace', t: 'string' },
  3: { n: 'name', t: 'string' },
  4: { n: 'uid', t: 'string' },
  5: { n: 'apiVersion', t: 'string' },
  6: { n: 'resourceVersion', t: 'string' },
  7: { n: 'fieldPath', t: 'string' },
};
const RULE: Schema = {
  1: { n: 'verbs', t: 'strings' },
  2: { n: 'apiGroups', t: 'strings' },
  3: { n: 'resources', t: 'strings' },
  4: { n: 'resourceNames', t: 'strings' },
  5: { n: 'nonResourceURLs', t: 'strings' },
};
const LABEL_SELECTOR: Schema = {
  1: { n: 'matchLabels', t: 'map' },
  2: { n: 'matchExpressions', t: 'msg', rep: true, s: { 1: { n: 'key', t: 'string' }, 2: { n: 'operator', t: 'string' }, 3: { n: 'values', t: 'strings' } } },
};
const SUBJECT: Schema = { 1: { n: 'kind', t: 'string' }, 2: { n: 'apiGroup', t: 'string' }, 3: { n: 'name', t: 'string' }, 4: { n: 'namespace', t: 'string' } };
const ROLE_REF: Schema = { 1: { n: 'apiGroup', t: 'string' }, 2: { n: 'kind', t: 'string' }, 3: { n: 'name', t: 'string' } };
const meta: F = { n: 'metadata', t: 'msg', s: META };

const KINDS: Record<string, Schema> = {
  'v1/Namespace': { 1: meta, 2: { n: 'spec', t: 'msg', s: { 1: { n: 'finalizers', t: 'strings' } } }, 3: { n: 'status', t: 'msg', s: { 1: { n: 'phase', t: 'string' } } } },
  'v1/ConfigMap': { 1: meta, 2: { n: 'data', t: 'map' }, 3: { n: 'binaryData', t: 'mapBytes' }, 4: { n: 'immutable', t: 'bool' } },
  'v1/Secret': { 1: meta, 2: { n: 'data', t: 'mapBytes' }, 3: { n: 'type', t: 'string' }, 4: { n: 'stringData', t: 'map' }, 5: { n: 'immutable', t: 'bool' } },
  'v1/ServiceAccount': {
    1: meta,
    2: { n: 'secrets', t: 'msg', s: OBJ_REF, rep: true },
    3: { n: 'imagePullSecrets', t: 'msg', s: { 1: { n: 'name', t: 'string' } }, rep: true },
    4: { n: 'automountServiceAccountToken', t: 'bool' },
  },
  'rbac.authorization.k8s.io/v1/Role': { 1: meta, 2: { n: 'rules', t: 'msg', s: RULE, rep: true } },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    1: meta,
    2: { n: 'rules', t: 'msg', s: RULE, rep: true },
    3: { n: 'aggregationRule', t: 'msg', s: { 1: { n: 'clusterRoleSelectors', t: 'msg', s: LABEL_SELECTOR, rep: true } } },
  },
  'rbac.authorization.k8s.io/v1/RoleBinding': { 1: meta, 2: { n: 'subjects', t: 'msg', s: SUBJECT, rep: true }, 3: { n: 'roleRef', t: 'msg', s: ROLE_REF } },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { 1: meta, 2: { n: 'subjects', t: 'msg', s: SUBJECT, rep: true }, 3: { n: 'roleRef', t: 'msg', s: ROLE_REF } },
  'authentication.k8s.io/v1/TokenRequest': {
    1: meta,
    2: {
      n: 'spec',
      t: 'msg',
      s: { 1: { n: 'audiences', t: 'strings' }, 4: { n: 'expirationSeconds', t: 'int' }, 3: { n: 'boundObjectRef', t: 'msg', s: { 1: { n: 'kind', t: 'string' }, 2: { n: 'apiVersion', t: 'string' }, 3: { n: 'name', t: 'string' }, 4: { n: 'uid', t: 'string' } } } },
    },
  },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    1: meta,
    2: {
      n: 'spec',
      t: 'msg',
      s: {
        1: {
          n: 'resourceAttributes',
          t: 'msg',
          s: { 1: { n: 'namespace', t: 'string' }, 2: { n: 'verb', t: 'string' }, 3: { n: 'group', t: 'string' }, 4: { n: 'version', t: 'string' }, 5: { n: 'resource', t: 'string' }, 6: { n: 'subresource', t: 'string' }, 7: { n: 'name', t: 'string' } },
        },
        2: { n: 'nonResourceAttributes', t: 'msg', s: { 1: { n: 'path', t: 'string' }, 2: { n: 'verb', t: 'string' } } },
      },
    },
  },
  'v1/DeleteOptions': { 1: { n: 'gracePeriodSeconds', t: 'int' }, 4: { n: 'propagationPolicy', t: 'string' }, 5: { n: 'dryRun', t: 'strings' } },
};

interface Field {
  num: number;
  wire: number;
  value: bigint | Buffer;
}

function* fields(buf: Buffer): Generator<Field> {
  let i = 0;
  const varint = (): bigint => {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw badRequest('truncated protobuf');
      const b = buf[i++];
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const num = key >> 3;
    const wire = key & 7;
    if (wire === 0) yield { num, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      yield { num, wire, value: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 1) {
      yield { num, wire, value: buf.subarray(i, i + 8) };
      i += 8;
    } else if (wire === 5) {
      yield { num, wire, value: buf.subarray(i, i + 4) };
      i += 4;
    } else throw badRequest(`unsupported protobuf wire type ${wire}`);
  }
}

function decode(buf: Buffer, schema: Schema): KObj {
  const out: KObj = {};
  for (const f of fields(buf)) {
    const d = schema[f.num];
    if (!d) continue;
    const bytes = f.value as Buffer;
    switch (d.t) {
      case 'string':
        // gogo-protobuf writes empty strings; their JSON form omits them
        if (bytes.length) out[d.n] = bytes.toString('utf8');
        break;
      case 'bytes':
        out[d.n] = bytes.toString('base64');
        break;
      case 'bool':
        out[d.n] = f.value !== 0n;
        break;
      case 'int':
        out[d.n] = Number(BigInt.asIntN(64, f.value as bigint));
        break;
      case 'time': {
        const t = decode(bytes, TIME);
        out[d.n] = new Date((t.seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        break;
      }
      case 'strings':
        (out[d.n] ??= []).push(bytes.toString('utf8'));
        break;
      case 'map':
      case 'mapBytes': {
        let k = '';
        let v: string = '';
        for (const e of fields(bytes)) {
          if (e.num === 1) k = (e.value as Buffer).toString('utf8');
          if (e.num === 2) v = d.t === 'map' ? (e.value as Buffer).toString('utf8') : (e.value as Buffer).toString('base64');
        }
        (out[d.n] ??= {})[k] = v;
        break;
      }
      case 'msg': {
        const m = decode(bytes, d.s);
        if (d.rep) (out[d.n] ??= []).push(m);
        else out[d.n] = m;
        break;
      }
    }
  }
  return out;
}

/** Decodes a `k8s\0`-prefixed protobuf body of a kind listed above into its JSON form. */
export function decodeKubernetesProtobuf(body: Buffer): KObj {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw badRequest('protobuf body without the k8s magic prefix');
  const env = decode(body.subarray(4), { 1: { n: 'typeMeta', t: 'msg', s: { 1: { n: 'apiVersion', t: 'string' }, 2: { n: 'kind', t: 'string' } } }, 2: { n: 'raw', t: 'bytes' } });
  const apiVersion = env.typeMeta?.apiVersion ?? '';
  const kind = env.typeMeta?.kind ?? '';
  const schema = KINDS[`${apiVersion}/${kind}`] ?? (kind === 'DeleteOptions' ? KINDS['v1/DeleteOptions'] : undefined);
  if (!schema) {
    throw badRequest(`the sandbox cannot decode protobuf for ${apiVersion} ${kind}; send JSON`);
  }
  const obj = decode(Buffer.from(env.raw ?? '', 'base64'), schema);
  return { apiVersion, kind, ...obj };
}
