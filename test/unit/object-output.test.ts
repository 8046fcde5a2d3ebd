// The original's output shapes: keys sorted at every level (Action first), compact JSON
// lines, and YAML documents that a YAML parser reads back as the same data.
import { describe, it, expect } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { jsonLine, sortKeys, toYaml, yamlDocument } from '../../lib/kubestellar/object-output.ts';

const tricky = {
  kind: 'ConfigMap',
  apiVersion: 'v1',
  Action: 'update',
  metadata: {
    name: 'x',
    resourceVersion: '42',
    labels: { 'app.kubernetes.io/name': 'demo', yes: 'no', on: 'true', empty: '' },
    annotations: { 'kcp.io/cluster': 'abc', note: 'a: b # c', multi: 'line1\nline2\n', lead: ' space', unicode: 'héllo ✓', tilde: '~' },
  },
  data: { n: '007', f: '1.5e3', nul: 'null', date: '2023-01-01', dash: '- x', star: '*x', amp: '&x', quote: '"q"', colon: 'a:b', hash: '#x' },
  spec: {
    replicas: 3,
    paused: false,
    nothing: null,
    ratio: 0.25,
    items: [{ b: 1, a: [1, [2, 3], { z: true }] }, 'plain', '', [], {}],
    empty: {},
    none: [],
  },
};

describe('object output', () => {
  it('sorts keys at every level, keeping already-sorted objects as they are', () => {
    const s = sortKeys(tricky as never) as any;
    expect(Object.keys(s)).toEqual(['Action', 'apiVersion', 'data', 'kind', 'metadata', 'spec']);
    expect(Object.keys(s.spec.items[0])).toEqual(['a', 'b']);
    const sorted = { a: 1, b: { c: 2 } };
    expect(sortKeys(sorted)).toBe(sorted);
  });

  it('writes one compact JSON line per object', () => {
    const line = jsonLine(tricky as never);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line.startsWith('{"Action":"update","apiVersion":"v1","data":')).toBe(true);
    expect(JSON.parse(line)).toEqual(tricky);
  });

  it('writes YAML a YAML parser reads back as the same data', () => {
    expect(parse(toYaml(tricky as never), { version: '1.1' })).toEqual(tricky);
    expect(parse(toYaml(tricky as never), { version: '1.2' })).toEqual(tricky);
  });

  it('frames each object as the original: ---, the YAML, a blank line; sequences not indented under keys', () => {
    const doc = yamlDocument({ kind: 'X', spec: { list: [{ a: 1, b: 2 }, 'z'] } });
    expect(doc).toBe('---\nkind: X\nspec:\n  list:\n  - a: 1\n    b: 2\n  - z\n\n');
    const docs = parseAllDocuments(doc + yamlDocument({ kind: 'Y' }));
    expect(docs.map((d) => d.toJS())).toEqual([{ kind: 'X', spec: { list: [{ a: 1, b: 2 }, 'z'] } }, { kind: 'Y' }]);
  });
});
