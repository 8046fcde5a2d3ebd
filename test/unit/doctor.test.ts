import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastErrorLine } from '../../lib/kubestellar/doctor/controllers.ts';
import { selects } from '../../lib/kubestellar/doctor/mailbox.ts';
import { formatJson, formatLine, summary } from '../../lib/kubestellar/doctor/report.ts';
import { Runner, fail } from '../../lib/kubestellar/doctor/runner.ts';
import { bindingProblem } from '../../lib/kubestellar/doctor/util.ts';

describe('Runner', () => {
  it('skips what needs a failed check, runs the rest, and reports in key order', async () => {
    const r = new Runner();
    const a = r.add({ name: 'a', order: [2], run: async () => fail('broken', 'repair a') });
    r.add({ name: 'b', order: [3], needs: [a], run: async () => ({ detail: 'never runs' }) });
    r.add({ name: 'c', order: [1], run: async () => ({ detail: 'fine' }) });
    expect(await r.results()).toEqual([
      { name: 'c', status: 'pass', detail: 'fine' },
      { name: 'a', status: 'fail', detail: 'broken', fix: 'repair a' },
      { name: 'b', status: 'skip', detail: 'needs "a"' },
    ]);
  });

  it('passes values to dependents and waits for checks added later', async () => {
    const r = new Runner();
    const a = r.add({ name: 'a', order: [1], run: async () => ({ detail: 'x', value: 41 }) });
    r.spawn(
      a.value.then((v) => r.add({ name: 'later', order: [2], needs: [a], run: async () => ({ detail: String(v! + 1) }) })),
    );
    expect((await r.results()).map((x) => `${x.name}=${x.detail}`)).toEqual(['a=x', 'later=42']);
  });

  it('turns an unexpected error into a failure with its message', async () => {
    const r = new Runner();
    r.add({ name: 'boom', order: [1], run: async () => { throw new Error('socket hang up'); } });
    expect(await r.results()).toEqual([{ name: 'boom', status: 'fail', detail: 'socket hang up' }]);
  });
});

describe('selects', () => {
  const labels = { id: 'florin', env: 'prod' };
  it('matches labels and expressions as Kubernetes does', () => {
    expect(selects({ matchLabels: { id: 'florin' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { id: 'guilder' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selects(undefined, labels)).toBe(false);
  });
});

describe('bindingProblem', () => {
  const ref = { reference: { export: { path: 'root:espw', name: 'edge.kubestellar.io' } } };
  const meta = { apiVersion: 'apis.kcp.io/v1alpha1', kind: 'APIBinding', metadata: { name: 'b' } };
  it('is undefined for a Bound binding to the right export', () => {
    expect(bindingProblem({ ...meta, spec: ref, status: { phase: 'Bound' } }, 'b', 'root:espw', 'edge.kubestellar.io')).toBeUndefined();
  });
  it("gives the phase and the failing conditions, and a wrong reference", () => {
    const b = {
      ...meta,
      spec: { reference: { export: { path: 'root:x', name: 'edge.kubestellar.io' } } },
      status: { phase: 'Binding', conditions: [{ type: 'APIExportValid', status: 'False', reason: 'APIExportNotFound', message: 'not found' }, { type: 'Ready', status: 'False' }] },
    };
    expect(bindingProblem(b, 'b', 'root:espw', 'edge.kubestellar.io')).toBe(
      'APIBinding b is Binding (APIExportValid False APIExportNotFound: not found); it imports root:x:edge.kubestellar.io, not root:espw:edge.kubestellar.io',
    );
    expect(bindingProblem(undefined, 'b', 'root:espw', 'edge.kubestellar.io')).toBe('no APIBinding b');
  });
});

describe('lastErrorLine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doctor-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("finds klog's last E line, or a line saying error", () => {
    const f = join(dir, 'log.txt');
    writeFileSync(f, 'I1122 a\nE1122 10:00:00 first\nI1122 b\nE1122 10:00:01 second\nI1122 c\n');
    expect(lastErrorLine(f)).toBe('E1122 10:00:01 second');
    writeFileSync(f, 'starting\nError: cannot load config\n');
    expect(lastErrorLine(f)).toBe('Error: cannot load config');
    writeFileSync(f, 'all quiet\n');
    expect(lastErrorLine(f)).toBeUndefined();
    expect(lastErrorLine(join(dir, 'absent'))).toBeUndefined();
  });
});

describe('report', () => {
  it('prints one line per check, the fix only for a failure, and JSON for scripts', () => {
    const failed = { name: 'ESPW root:espw', status: 'fail' as const, detail: 'missing', fix: 'kubestellar init' };
    expect(formatLine(failed)).toBe('FAIL  ESPW root:espw: missing -- fix: kubestellar init');
    expect(formatLine({ name: 'x', status: 'pass', detail: 'fine' })).toBe('ok    x: fine');
    expect(JSON.parse(formatJson({ name: 'x', status: 'skip', detail: 'needs "y"' }))).toEqual({ name: 'x', status: 'skip', detail: 'needs "y"', fix: null });
    expect(summary([failed, { name: 'x', status: 'pass', detail: '' }])).toBe('1 passed, 1 failed, 0 skipped');
  });
});
