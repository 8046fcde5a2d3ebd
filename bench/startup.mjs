#!/usr/bin/env node
// Start-up cost: median wall time of `--help` for every executable in package.json's
// bin, and of three real invocations that load the library and do their work (version
// facts, a kubeconfig rewrite, a PKI re-use check with signature and key checks), each
// against `node -e 0` measured in the same run.
// Targets: --help within 60 ms of node; a real invocation within 100 ms of node.
// Prints every figure with its target and exits 1 when one is missed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const bins = Object.values(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin ?? {});
const HELP_TARGET = 60;
const REAL_TARGET = 100;

function once(cmd, args, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}
const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median time of the command and median of its excess over `node -e 0`, the two run
 * back to back in each round so that load from elsewhere hits both alike.
 */
function measure(cmd, args, cwd) {
  const times = [];
  const over = [];
  for (let i = 0; i < runs + 2; i++) {
    const base = once(process.execPath, ['-e', '0'], cwd);
    const ms = once(cmd, args, cwd);
    if (i < 2) continue; // two warm-up rounds fill the page cache
    times.push(ms);
    over.push(ms - base);
  }
  return { ms: mid(times), over: mid(over) };
}

// Inputs for the real invocations: a PKI made once, a kubeconfig to rewrite.
const work = mkdtempSync(join(tmpdir(), 'ks-bench-startup-'));
const bin = (n) => join(root, 'bin', n);
try {
  const made = spawnSync(bin('kubestellar-ensure-kcp-server-creds'), ['yep.yep'], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  if (made.status !== 0) throw new Error(`kubestellar-ensure-kcp-server-creds: ${made.stderr}`);
  writeFileSync(
    join(work, 'admin.kubeconfig'),
    `apiVersion: v1
kind: Config
clusters:
- name: root
  cluster: {server: "https://192.168.7.9:6443/clusters/root", certificate-authority-data: ""}
- name: base
  cluster: {server: "https://192.168.7.9:6443", certificate-authority-data: ""}
contexts:
- name: root
  context: {cluster: root, user: admin}
current-context: root
users:
- name: admin
  user: {token: t}
`,
  );

  const floor = measure(process.execPath, ['-e', '0']).ms;
  const rows = bins.map((b) => ({ label: `${b.replace(/^bin\//, '')} --help`, ...measure(join(root, b), ['--help']), target: HELP_TARGET }));
  const real = [
    ['kubestellar-version', [], 'build facts as JSON'],
    ['switch-domain', ['admin.kubeconfig', 'out.kubeconfig', 'root', 'yep.yep', '443', 'pki/ca.crt'], 'kubeconfig rewrite'],
    ['kubestellar-ensure-kcp-server-creds', ['yep.yep'], 'PKI re-use checks'],
  ];
  for (const [cmd, args, what] of real) rows.push({ label: `${cmd} (${what})`, ...measure(bin(cmd), args, work), target: REAL_TARGET });

  const width = Math.max(...rows.map((r) => r.label.length), 'node -e 0'.length);
  console.log(`startup: median of ${runs} runs, ms (targets: --help within ${HELP_TARGET} ms of node -e 0, real invocations within ${REAL_TARGET} ms)`);
  console.log(`${'command'.padEnd(width)}  median  over node (paired median)  target`);
  console.log(`${'node -e 0'.padEnd(width)}  ${floor.toFixed(1).padStart(6)}  ${'-'.padStart(9)}`);
  let missed = 0;
  for (const { over, ...r } of rows) {
    const ok = over <= r.target;
    if (!ok) missed++;
    console.log(`${r.label.padEnd(width)}  ${r.ms.toFixed(1).padStart(6)}  ${((over >= 0 ? '+' : '') + over.toFixed(1)).padStart(9)}  <= +${r.target} ${ok ? 'met' : 'MISSED'}`);
  }
  console.log(missed ? `startup: ${missed} target(s) MISSED` : 'startup: all targets met');
  process.exitCode = missed ? 1 : 0;
} finally {
  rmSync(work, { recursive: true, force: true });
}
