// SyncTarget/Location pairs in an inventory management workspace (IMW), as
// `kubectl kubestellar ensure|remove location` make and unmake them. Reads first, then
// only the writes that are needed, so a re-run sends GETs alone.
import { poll } from '../util/poll.ts';
import { ApiError, CommandError } from '../cli/errors.ts';
import type { ApiClient } from '../kcp/client.ts';
import { APIBINDINGS, APIEXPORTS, LOCATIONS, SYNCTARGETS, displayName, type KubeObject } from '../kcp/resources.ts';
import type { Print, WorkspaceSession } from '../kcp/session.ts';

export const EDGE_GROUP = 'edge.kubestellar.io';
export const EDGE_EXPORT = 'edge.kubestellar.io';
export const DEFAULT_ESPW = 'root:espw';

export interface ApiBinding extends KubeObject {
  spec: { reference: { export: { path?: string; name: string } }; [k: string]: unknown };
  status?: { phase?: string; [k: string]: unknown };
}

export interface LocationOptions {
  /** the IMW as --imw gives it; undefined: the current workspace (no move, no line) */
  imw?: string;
  name: string;
  print: Print;
  espw?: string;
}

/** ` (server dry run)` when the server checked it, ` (dry run)` when only planned. */
const suffix = (dryRun: boolean, server: boolean) => (!dryRun ? '' : server ? ' (server dry run)' : ' (dry run)');

export function apiBinding(name: string, exportPath: string, exportName: string): ApiBinding {
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIBinding',
    metadata: { name },
    spec: { reference: { export: { path: exportPath, name: exportName } } },
  };
}

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The APIBinding as `kubectl apply -f` of its manifest leaves it: carrying the
 * last-applied-configuration annotation (kubectl's compact JSON of the manifest, keys
 * sorted, an empty annotations map, a trailing newline), so that a later
 * `kubectl apply` by the user computes its three-way merge against it.
 */
export function appliedApiBinding(name: string, exportPath: string, exportName: string): ApiBinding {
  const b = apiBinding(name, exportPath, exportName);
  const manifest = {
    apiVersion: b.apiVersion,
    kind: b.kind,
    metadata: { annotations: {}, name },
    spec: { reference: { export: { name: exportName, path: exportPath } } },
  };
  return { ...b, metadata: { name, annotations: { [LAST_APPLIED]: JSON.stringify(manifest) + '\n' } } };
}

/** Polls an APIBinding until it is Bound. */
export async function waitBound(client: ApiClient, name: string, timeoutMs = 30_000): Promise<void> {
  let phase: string | undefined;
  const bound = await poll(async () => {
    phase = (await client.find<ApiBinding>(APIBINDINGS, name))?.status?.phase;
    return phase === 'Bound' ? true : undefined;
  }, timeoutMs);
  if (!bound) throw new ApiError('Timeout', `APIBinding ${JSON.stringify(name)} in ${JSON.stringify(client.workspace)} is not Bound after ${Math.round(timeoutMs / 1000)} s (phase ${phase ?? 'unknown'})`);
}

/** Ensures the IMW's binding to the edge API; true when the edge types are served (or will be). */
async function ensureEdgeBinding(session: WorkspaceSession, espw: string, print: Print): Promise<boolean> {
  const client = session.client;
  const existing = await client.find<ApiBinding>(APIBINDINGS, EDGE_EXPORT);
  if (existing) {
    if (existing.status?.phase !== 'Bound' && !session.dryRun) await waitBound(client, EDGE_EXPORT);
    return true;
  }
  const exp = await session.clientFor(espw).find(APIEXPORTS, EDGE_EXPORT).catch((err: unknown) => {
    if (err instanceof ApiError && (err.kind === 'Forbidden' || err.kind === 'NotFound')) return undefined;
    throw err;
  });
  if (!exp) {
    throw new CommandError(`the edge service provider workspace ${JSON.stringify(espw)} has no APIExport ${JSON.stringify(EDGE_EXPORT)}; has KubeStellar been set up (kubestellar init)?`);
  }
  await client.create(APIBINDINGS, apiBinding(EDGE_EXPORT, espw, EDGE_EXPORT), { dryRun: session.dryRun });
  print(`${displayName(APIBINDINGS)}/${EDGE_EXPORT} created${suffix(session.dryRun, true)}`);
  if (session.dryRun) return false;
  await waitBound(client, EDGE_EXPORT);
  return true;
}

export function syncTargetObject(name: string, labels: Map<string, string>): KubeObject {
  return {
    apiVersion: `${EDGE_GROUP}/v2alpha1`,
    kind: 'SyncTarget',
    metadata: { name, labels: { id: name, ...Object.fromEntries(labels) } },
  };
}

export function locationObject(name: string, labels: Map<string, string>): KubeObject {
  return {
    apiVersion: `${EDGE_GROUP}/v2alpha1`,
    kind: 'Location',
    metadata: { name, labels: Object.fromEntries(labels) },
    spec: {
      resource: { group: EDGE_GROUP, version: 'v2alpha1', resource: 'synctargets' },
      instanceSelector: { matchLabels: { id: name } },
    },
  };
}

/**
 * `ensure location`: moves to the IMW (when given), binds the edge API if needed,
 * creates the SyncTarget and Location, deletes the `default` Location, and merges the
 * labels onto both. Lines as kubectl would print them for the original's steps.
 */
export async function ensureLocation(session: WorkspaceSession, opts: LocationOptions & { labels: Map<string, string> }): Promise<void> {
  const { name, labels, print } = opts;
  const dry = session.dryRun;
  if (opts.imw !== undefined) await session.enter(opts.imw, print);
  const served = await ensureEdgeBinding(session, opts.espw ?? DEFAULT_ESPW, print);
  const client = session.client;
  const [st, loc, dflt] = served
    ? await Promise.all([client.find(SYNCTARGETS, name), client.find(LOCATIONS, name), client.find(LOCATIONS, 'default')])
    : [undefined, undefined, undefined];

  // Objects made here carry the labels from the start; kubectl's lines are the same.
  const stLabels = new Map<string, string>(Object.entries(st?.metadata.labels ?? { id: name }));
  const locLabels = new Map<string, string>(Object.entries(loc?.metadata.labels ?? {}));
  if (!st) {
    if (served) await client.create(SYNCTARGETS, syncTargetObject(name, labels), { dryRun: dry });
    print(`${displayName(SYNCTARGETS)}/${name} created${suffix(dry, served)}`);
  }
  if (!loc) {
    if (served) await client.create(LOCATIONS, locationObject(name, labels), { dryRun: dry });
    print(`${displayName(LOCATIONS)}/${name} created${suffix(dry, served)}`);
  }
  if (dflt) {
    // the original removes it silently
    await client.delete(LOCATIONS, 'default', { dryRun: dry });
    if (dry) print(`${displayName(LOCATIONS)} "default" deleted${suffix(dry, true)}`);
  }

  const stPatch: Record<string, string> = {};
  const locPatch: Record<string, string> = {};
  const lines: string[] = [];
  for (const [k, v] of labels) {
    if (stLabels.get(k) !== v) {
      stPatch[k] = v;
      lines.push(`${displayName(SYNCTARGETS)}/${name} labeled${suffix(dry, served && st !== undefined)}`);
    }
    if (locLabels.get(k) !== v) {
      locPatch[k] = v;
      lines.push(`${displayName(LOCATIONS)}/${name} labeled${suffix(dry, served && loc !== undefined)}`);
    }
  }
  await Promise.all([
    st && Object.keys(stPatch).length ? client.patch(SYNCTARGETS, name, { metadata: { labels: stPatch } }, { dryRun: dry }) : undefined,
    loc && Object.keys(locPatch).length ? client.patch(LOCATIONS, name, { metadata: { labels: locPatch } }, { dryRun: dry }) : undefined,
  ]);
  for (const l of lines) print(l);
}

/** `remove location`: deletes whichever of the pair exists. */
export async function removeLocation(session: WorkspaceSession, opts: LocationOptions): Promise<void> {
  const { name, print } = opts;
  const dry = session.dryRun;
  if (opts.imw !== undefined) await session.enter(opts.imw, print);
  const client = session.client;
  const [st, loc] = await Promise.all([client.find(SYNCTARGETS, name), client.find(LOCATIONS, name)]);
  if (st && (await client.delete(SYNCTARGETS, name, { dryRun: dry }))) print(`${displayName(SYNCTARGETS)} "${name}" deleted${suffix(dry, true)}`);
  if (loc && (await client.delete(LOCATIONS, name, { dryRun: dry }))) print(`${displayName(LOCATIONS)} "${name}" deleted${suffix(dry, true)}`);
}
