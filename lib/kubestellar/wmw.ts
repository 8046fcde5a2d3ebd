// Workload management workspaces (WMW): `root:NAME` with the binding `bind-espw` to the
// edge API and, with --with-kube true, one `bind-<export>` per Kubernetes API export of
// root:compute, each made as the original's `kubectl apply` leaves it. Used by
// `kubectl kubestellar ensure|remove wmw` and `kubestellar init`.
import { poll } from '../util/poll.ts';
import { CommandError, ApiError } from '../cli/errors.ts';
import { APIBINDINGS, APIEXPORTS, WORKSPACES, displayName, type Workspace } from '../kcp/resources.ts';
import type { WorkspaceNavigator } from '../kcp/workspace.ts';
import { WorkspaceSession, type Print } from '../kcp/session.ts';
import { appliedApiBinding, DEFAULT_ESPW, EDGE_EXPORT, type ApiBinding } from './location.ts';

export const COMPUTE_WS = 'root:compute';
export const ESPW_BINDING = 'bind-espw';
/** The kube APIExports of root:compute that a WMW binds, in the order bindings are made. */
export const KUBE_EXPORTS = [
  'kubernetes',
  'apiregistration.k8s.io',
  'apps',
  'autoscaling',
  'batch',
  'core.k8s.io',
  'cluster-core.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'cluster-networking.k8s.io',
  'node.k8s.io',
  'policy',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'cluster-storage.k8s.io',
] as const;

export interface WmwOptions {
  withKube: boolean;
  dryRun?: boolean;
  print: (line: string) => void;
}

const dryMark = (dry: boolean | undefined, server: boolean) => (!dry ? '' : server ? ' (server dry run)' : ' (dry run)');
const bindingRef = (name: string) => `${displayName(APIBINDINGS)}/${name}`;

async function requireEspw(session: WorkspaceSession): Promise<void> {
  const exp = await session
    .clientFor(DEFAULT_ESPW)
    .find(APIEXPORTS, EDGE_EXPORT)
    .catch((err: unknown) => {
      if (err instanceof ApiError && (err.kind === 'Forbidden' || err.kind === 'NotFound')) return undefined;
      throw err;
    });
  if (!exp) {
    throw new CommandError(`the edge service provider workspace ${JSON.stringify(DEFAULT_ESPW)} has no APIExport ${JSON.stringify(EDGE_EXPORT)}; has KubeStellar been set up (kubestellar init)?`);
  }
}

/**
 * Enters `root`, creates (waiting for Ready) or enters `root:NAME`, and makes its
 * bindings match `withKube`. Leaves the WMW current (in a dry run, nothing moves).
 */
export async function ensureWmw(nav: WorkspaceNavigator, name: string, opts: WmwOptions): Promise<void> {
  const dry = Boolean(opts.dryRun);
  const { print } = opts;
  const session = new WorkspaceSession(nav, dry);
  await session.enter('root', print);
  const existing = await session.client.find<Workspace>(WORKSPACES, name);
  let bindings = new Map<string, ApiBinding>();
  if (!existing) {
    await requireEspw(session);
    // No type, as the original's `kubectl ws create NAME --enter`: kcp gives root's default child type.
    if (dry) {
      print(`Workspace ${JSON.stringify(name)} created (dry run)`);
    } else {
      await nav.create(name, { enter: true, print });
    }
  } else {
    await session.enter(name, print);
    const list = await session.client.list<ApiBinding>(APIBINDINGS);
    bindings = new Map(list.items.map((b) => [b.metadata.name, b]));
    if (!bindings.has(ESPW_BINDING)) await requireEspw(session);
  }

  // server-side dry run needs the workspace to exist
  const server = !dry || Boolean(existing);
  const client = session.client;
  const creates: ApiBinding[] = [];
  const deletes: string[] = [];
  if (!bindings.has(ESPW_BINDING)) creates.push(appliedApiBinding(ESPW_BINDING, DEFAULT_ESPW, EDGE_EXPORT));
  for (const exp of KUBE_EXPORTS) {
    const bname = `bind-${exp}`;
    if (opts.withKube && !bindings.has(bname)) creates.push(appliedApiBinding(bname, COMPUTE_WS, exp));
    if (!opts.withKube && bindings.has(bname)) deletes.push(bname);
  }
  const created = await Promise.all(creates.map((b) => (server ? client.create(APIBINDINGS, b, { dryRun: dry }) : undefined)));
  void created;
  for (const b of creates) print(`${bindingRef(b.metadata.name)} created${dryMark(dry, server)}`);
  const deleted = await Promise.all(deletes.map((n) => client.delete(APIBINDINGS, n, { dryRun: dry })));
  if (!dry) await Promise.all(deletes.map((n) => waitGone(() => client.find(APIBINDINGS, n), `APIBinding ${JSON.stringify(n)}`)));
  deletes.forEach((n, i) => {
    if (deleted[i]) print(`${displayName(APIBINDINGS)} ${JSON.stringify(n)} deleted${dryMark(dry, true)}`);
  });
}

/** Enters `root` and deletes the Workspace `NAME` there if it exists. */
export async function removeWmw(nav: WorkspaceNavigator, name: string, opts: { dryRun?: boolean; print: Print }): Promise<void> {
  const dry = Boolean(opts.dryRun);
  const session = new WorkspaceSession(nav, dry);
  await session.enter('root', opts.print);
  const client = session.client;
  if (!(await client.find(WORKSPACES, name))) return;
  if (await client.delete(WORKSPACES, name, { dryRun: dry })) {
    if (!dry) await waitGone(() => client.find(WORKSPACES, name), `workspace ${JSON.stringify(name)}`);
    opts.print(`${displayName(WORKSPACES)} ${JSON.stringify(name)} deleted${dryMark(dry, true)}`);
  }
}

/**
 * Waits until a deleted object is gone, as `kubectl delete` (which the original ran) does:
 * kcp keeps workspaces and APIBindings until their finalizers have run.
 */
async function waitGone(find: () => Promise<unknown>, what: string, timeoutMs = 60_000): Promise<void> {
  const gone = await poll(async () => ((await find()) ? undefined : true), timeoutMs);
  if (!gone) throw new ApiError('Timeout', `${what} is still being deleted after ${Math.round(timeoutMs / 1000)} s`);
}
