import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable, launch, procStat, readRecord, stopController, verify, type PidRecord } from '../../lib/kubestellar/controllers.ts';
import { readdirSync } from 'node:fs';

let dir: string;
const others: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ks-ctl-'));
});
afterEach(async () => {
  // decoys lead their own group, so killing the group takes their children too
  for (const c of others.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // a test that failed half-way leaves its controllers: stop them
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.pid.json'))) await stopController(dir, f.replace(/\.pid\.json$/, ''), 500).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `cond` every 20 ms until it holds or `ms` pass; returns whether it held. */
async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Live processes whose process group is `pgid`. */
function groupOf(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      const st = procStat(pid);
      return !!st && st.pgid === pgid && st.state !== 'Z';
    });
}

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const alive = (pid: number) => {
  const st = procStat(pid);
  return !!st && st.state !== 'Z';
};

describe('pid files', () => {
  it('launches detached with appended logs, verifies and stops the process group', async () => {
    const exe = script('placement-translator', 'echo "started $*"; sleep 1000 & wait');
    writeFileSync(join(dir, 'log.txt'), 'earlier\n');
    const rec = await launch('placement-translator', { dir, exe, args: ['-v=2'], logFile: join(dir, 'log.txt') });
    expect(readRecord(dir, 'placement-translator')).toMatchObject({ pid: rec.pid, exe });
    expect(verify(rec)).toBe('ours');
    expect(procStat(rec.pid)!.pgid).toBe(rec.pid);
    await until(() => readFileSync(join(dir, 'log.txt'), 'utf8').includes('started'));
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toBe('earlier\nstarted -v=2\n');
    expect(await stopController(dir, 'placement-translator', 2000)).toBe('stopped');
    expect(alive(rec.pid)).toBe(false);
    expect(existsSync(join(dir, 'placement-translator.pid.json'))).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored, and leaves no group member', async () => {
    const exe = script('mailbox-controller', "trap '' TERM; echo ready; sleep 1000 & wait; sleep 1000");
    const rec = await launch('mailbox-controller', { dir, exe, args: [], logFile: join(dir, 'm.txt') });
    expect(await until(() => readFileSync(join(dir, 'm.txt'), 'utf8').includes('ready'))).toBe(true);
    expect(groupOf(rec.pid).length).toBeGreaterThan(1); // the shell and its sleep
    expect(await stopController(dir, 'mailbox-controller', 300)).toBe('killed');
    expect(alive(rec.pid)).toBe(false);
    expect(groupOf(rec.pid)).toEqual([]);
  });

  it('never signals a process that is not ours, whatever its arguments', async () => {
    // A decoy with the controller's name in its arguments, and a pid file pointing at it
    // with a wrong start time (pid reuse) and then with a right one but another executable.
    const decoy = spawn('bash', ['-c', 'sleep 1000; :', 'placement-translator'], { stdio: 'ignore', detached: true });
    others.push(decoy);
    expect(await until(() => !!procStat(decoy.pid!))).toBe(true);
    const st = procStat(decoy.pid!)!;
    const fake = (over: Partial<PidRecord>): void =>
      writeFileSync(join(dir, 'placement-translator.pid.json'), JSON.stringify({ name: 'placement-translator', pid: decoy.pid, startTime: st.startTime, exe: join(dir, 'placement-translator'), args: [], startedAt: '', ...over }));
    fake({ startTime: String(BigInt(st.startTime) - 1n) });
    expect(await stopController(dir, 'placement-translator', 100)).toBe('not-running');
    fake({});
    expect(verify(readRecord(dir, 'placement-translator')!)).toBe('foreign');
    expect(await stopController(dir, 'placement-translator', 100)).toBe('foreign');
    expect(alive(decoy.pid!)).toBe(true);
    expect(existsSync(join(dir, 'placement-translator.pid.json'))).toBe(false);
  });

  it('treats missing, torn and stale pid files as not running', async () => {
    expect(await stopController(dir, 'kubestellar-where-resolver')).toBe('not-running');
    writeFileSync(join(dir, 'kubestellar-where-resolver.pid.json'), '{"pid": 12');
    expect(await stopController(dir, 'kubestellar-where-resolver')).toBe('not-running');
    // it exits once told to, after launch has recorded it
    const exe = script('kubestellar-where-resolver', `while [ ! -e '${dir}/go' ]; do sleep 0.02; done; exit 0`);
    const rec = await launch('kubestellar-where-resolver', { dir, exe, args: [], logFile: join(dir, 'w.txt') });
    expect(verify(rec)).toBe('ours');
    writeFileSync(join(dir, 'go'), '');
    expect(await until(() => verify(rec) !== 'ours')).toBe(true);
    expect(verify(rec)).toBe('gone');
    expect(await stopController(dir, 'kubestellar-where-resolver')).toBe('not-running');
  });

  it('finds executables on PATH only when executable', () => {
    const exe = script('mailbox-controller', 'true');
    writeFileSync(join(dir, 'not-exec'), '');
    expect(findExecutable('mailbox-controller', `/nonexistent:${dir}`)).toBe(exe);
    expect(findExecutable('not-exec', dir)).toBeUndefined();
    expect(findExecutable('nope', dir)).toBeUndefined();
  });

  it('stops children that outlive their parent: nothing of the process group survives', async () => {
    // The shell leaves two children that ignore its death (no trap forwards the signal);
    // one of them also ignores SIGTERM. Signalling only the controller would orphan both.
    const exe = script(
      'placement-translator',
      `sleep 1000 &
echo $! >'${dir}/child1'
bash -c "trap '' TERM; echo \\$\\$ >'${dir}/child2'; while :; do sleep 0.2; done" &
wait`,
    );
    const rec = await launch('placement-translator', { dir, exe, args: [], logFile: join(dir, 'p.txt') });
    expect(await until(() => existsSync(join(dir, 'child1')) && existsSync(join(dir, 'child2')) && readFileSync(join(dir, 'child2'), 'utf8').endsWith('\n'))).toBe(true);
    const children = ['child1', 'child2'].map((f) => Number(readFileSync(join(dir, f), 'utf8')));
    for (const c of children) expect(alive(c)).toBe(true);
    expect(await stopController(dir, 'placement-translator', 1000)).toMatch(/^(stopped|killed)$/);
    expect(alive(rec.pid)).toBe(false);
    for (const c of children) expect(alive(c)).toBe(false);
    expect(groupOf(rec.pid)).toEqual([]);
  });
});
