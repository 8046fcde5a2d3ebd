import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable, launch, procStat, readRecord, stopController, verify, type PidRecord } from '../../lib/kubestellar/controllers.ts';

let dir: string;
const others: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ks-ctl-'));
});
afterEach(() => {
  for (const c of others.splice(0)) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

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
    await sleep(300);
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toBe('earlier\nstarted -v=2\n');
    expect(await stopController(dir, 'placement-translator', 2000)).toBe('stopped');
    expect(alive(rec.pid)).toBe(false);
    expect(existsSync(join(dir, 'placement-translator.pid.json'))).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored, and leaves no group member', async () => {
    const exe = script('mailbox-controller', "trap '' TERM; sleep 1000 & wait; sleep 1000");
    const rec = await launch('mailbox-controller', { dir, exe, args: [], logFile: join(dir, 'm.txt') });
    await sleep(200);
    expect(await stopController(dir, 'mailbox-controller', 300)).toBe('killed');
    expect(alive(rec.pid)).toBe(false);
  });

  it('never signals a process that is not ours, whatever its arguments', async () => {
    // A decoy with the controller's name in its arguments, and a pid file pointing at it
    // with a wrong start time (pid reuse) and then with a right one but another executable.
    const decoy = spawn('bash', ['-c', 'sleep 1000; :', 'placement-translator'], { stdio: 'ignore' });
    others.push(decoy);
    await sleep(100);
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
    const exe = script('kubestellar-where-resolver', 'exit 0');
    const rec = await launch('kubestellar-where-resolver', { dir, exe, args: [], logFile: join(dir, 'w.txt') }).catch(() => undefined);
    await sleep(200);
    if (rec) expect(verify(rec)).toBe('gone');
    expect(await stopController(dir, 'kubestellar-where-resolver')).toBe('not-running');
  });

  it('finds executables on PATH only when executable', () => {
    const exe = script('mailbox-controller', 'true');
    writeFileSync(join(dir, 'not-exec'), '');
    expect(findExecutable('mailbox-controller', `/nonexistent:${dir}`)).toBe(exe);
    expect(findExecutable('not-exec', dir)).toBeUndefined();
    expect(findExecutable('nope', dir)).toBeUndefined();
  });
});
