import { describe, it, expect } from 'vitest';
import { parseLabelSelector, parseFieldSelector } from '../../sandbox/selectors.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from '../../sandbox/patch.ts';
import { decodeKubernetesProtobuf } from '../../sandbox/protobuf.ts';
import { humanAge } from '../../sandbox/util.ts';

describe('label selectors', () => {
  const l = { app: 'web', tier: 'front' };
  const cases: [string, boolean][] = [
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app in (web,db)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['missing!=x', true],
    ['app=web,tier in (back)', false],
    ['', true],
  ];
  for (const [sel, want] of cases) it(JSON.stringify(sel), () => expect(parseLabelSelector(sel)(l)).toBe(want));
  it('rejects garbage', () => expect(() => parseLabelSelector('a b c')).toThrow());
  it('field selectors on metadata.name', () => {
    expect(parseFieldSelector('metadata.name=x')({ metadata: { name: 'x' } })).toBe(true);
    expect(parseFieldSelector('metadata.name!=x')({ metadata: { name: 'x' } })).toBe(false);
    expect(() => parseFieldSelector('spec.foo=1')).toThrow(/not supported/);
  });
});

describe('patches', () => {
  it('merge patch deletes with null and replaces lists', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null }, l: [3] })).toEqual({ a: 1, b: { d: 3 }, l: [3] });
  });
  it('strategic merge patch merges containers by name and honours $patch: delete', () => {
    const dep = { spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } } };
    const out = strategicMergePatch(dep, {
      spec: { template: { spec: { containers: [{ name: 'b', image: 'z' }, { name: 'a', $patch: 'delete' }, { name: 'c', image: 'w' }] } } },
    }) as any;
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'b', image: 'z' },
      { name: 'c', image: 'w' },
    ]);
  });
  it('json patch add/remove/replace/move/copy/test', () => {
    const doc = { a: { b: 1 }, l: [1, 2] };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/l/-', value: 3 },
      { op: 'replace', path: '/a/b', value: 2 },
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'move', from: '/c/b', path: '/d' },
      { op: 'remove', path: '/l/0' },
      { op: 'test', path: '/d', value: 2 },
      { op: 'add', path: '/e~1f', value: true },
    ]);
    expect(out).toEqual({ a: { b: 2 }, l: [2, 3], c: {}, d: 2, 'e/f': true });
    expect(doc).toEqual({ a: { b: 1 }, l: [1, 2] });
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/a/b', value: 9 }])).toThrow(/test failed/);
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/nope' }])).toThrow();
  });
});

describe('protobuf bodies', () => {
  // hand-encoded: k8s\0 + Unknown{typeMeta{v1, ConfigMap}, raw: ConfigMap{metadata{name: "x"}, data{"k": "v"}}}
  const str = (n: number, s: Buffer | string) => {
    const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
    return Buffer.concat([Buffer.from([(n << 3) | 2, b.length]), b]);
  };
  it('decodes a ConfigMap', () => {
    const meta = str(1, 'x');
    const entry = Buffer.concat([str(1, 'k'), str(2, 'v')]);
    const cm = Buffer.concat([str(1, meta), str(2, entry)]);
    const env = Buffer.concat([str(1, Buffer.concat([str(1, 'v1'), str(2, 'ConfigMap')])), str(2, cm)]);
    expect(decodeKubernetesProtobuf(Buffer.concat([Buffer.from('k8s\0', 'latin1'), env]))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { k: 'v' },
    });
  });
});

describe('humanAge', () => {
  it('prints kubectl-style ages', () => {
    const now = Date.parse('2024-01-01T01:00:00Z');
    expect(humanAge('2024-01-01T00:59:55Z', now)).toBe('5s');
    expect(humanAge('2024-01-01T00:55:56Z', now)).toBe('4m4s');
    expect(humanAge('2024-01-01T00:00:00Z', now)).toBe('60m');
  });
});
