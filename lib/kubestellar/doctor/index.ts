// `kubectl kubestellar doctor`: read-only checks of a KubeStellar setup, in dependency
// order, each with its cause and fix when it fails. Sections: the server, the ESPW and
// root:compute, the IMWs and WMWs, the controllers, each SyncTarget's mailbox and
// syncer identity, and (when given) each syncer as its WEC runs it.
import type { KubeFlags } from '../../cli/args.ts';
import { controllerChecks } from './controllers.ts';
import { espwChecks } from './espw.ts';
import { mailboxChecks } from './mailbox.ts';
import { Runner, type CheckResult } from './runner.ts';
import { serverChecks } from './server.ts';
import { wecChecks, type WecTarget } from './wec.ts';
import { workspaceChecks } from './workspaces.ts';

export type { CheckResult, Status } from './runner.ts';
export type { WecTarget } from './wec.ts';

export interface DoctorOptions {
  kube: KubeFlags;
  /** undefined: every IMW found under root */
  imws?: string[];
  /** undefined: every WMW found under root */
  wmws?: string[];
  wecs?: WecTarget[];
}

export async function runDoctor(opts: DoctorOptions): Promise<CheckResult[]> {
  const runner = new Runner();
  const server = serverChecks(runner, opts.kube);
  const espw = espwChecks(runner, server);
  const imws = workspaceChecks(runner, server, espw, { imws: opts.imws, wmws: opts.wmws });
  runner.spawn(imws);
  controllerChecks(runner);
  const pairs = mailboxChecks(runner, server, espw, imws);
  runner.spawn(pairs);
  const wecClients = wecChecks(runner, opts.wecs ?? [], pairs);
  try {
    return await runner.results();
  } finally {
    (await server.credentials.value)?.root.close();
    for (const c of wecClients) c.close();
  }
}
