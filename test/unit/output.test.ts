import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decorated, progress, configureOutput, trace, info } from '../../lib/cli/output.ts';
import { writeFileAtomic } from '../../lib/util/fsutil.ts';
import { ApiError, formatError, exitCodeFor, UsageError, EXIT } from '../../lib/cli/errors.ts';

const savedNoColor = process.env.NO_COLOR;
afterEach(() => {
  if (savedNoColor === undefined) delete process.env.NO_COLOR; else process.env.NO_COLOR = savedNoColor;
  configureOutput({ trace: false, verbose: false, quiet: false });
  vi.restoreAllMocks();
});

describe('output', () => {
  it('decorates only a terminal, and never with NO_COLOR set', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    delete process.env.NO_COLOR;
    expect(decorated(tty)).toBe(true);
    expect(decorated(pipe)).toBe(false);
    process.env.NO_COLOR = '1';
    expect(decorated(tty)).toBe(false);
  });

  it('prints progress off a terminal as plain lines, without spinner frames', () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { writes.push(String(s)); return true; });
    const p = progress('Waiting for the kcp server', 60_000);
    p.update('still waiting');
    p.stop('The kcp server is serving');
    expect(writes).toEqual(['Waiting for the kcp server\n', 'The kcp server is serving\n']);
  });

  it('traces only with -X and keeps quiet progress silent', () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { writes.push(String(s)); return true; });
    trace('GET /api');
    configureOutput({ trace: true });
    trace('GET /apis');
    configureOutput({ quiet: true });
    info('chatter');
    expect(writes).toEqual(['+ GET /apis\n']);
  });
});

describe('atomic writes', () => {
  it('replaces a file whole, keeping its mode, and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const f = join(dir, 'out.yaml');
    writeFileAtomic(f, 'one\n', { mode: 0o600 });
    expect(statSync(f).mode & 0o777).toBe(0o600);
    writeFileAtomic(f, 'two\n');
    expect(readFileSync(f, 'utf8')).toBe('two\n');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['out.yaml']);
  });

  it('fails without touching the target or leaving a temporary file when the rename fails', () => {
    // a directory in the target's place: the rename fails for root too (as CI runs)
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x', 'keep'), 'old');
    expect(() => writeFileAtomic(join(dir, 'x'), 'new')).toThrow(`cannot write ${join(dir, 'x')}: it is a directory`);
    expect(readFileSync(join(dir, 'x', 'keep'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['x']);
  });

  it.skipIf(process.getuid?.() === 0)('fails without touching the target when the directory is not writable (not as root, which ignores directory modes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    writeFileSync(join(dir, 'x'), 'old');
    chmodSync(dir, 0o500);
    expect(() => writeFileAtomic(join(dir, 'x'), 'new')).toThrow();
    expect(readFileSync(join(dir, 'x'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['x']);
  });
});

describe('errors', () => {
  it('formats anything thrown as one line prefixed by the command', () => {
    expect(formatError('kubectl kubestellar ensure location', new Error('a\n  b'))).toBe('kubectl kubestellar ensure location: a b');
    expect(formatError('x', 'plain')).toBe('x: plain');
  });

  it('maps failures to exit codes', () => {
    expect(exitCodeFor(new UsageError('bad'))).toBe(1);
    expect(exitCodeFor(new ApiError('NotFound', 'gone', 404))).toBe(EXIT.notFound);
    expect(exitCodeFor(new ApiError('Unreachable', 'down'))).toBe(EXIT.unreachable);
    expect(exitCodeFor(new Error('other'))).toBe(1);
  });
});
