// The doctor's check runner: every check names the checks it needs, runs as soon as
// they have passed (independent checks run at the same time), and is reported as
// skipped, not failed, when one of them did not pass. Results come back sorted by a
// key each check carries, so the report reads in dependency order however the
// requests interleave.

export type Status = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: Status;
  /** what was found; for a failure, the cause */
  detail: string;
  /** for a failure: the command that fixes it */
  fix?: string;
}

/** Thrown by a check body: the check fails with this cause and fix. */
export class Failure extends Error {
  constructor(
    readonly detail: string,
    readonly fix?: string,
  ) {
    super(detail);
  }
}

export const fail = (detail: string, fix?: string): never => {
  throw new Failure(detail, fix);
};

export interface Passed<T> {
  detail: string;
  value?: T;
}

export interface Check<T = unknown> {
  readonly name: string;
  readonly result: Promise<CheckResult>;
  /** the body's value when it passed, else undefined */
  readonly value: Promise<T | undefined>;
}

export interface CheckSpec<T> {
  name: string;
  /** sort key: section, then subject, then step */
  order: readonly (string | number)[];
  needs?: readonly (Check<unknown> | undefined)[];
  run: () => Promise<Passed<T>>;
}

/** How an unexpected error (a failed request) reads as a cause. */
export type Explain = (err: unknown) => { detail: string; fix?: string };

const defaultExplain: Explain = (err) => ({ detail: err instanceof Error ? err.message : String(err) });

export class Runner {
  private readonly entries: { order: readonly (string | number)[]; seq: number; result: Promise<CheckResult> }[] = [];
  private readonly tasks: Promise<unknown>[] = [];

  constructor(private readonly explain: Explain = defaultExplain) {}

  add<T>(spec: CheckSpec<T>): Check<T> {
    let value: T | undefined;
    const result = (async (): Promise<CheckResult> => {
      const needs = spec.needs ?? [];
      const before = await Promise.all(needs.map((n) => n?.result));
      const blocked = before.find((r) => r && r.status !== 'pass');
      if (blocked) return { name: spec.name, status: 'skip', detail: `needs "${blocked.name}"` };
      try {
        const passed = await spec.run();
        value = passed.value;
        return { name: spec.name, status: 'pass', detail: passed.detail };
      } catch (err) {
        if (err instanceof Failure) return { name: spec.name, status: 'fail', detail: err.detail, ...(err.fix ? { fix: err.fix } : {}) };
        const { detail, fix } = this.explain(err);
        return { name: spec.name, status: 'fail', detail, ...(fix ? { fix } : {}) };
      }
    })();
    this.entries.push({ order: spec.order, seq: this.entries.length, result });
    return { name: spec.name, result, value: result.then(() => value) };
  }

  /** Work that adds more checks once it knows what to check (e.g. after listing workspaces). */
  spawn(work: Promise<unknown>): void {
    this.tasks.push(work.catch(() => undefined));
  }

  /** Every result, in report order, once all checks (including ones added meanwhile) are done. */
  async results(): Promise<CheckResult[]> {
    for (let seen = -1; seen !== this.entries.length + this.tasks.length; ) {
      seen = this.entries.length + this.tasks.length;
      await Promise.all([...this.tasks, ...this.entries.map((e) => e.result)]);
    }
    const sorted = [...this.entries].sort((a, b) => compareKeys(a.order, b.order) || a.seq - b.seq);
    return Promise.all(sorted.map((e) => e.result));
  }
}

function compareKeys(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined) return -1;
    if (b[i] === undefined) return 1;
    if (a[i] === b[i]) continue;
    if (typeof a[i] === 'number' && typeof b[i] === 'number') return (a[i] as number) - (b[i] as number);
    return String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return 0;
}
