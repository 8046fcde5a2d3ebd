// How kubestellar-list-syncing-objects prints one object, as the Go original does with
// encoding/json and sigs.k8s.io/yaml: map keys sorted at every level (so a leading
// `Action` sorts first), JSON as one compact line, YAML as a `---` document followed by a
// blank line. The YAML emitter is ours because a general YAML library renders an order
// of magnitude fewer objects per second; it only ever sees JSON data, so it needs just
// block maps and sequences and two scalar styles: plain where that is unambiguous,
// double-quoted (JSON escapes are valid YAML escapes) everywhere else.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** `v` with object keys in byte order at every level; objects already in order are reused. */
export function sortKeys(v: Json): Json {
  if (Array.isArray(v)) {
    let out: Json[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const s = sortKeys(v[i]);
      if (s !== v[i]) (out ??= v.slice())[i] = s;
    }
    return out ?? v;
  }
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  let ordered = true;
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) ordered = false;
  let changed = !ordered;
  const vals: Json[] = [];
  if (!ordered) keys.sort();
  for (const k of keys) {
    const s = sortKeys(v[k]);
    if (s !== v[k]) changed = true;
    vals.push(s);
  }
  if (!changed) return v;
  const out: { [k: string]: Json } = {};
  keys.forEach((k, i) => (out[k] = vals[i]));
  return out;
}

/** One compact JSON line (with its newline). */
export function jsonLine(obj: Json): string {
  return JSON.stringify(sortKeys(obj)) + '\n';
}

// YAML 1.1 words a Go YAML reader would not take as a string, and anything number-like.
const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*$/;

function scalar(s: string): string {
  return PLAIN.test(s) && !RESERVED.test(s) ? s : JSON.stringify(s);
}

function isEmptyCollection(v: Json): boolean {
  return v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
}

function inline(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return scalar(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? '[]' : '{}';
}

function emitMap(o: { [k: string]: Json }, indent: string, out: string[]): void {
  const keys = Object.keys(o).sort();
  for (const k of keys) {
    const v = o[k];
    const key = indent + scalar(k) + ':';
    if (v !== null && typeof v === 'object' && !isEmptyCollection(v)) {
      out.push(key + '\n');
      // sequences under a key are not indented, as Go's YAML writer does it
      if (Array.isArray(v)) emitSeq(v, indent, out);
      else emitMap(v, indent + '  ', out);
    } else out.push(`${key} ${inline(v)}\n`);
  }
}

function emitSeq(a: Json[], indent: string, out: string[]): void {
  for (const v of a) {
    if (v !== null && typeof v === 'object' && !isEmptyCollection(v)) {
      const nested: string[] = [];
      if (Array.isArray(v)) emitSeq(v, indent + '  ', nested);
      else emitMap(v, indent + '  ', nested);
      // the first line of the nested block goes after the dash
      nested[0] = `${indent}- ${nested[0].slice(indent.length + 2)}`;
      out.push(...nested);
    } else out.push(`${indent}- ${inline(v)}\n`);
  }
}

/** The YAML of a JSON value (a map at the top), without document markers. */
export function toYaml(obj: Json): string {
  if (obj === null || typeof obj !== 'object' || isEmptyCollection(obj)) return inline(obj) + '\n';
  const out: string[] = [];
  if (Array.isArray(obj)) emitSeq(obj, '', out);
  else emitMap(obj, '', out);
  return out.join('');
}

/** One YAML document as the original prints it: `---`, the object, a blank line. */
export function yamlDocument(obj: Json): string {
  return `---\n${toYaml(obj)}\n`;
}

export type ObjectFormat = 'json' | 'yaml';

export function formatObject(format: ObjectFormat, obj: Json): string {
  return format === 'json' ? jsonLine(obj) : yamlDocument(obj);
}
