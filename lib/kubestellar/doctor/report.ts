// How the doctor prints: one line per check (mark, name, detail, and for a failure the
// fix), or with --json one JSON object per line; a count on stderr.
import type { CheckResult } from './runner.ts';

const MARK = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;

export function formatLine(r: CheckResult): string {
  const detail = r.detail.replace(/\s*\n\s*/g, ' ');
  return `${MARK[r.status]}  ${r.name}: ${detail}${r.status === 'fail' && r.fix ? ` -- fix: ${r.fix}` : ''}`;
}

export function formatJson(r: CheckResult): string {
  return JSON.stringify({ name: r.name, status: r.status, detail: r.detail, fix: r.fix ?? null });
}

export function summary(results: CheckResult[]): string {
  const n = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  return `${n('pass')} passed, ${n('fail')} failed, ${n('skip')} skipped`;
}
