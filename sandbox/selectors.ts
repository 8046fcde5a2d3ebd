// Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors
// (metadata.name, metadata.namespace), parsed as the API server parses them.
import { badRequest, type KObj } from './util.ts';

type Req = { key: string; op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!='; values: string[] };
export type Selector = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

export function parseLabelSelector(raw: string | null | undefined): Selector {
  if (!raw || !raw.trim()) return () => true;
  const reqs: Req[] = [];
  for (const part of splitTop(raw)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      reqs.push({ key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter(Boolean) });
    } else if ((m = part.match(/^!\s*([^\s!=(),]+)$/))) {
      reqs.push({ key: m[1], op: '!exists', values: [] });
    } else if ((m = part.match(/^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/))) {
      reqs.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
    } else if ((m = part.match(/^([^\s!=(),]+)$/))) {
      reqs.push({ key: m[1], op: 'exists', values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return (labels) => {
    const l = labels ?? {};
    return reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      switch (r.op) {
        case 'exists':
          return has;
        case '!exists':
          return !has;
        case '=':
          return has && l[r.key] === r.values[0];
        case '!=':
          return !has || l[r.key] !== r.values[0];
        case 'in':
          return has && r.values.includes(l[r.key]);
        case 'notin':
          return !has || !r.values.includes(l[r.key]);
      }
    });
  };
}

export function parseFieldSelector(raw: string | null | undefined): (o: KObj) => boolean {
  if (!raw || !raw.trim()) return () => true;
  const tests: ((o: KObj) => boolean)[] = [];
  for (const part of splitTop(raw)) {
    const m = part.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${raw}'; can't understand '${part}'`);
    const [, field, op, value] = m;
    let get: (o: KObj) => unknown;
    if (field === 'metadata.name') get = (o) => o.metadata?.name;
    else if (field === 'metadata.namespace') get = (o) => o.metadata?.namespace ?? '';
    else if (field === 'type') get = (o) => o.type; // secrets
    else if (field === 'status.phase') get = (o) => o.status?.phase;
    else throw badRequest(`field label not supported: ${field}`);
    tests.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => tests.every((f) => f(o));
}
