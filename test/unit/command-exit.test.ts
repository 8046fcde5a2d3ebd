// lib/cli/command.ts's exit paths, in child processes: everything written reaches a slow
// pipe before exit, -X masks secrets, abort hooks run on an error and on SIGTERM but not
// after success.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { maskSecrets } from '../../lib/cli/command.ts';

let dir: string;
let script: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ks-cmd-'));
  script = join(dir, 'cmd.mjs');
  writeFileSync(join(dir, 'cmd-src.ts'), `
    import { runCommand, onAbort } from ${JSON.stringify(join(process.cwd(), 'lib/cli/command.ts'))};
    await runCommand({ name: 'demo', summary: '', usage: 'MODE', flags: { token: { type: 'string', description: '' } }, positionals: { min: 1, max: 1 } },
      async ({ positionals: [mode] }) => {
        onAbort(() => process.stderr.write('undone\\n'));
        if (mode === 'big-error') { process.stderr.write('x'.repeat(200_000) + '\\n'); throw new Error('the end'); }
        if (mode === 'big-out') { process.stdout.write('y'.repeat(300_000) + '\\n'); return 0; }
        if (mode === 'wait') { process.stdout.write('waiting\\n'); await new Promise((r) => setTimeout(r, 10_000)); }
        return 0;
      });
  `);
  await build({ entryPoints: [join(dir, 'cmd-src.ts')], outfile: script, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the demo command with its stdout and stderr going into pipes that a shell reads
 * only after a pause, as a slow reader would (a Node parent would drain them at once).
 */
function run(mode: string, opts: { signal?: NodeJS.Signals } = {}): Promise<{ code: number; out: string; err: string }> {
  const sh = `
    node ${JSON.stringify(script)} ${mode} > >(sleep 0.5; cat > ${JSON.stringify(join(dir, 'out'))}) 2> >(sleep 0.5; cat > ${JSON.stringify(join(dir, 'err'))}) &
    pid=$!
    ${opts.signal ? `sleep 0.3; kill -${opts.signal.replace('SIG', '')} $pid` : ''}
    wait $pid; code=$?; sleep 1; echo $code`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', sh], { stdio: ['ignore', 'pipe', 'inherit'] });
    let code = '';
    child.stdout.on('data', (c) => (code += c));
    child.on('close', async () => {
      const { readFileSync } = await import('node:fs');
      resolve({ code: Number(code.trim()), out: readFileSync(join(dir, 'out'), 'utf8'), err: readFileSync(join(dir, 'err'), 'utf8') });
    });
  });
}

describe('runCommand exit paths', () => {
  it('flushes 200 kB of stderr to a pipe before the error exit, then runs the abort hooks once', async () => {
    const r = await run('big-error');
    expect(r.code).toBe(1);
    expect(r.err.length).toBeGreaterThan(200_000);
    expect(r.err.endsWith('undone\ndemo: the end\n')).toBe(true);
  });

  it('flushes 300 kB of stdout after success, and no abort hook runs', async () => {
    const r = await run('big-out');
    expect(r.code).toBe(0);
    expect(r.out.length).toBe(300_001);
    expect(r.err).toBe('');
  });

  it('runs the abort hooks on SIGTERM and says so in one line', async () => {
    const r = await run('wait', { signal: 'SIGTERM' });
    expect(r.code).toBe(143);
    expect(r.err).toBe('undone\ndemo: interrupted (SIGTERM)\n');
  });

  it('masks secret flags for -X', () => {
    expect(maskSecrets(['--token', 'abc', '--password=p', '-X', '--client-secret', 's', 'name', '--', '--token', 'x'])).toEqual([
      '--token', '***', '--password=***', '-X', '--client-secret', '***', 'name', '--', '--token', 'x',
    ]);
  });
});
