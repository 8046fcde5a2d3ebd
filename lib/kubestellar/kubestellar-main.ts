// The body of `kubestellar init|start|stop`, loaded only after the command line is valid.
import { resolve, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../cli/args.ts';
import { connect } from '../kcp/client.ts';
import { CommandError } from '../cli/errors.ts';
import { result, verbose, warn } from '../cli/output.ts';
import { openNavigator } from '../kcp/workspace.ts';
import { parsePathList, runInit, type EnsureWmw } from './init.ts';
import { CONTROLLERS, findExecutable, launch, localKcpRunning, lockRunDir, runDir, stopAllControllers, verify, type PidRecord } from './controllers.ts';

export interface MainOptions {
  logFolder?: string;
  localKcp: boolean;
  ensureImw: string;
  ensureWmw: string;
  timeout?: string;
}

const print = (line: string) => result(line);
const BAR = '****************************************';

async function loadEnsureWmw(): Promise<EnsureWmw> {
  const mod = await import('./wmw.ts');
  return mod.ensureWmw;
}

function checkLocalKcp(localKcp: boolean): void {
  if (localKcp && !localKcpRunning()) {
    throw new CommandError('no local process named "kcp" is running; start kcp, or pass --local-kcp false to use a kcp server elsewhere');
  }
}

/** Stops every controller (recorded or started by hand) with the original's lines. */
async function stopAll(): Promise<void> {
  const graceMs = Number(process.env.KUBESTELLAR_STOP_GRACE_MS) || 5000;
  await stopAllControllers(runDir(), graceMs, { print, warn });
}

async function init(opts: MainOptions, finalRoot: boolean) {
  const imws = parsePathList(opts.ensureImw, '--ensure-imw');
  const wmws = parsePathList(opts.ensureWmw, '--ensure-wmw');
  const timeoutMs = opts.timeout === undefined ? 0 : parseDuration(opts.timeout, '--timeout');
  const client = await connect({}, { defaultTimeoutMs: 30_000 });
  const nav = await openNavigator(client);
  const ensureWmw = wmws.length ? await loadEnsureWmw() : undefined;
  await runInit(nav, { imws, wmws, timeoutMs, print, warn, detail: verbose, ensureWmw, finalRoot });
  return { client, nav };
}

export async function main(sub: 'init' | 'start' | 'stop', opts: MainOptions): Promise<number> {
  if (sub === 'stop') {
    const release = lockRunDir(runDir(), 'stop');
    await stopAll();
    release();
    print('kubestellar stopped .....');
    return 0;
  }
  if (sub === 'init') {
    checkLocalKcp(opts.localKcp);
    const { client } = await init(opts, true);
    client.close();
    return 0;
  }

  // start: everything that can fail before any process is touched, first.
  const exes = CONTROLLERS.map((c) => ({ c, exe: findExecutable(c.name) }));
  const missing = exes.filter((x) => !x.exe).map((x) => x.c.name);
  if (missing.length) throw new CommandError(`executable${missing.length > 1 ? 's' : ''} not found on PATH: ${missing.join(', ')}`);
  checkLocalKcp(opts.localKcp);
  const logFolder = resolve(opts.logFolder ?? join(process.cwd(), 'kubestellar-logs'));
  mkdirSync(logFolder, { recursive: true });

  // one start or stop at a time per run directory, or two would each launch a set
  const release = lockRunDir(runDir(), 'start');
  await stopAll();
  const { client, nav } = await init(opts, false);

  // The controllers find the ESPW through the kubeconfig's current workspace, as in the original.
  await nav.use('root:espw');
  print(BAR);
  print('Launching KubeStellar ...');
  print(BAR);
  const dir = runDir();
  const launched: { label: string; rec: PidRecord }[] = [];
  for (const { c, exe } of exes) {
    const rec = await launch(c.name, { dir, exe: exe!, args: c.args, logFile: join(logFolder, `${c.name}-log.txt`) });
    launched.push({ label: c.label, rec });
  }
  // Alive shortly after launch (and their kubeconfig read before we move back to root).
  await sleep(Number(process.env.KUBESTELLAR_LAUNCH_CHECK_MS) || 1000);
  const dead = launched.filter((l) => verify(l.rec) !== 'ours');
  for (const l of launched) {
    if (!dead.includes(l)) print(` ${l.label} is running (log file: ${l.rec.logFile})`);
  }
  if (dead.length) {
    print((await nav.use('root')).message);
    client.close();
    release();
    throw new CommandError(dead.map((l) => `${l.rec.name} exited right after launch; see ${l.rec.logFile}`).join('; '));
  }
  print(BAR);
  print('Finished launching KubeStellar ...');
  print(BAR);
  print((await nav.use('root')).message);
  client.close();
  release();
  return 0;
}
