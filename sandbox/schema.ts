// Object validation by schema, as the apiserver does it: built-in kinds are decoded into
// their Go types (a JSON type mismatch is a 400 "cannot be handled as"), objects of
// bound kinds are validated against their APIResourceSchema (422 "must be of type",
// "Required value", "Unsupported value") and pruned of unknown fields, and
// ?fieldValidation=Strict turns an unknown field into a 400 "strict decoding error".
import type { ResourceType } from './resources.ts';
import { StatusError, invalid, type KObj } from './util.ts';

const isObj = (v: unknown): v is KObj => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Whether `v` has the OpenAPI type `t`. */
function hasType(v: unknown, t: string): boolean {
  const j = jsonType(v);
  return j === t || (t === 'number' && j === 'integer');
}

const GO_TYPE: Record<string, string> = { string: 'string', integer: 'int64', number: 'float64', boolean: 'bool', array: '[]interface {}', object: 'map[string]interface {}' };
const GO_JSON: Record<string, string> = { string: 'string', integer: 'number', number: 'number', boolean: 'bool', array: 'array', object: 'object', null: 'null' };

interface Problems {
  type: { path: string; got: string; want: string }[];
  required: string[];
  enum: { path: string; value: unknown; allowed: unknown[] }[];
  unknown: string[];
}

/** Walks `v` against `s`, collecting problems; prunes unknown fields when `prune`. */
function walk(s: KObj | undefined, v: unknown, path: string, p: Problems, prune: boolean): void {
  if (!s || v === undefined || v === null) return;
  if (s.type && !hasType(v, s.type)) {
    p.type.push({ path, got: jsonType(v), want: s.type });
    return;
  }
  if (Array.isArray(s.enum) && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(v))) p.enum.push({ path, value: v, allowed: s.enum });
  if (isObj(v)) {
    const props: KObj | undefined = s.properties;
    for (const r of (s.required ?? []) as string[]) if (!(r in v)) p.required.push(path ? `${path}.${r}` : r);
    for (const k of Object.keys(v)) {
      const sub = props?.[k] ?? (isObj(s.additionalProperties) ? s.additionalProperties : undefined);
      const here = path ? `${path}.${k}` : k;
      if (sub) walk(sub, v[k], here, p, prune);
      else if (props && !s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties !== true) {
        p.unknown.push(here);
        if (prune) delete v[k];
      }
    }
  } else if (Array.isArray(v) && s.items) v.forEach((x, i) => walk(s.items, x, `${path}[${i}]`, p, prune));
}

const TOP = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Validates (and for bound kinds prunes) a written object in place. `fieldValidation`
 * is the request's parameter (Strict, Warn, Ignore); returns warnings for Warn.
 */
export function validateObject(type: ResourceType, o: KObj, fieldValidation: string | undefined): string[] {
  const schema = type.schema;
  if (!schema) return [];
  const p: Problems = { type: [], required: [], enum: [], unknown: [] };
  const body: KObj = {};
  for (const [k, v] of Object.entries(o)) if (!TOP.has(k)) body[k] = v;
  // unknown fields are dropped, as Go decoding (built-in kinds) and structural pruning (bound kinds) do
  walk({ ...schema, properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => !TOP.has(k))) }, body, '', p, true);
  for (const k of Object.keys(o)) if (!TOP.has(k) && !(k in body)) delete o[k];
  const kindName = type.kind;
  if (!type.boundFrom && p.type.length) {
    const t = p.type[0];
    throw new StatusError(
      400,
      'BadRequest',
      `${kindName} in version "${type.version}" cannot be handled as a ${kindName}: json: cannot unmarshal ${GO_JSON[t.got]} into Go struct field ${kindName}.${t.path} of type ${GO_TYPE[t.want] ?? t.want}`,
    );
  }
  const causes = [
    ...p.type.map((t) => ({ field: t.path, message: `Invalid value: "${t.got}": ${t.path} in body must be of type ${t.want}: "${t.got}"`, reason: 'FieldValueTypeInvalid' })),
    ...p.required.map((r) => ({ field: r, message: 'Required value', reason: 'FieldValueRequired' })),
    ...p.enum.map((e) => ({ field: e.path, message: `Unsupported value: ${JSON.stringify(e.value)}: supported values: ${e.allowed.map((a) => JSON.stringify(a)).join(', ')}`, reason: 'FieldValueNotSupported' })),
  ];
  if (causes.length) throw invalid(kindName, type.group, o.metadata?.name ?? '', causes);
  if (!p.unknown.length) return [];
  const mode = (fieldValidation ?? '').toLowerCase();
  if (mode === 'strict') {
    const list = p.unknown.map((u) => `unknown field "${u}"`);
    throw new StatusError(400, 'BadRequest', `strict decoding error: ${list.join(', ')}`);
  }
  return mode === 'warn' ? p.unknown.map((u) => `unknown field "${u}"`) : [];
}
