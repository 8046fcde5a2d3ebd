#!/usr/bin/env node
// Start-up cost: median wall time of `--help` for every executable in package.json's
// bin, against `node -e 0` measured in the same run. Target: within 60 ms of node.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const bins = Object.values(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin ?? {});

function median(cmd, args) {
  const times = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) times.push(ms); // two warm-up runs fill the page cache
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const floor = median(process.execPath, ['-e', '0']);
const rows = bins.map((b) => {
  const ms = median(join(root, b), ['--help']);
  return { command: b.replace(/^bin\//, ''), ms, over: ms - floor };
});
const width = Math.max(...rows.map((r) => r.command.length), 'node -e 0'.length);
console.log(`startup: median of ${runs} runs, ms (target: --help within 60 ms of node -e 0)`);
console.log(`${'command'.padEnd(width)}  median  over node`);
console.log(`${'node -e 0'.padEnd(width)}  ${floor.toFixed(1).padStart(6)}  ${'-'.padStart(9)}`);
for (const r of rows) console.log(`${r.command.padEnd(width)}  ${r.ms.toFixed(1).padStart(6)}  ${('+' + r.over.toFixed(1)).padStart(9)}${r.over > 60 ? '  OVER TARGET' : ''}`);
process.exitCode = rows.some((r) => r.over > 60) ? 1 : 0;
