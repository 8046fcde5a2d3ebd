// The suite's commands in one table: executable name, how users type it, and the
// one-line description the dispatchers and README show. An executable is listed by a
// dispatcher only when it exists in bin/, i.e. once it works.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CommandInfo {
  bin: string;
  /** as typed, e.g. `kubectl kubestellar ensure location` */
  invocation: string;
  summary: string;
}

const kk = 'kubectl kubestellar';
export const COMMANDS: readonly CommandInfo[] = [
  { bin: 'kubectl-kubestellar', invocation: kk, summary: 'KubeStellar kubectl plugins' },
  { bin: 'kubectl-kubestellar-ensure', invocation: `${kk} ensure`, summary: 'Ensure inventory and workload management objects' },
  { bin: 'kubectl-kubestellar-remove', invocation: `${kk} remove`, summary: 'Remove inventory and workload management objects' },
  { bin: 'kubectl-kubestellar-ensure-location', invocation: `${kk} ensure location`, summary: 'Ensure a SyncTarget/Location pair with labels in an inventory workspace' },
  { bin: 'kubectl-kubestellar-remove-location', invocation: `${kk} remove location`, summary: 'Remove a SyncTarget/Location pair' },
  { bin: 'kubectl-kubestellar-ensure-wmw', invocation: `${kk} ensure wmw`, summary: 'Ensure a workload management workspace and its API bindings' },
  { bin: 'kubectl-kubestellar-remove-wmw', invocation: `${kk} remove wmw`, summary: 'Remove a workload management workspace' },
  { bin: 'kubectl-kubestellar-prep_for_syncer', invocation: `${kk} prep-for-syncer`, summary: 'Prepare a mailbox workspace for a syncer and write the WEC manifest' },
  { bin: 'kubectl-kubestellar-prep_for_cluster', invocation: `${kk} prep-for-cluster`, summary: 'ensure location + prep-for-syncer in one step' },
  { bin: 'kubectl-kubestellar-deploy', invocation: `${kk} deploy`, summary: 'Deploy kcp and KubeStellar into a Kubernetes cluster with Helm' },
  { bin: 'kubectl-kubestellar-get_internal_kubeconfig', invocation: `${kk} get-internal-kubeconfig`, summary: 'Fetch the kubeconfig for clients inside the hosting cluster' },
  { bin: 'kubectl-kubestellar-get_external_kubeconfig', invocation: `${kk} get-external-kubeconfig`, summary: 'Fetch the kubeconfig for clients outside the hosting cluster' },
  { bin: 'kubectl-kubestellar-doctor', invocation: `${kk} doctor`, summary: 'Check a KubeStellar setup and say what to fix' },
  { bin: 'kubestellar', invocation: 'kubestellar init|start|stop', summary: 'Finish setup, start and stop the KubeStellar controllers' },
  { bin: 'kubestellar-ensure-kcp-server-creds', invocation: 'kubestellar-ensure-kcp-server-creds', summary: 'Create or re-use the kcp server key and certificate for a domain' },
  { bin: 'wait-and-switch-domain', invocation: 'wait-and-switch-domain', summary: 'Wait for the kcp server, then write a kubeconfig for another domain' },
  { bin: 'switch-domain', invocation: 'switch-domain', summary: 'Write a kubeconfig that reaches the server by another domain' },
  { bin: 'kubestellar-version', invocation: 'kubestellar-version', summary: 'Print build information' },
  { bin: 'kubestellar-release', invocation: 'kubestellar-release', summary: 'Print the release version' },
  { bin: 'kubestellar-list-syncing-objects', invocation: 'kubestellar-list-syncing-objects', summary: 'List or watch workload objects in the mailbox workspaces' },
  { bin: 'kubestellar-sandbox', invocation: 'kubestellar-sandbox start', summary: 'Run the embedded kcp-compatible sandbox server' },
];

/** bin/ of this installation: beside the nearest package.json above this module. */
export function binDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'bin');
}

export function installed(prefix: string): CommandInfo[] {
  const dir = binDir();
  return COMMANDS.filter((c) => c.bin.startsWith(prefix) && existsSync(join(dir, c.bin)));
}

export function summaryOf(bin: string): string {
  return COMMANDS.find((c) => c.bin === bin)?.summary ?? '';
}
