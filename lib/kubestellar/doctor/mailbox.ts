// Section 5: each SyncTarget/Location pair of each IMW, its mailbox workspace (under
// root as v0.14 makes it, or under the ESPW as older cores did) and what
// prep-for-syncer and the placement-translator leave there for the syncer.
import { ApiClient } from '../../kcp/client.ts';
import { APIBINDINGS, CLUSTERROLEBINDINGS, CLUSTERROLES, LOCATIONS, SECRETS, SERVICEACCOUNTS, SYNCTARGETS, WORKSPACES, type KubeObject, type ResourceType, type Workspace } from '../../kcp/resources.ts';
import { ESPW_PATH } from '../init.ts';
import { EDGE_EXPORT, EDGE_GROUP, EDGE_VERSION, SyncerConfigKind, type Location, type SyncTarget } from '../kinds.ts';
import { EDGESYNCCONFIGS, KCP_NAMESPACE, syncerId } from '../syncer.ts';
import { EDGE_BINDING, MAILBOX_ANNOTATION, mailboxName } from '../mailbox.ts';
import { fail, type Check, type Runner } from './runner.ts';
import type { EspwChecks } from './espw.ts';
import type { ServerChecks } from './server.ts';
import type { Imw } from './workspaces.ts';
import { bindingProblem, kubectlIn, type Binding } from './util.ts';

const S = 5;
const SYNCER_NAMESPACE = KCP_NAMESPACE;
const SYNCERCONFIGS: ResourceType = { group: EDGE_GROUP, version: EDGE_VERSION, resource: SyncerConfigKind.plural, kind: SyncerConfigKind.kind, namespaced: false };

export interface Mailbox {
  path: string;
  client: ApiClient;
}

export interface Syncer {
  id: string;
}

/** The checks of one SyncTarget that the WEC section builds on. */
export interface Pair {
  imw: string;
  name: string;
  mailbox: Check<Mailbox>;
  syncer: Check<Syncer>;
}

type Labelled = { metadata: { labels?: Record<string, string> } };
type Selector = NonNullable<NonNullable<Location['spec']>['instanceSelector']>;

export function selects(sel: Selector | undefined, labels: Record<string, string> = {}): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const labelText = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(' ');

export interface PairProblem {
  text: string;
  /** what repairs it: re-running ensure location (labels), or a patch of the Location (selector, resource) */
  repair: 'ensure' | 'patch';
}

/** What is inconsistent between a SyncTarget and its Location, as `ensure location` makes them. */
function pairProblems(name: string, st: SyncTarget | undefined, loc: Location | undefined): PairProblem[] {
  if (!st) return [{ text: `Location ${name} has no SyncTarget of the same name`, repair: 'ensure' }];
  if (!loc) return [{ text: `SyncTarget ${name} has no Location of the same name`, repair: 'ensure' }];
  const out: PairProblem[] = [];
  const r = loc.spec?.resource;
  if (r?.group !== EDGE_GROUP || r?.resource !== SYNCTARGETS.resource) out.push({ text: `Location ${name} is about ${r?.resource ?? '?'}.${r?.group ?? ''}, not synctargets.${EDGE_GROUP}`, repair: 'patch' });
  if (!selects(loc.spec?.instanceSelector, st.metadata.labels)) {
    out.push({ text: `Location ${name}'s instanceSelector ${JSON.stringify(loc.spec?.instanceSelector ?? {})} does not select SyncTarget ${name} (labels ${labelText(st.metadata.labels ?? {}) || 'none'})`, repair: 'patch' });
  }
  const stl = { ...(st.metadata.labels ?? {}) };
  delete stl.id;
  const lol = loc.metadata.labels ?? {};
  const diff = [...new Set([...Object.keys(stl), ...Object.keys(lol)])].filter((k) => stl[k] !== lol[k]);
  if (diff.length) out.push({ text: `labels differ: ${diff.map((k) => `${k} is ${stl[k] ?? '(none)'} on the SyncTarget, ${lol[k] ?? '(none)'} on the Location`).join(', ')}`, repair: 'ensure' });
  return out;
}

/** The spec `ensure location` gives a Location, as a merge patch. */
const locationSpecPatch = (name: string) =>
  JSON.stringify({ spec: { resource: { group: EDGE_GROUP, version: EDGE_VERSION, resource: SYNCTARGETS.resource }, instanceSelector: { matchLabels: { id: name } } } });

export function mailboxChecks(runner: Runner, server: ServerChecks, espw: EspwChecks, imws: Promise<Imw[]>): Promise<Pair[]> {
  let espwChildren: Promise<Workspace[]> | undefined;
  const childrenOfEspw = async (root: ApiClient) => {
    if ((await espw.workspace.result).status !== 'pass') return [];
    espwChildren ??= root.forWorkspace(ESPW_PATH).list<Workspace>(WORKSPACES).then((l) => l.items);
    return espwChildren;
  };

  const perImw = async (imw: Imw): Promise<Pair[]> => {
    const cred = (await server.credentials.value)!;
    const { root } = cred;
    const inventory = runner.add<{ sts: SyncTarget[]; locs: Location[] }>({
      name: `IMW ${imw.path} inventory`,
      order: [S, imw.path],
      needs: [imw.binding],
      run: async () => {
        const c = root.forWorkspace(imw.path);
        const [sts, locs] = await Promise.all([c.list<SyncTarget>(SYNCTARGETS), c.list<Location>(LOCATIONS)]);
        const names = sts.items.map((s) => s.metadata.name);
        return { detail: `${names.length} SyncTargets${names.length ? ` (${names.join(', ')})` : ''}, ${locs.items.length} Locations`, value: { sts: sts.items, locs: locs.items } };
      },
    });
    const inv = await inventory.value;
    if (!inv) return [];
    const names = [...new Set([...inv.sts.map((s) => s.metadata.name), ...inv.locs.map((l) => l.metadata.name)])].filter((n) => n !== 'default').sort();
    const pairs: Pair[] = [];
    for (const name of names) {
      const st = inv.sts.find((s) => s.metadata.name === name);
      const loc = inv.locs.find((l) => l.metadata.name === name);
      const subject = `${imw.path} ${name}`;
      const prep = `kubectl kubestellar prep-for-syncer --imw ${imw.path} ${name}`;
      runner.add<void>({
        name: `SyncTarget/Location ${subject}`,
        order: [S, imw.path, name, 0],
        needs: [inventory],
        run: async () => {
          const problems = pairProblems(name, st, loc);
          if (problems.length) {
            const labels = { ...(loc?.metadata.labels ?? {}), ...(st?.metadata.labels ?? {}) };
            delete labels.id;
            const fixes: string[] = [];
            if (problems.some((p) => p.repair === 'patch')) fixes.push(`${kubectlIn(root, imw.path)} patch location ${name} --type=merge -p '${locationSpecPatch(name)}'`);
            if (problems.some((p) => p.repair === 'ensure')) fixes.push(`kubectl kubestellar ensure location --imw ${imw.path} ${name} ${labelText(labels) || '<key=value>'}`);
            return fail(problems.map((p) => p.text).join('; '), fixes.join(' && '));
          }
          return { detail: `consistent; labels ${labelText((st as Labelled).metadata.labels ?? {})}` };
        },
      });
      if (!st) continue;

      const mailbox = runner.add<Mailbox>({
        name: `mailbox of ${subject}`,
        order: [S, imw.path, name, 1],
        needs: [inventory],
        run: async () => {
          const cluster = st.metadata.annotations?.['kcp.io/cluster'];
          if (!cluster || !st.metadata.uid) return fail(`SyncTarget ${name} has no kcp.io/cluster annotation or uid`, `kubectl kubestellar ensure location --imw ${imw.path} ${name} ...`);
          const mbName = mailboxName(cluster, st.metadata.uid);
          const underRoot = cred.children.find((w) => w.metadata.name === mbName);
          const underEspw = underRoot ? undefined : (await childrenOfEspw(root)).find((w) => w.metadata.name === mbName);
          const ws = underRoot ?? underEspw;
          if (!ws) return fail(`no mailbox workspace ${mbName} under root (v0.14) or ${ESPW_PATH} (older cores): is the mailbox-controller running?`, 'kubestellar start   # the mailbox-controller makes it');
          const path = underRoot ? `root:${mbName}` : `${ESPW_PATH}:${mbName}`;
          const where = underRoot ? 'under root (as v0.14 makes it)' : `under ${ESPW_PATH} (as older cores did)`;
          if (ws.status?.phase !== 'Ready') return fail(`mailbox workspace ${path} is ${ws.status?.phase ?? 'not ready'}`, 'kubestellar start   # the mailbox-controller finishes it');
          const annotated = ws.metadata.annotations?.[MAILBOX_ANNOTATION];
          if (annotated !== undefined && annotated !== name) return fail(`mailbox workspace ${path} is annotated for SyncTarget ${annotated}, not ${name}`, `${kubectlIn(root, path.slice(0, path.lastIndexOf(':')))} delete workspace ${mbName}   # the mailbox-controller makes it again`);
          const client = root.forWorkspace(path);
          const b = await client.find<Binding>(APIBINDINGS, EDGE_BINDING);
          const problem = bindingProblem(b, EDGE_BINDING, ESPW_PATH, EDGE_EXPORT);
          if (problem) return fail(`${path}: ${problem}`, 'kubestellar start   # the mailbox-controller binds the edge API there');
          return { detail: `${path}, ${where}, Ready, ${EDGE_BINDING} Bound`, value: { path, client } };
        },
      });

      const syncer = runner.add<Syncer>({
        name: `syncer identity of ${subject}`,
        order: [S, imw.path, name, 2],
        needs: [mailbox],
        run: async () => {
          const { client, path } = (await mailbox.value)!;
          // v0.14 derives the id's suffix from a fresh UUID, ours from the SyncTarget's uid: take ours if there, else the newest of that prefix
          const exact = syncerId(name, st.metadata.uid!);
          const prefix = exact.slice(0, exact.lastIndexOf('-') + 1);
          const sas = (await client.list(SERVICEACCOUNTS, { namespace: SYNCER_NAMESPACE })).items.filter((s) => s.metadata.name.startsWith(prefix) && s.metadata.name.length === exact.length);
          sas.sort((a, b) => (a.metadata.name === exact ? -1 : b.metadata.name === exact ? 1 : String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp))));
          if (!sas.length) return fail(`no syncer ServiceAccount ${prefix}… in ${path}: prep-for-syncer has not run for ${name}`, prep);
          const id = sas[0].metadata.name;
          const [role, binding] = await Promise.all([client.find(CLUSTERROLES, id), client.find<KubeObject & { roleRef?: { name?: string } }>(CLUSTERROLEBINDINGS, id)]);
          const missing = [!role && `ClusterRole ${id}`, !binding && `ClusterRoleBinding ${id}`, binding && binding.roleRef?.name !== id && `ClusterRoleBinding ${id} refers to ${binding.roleRef?.name}`].filter(Boolean);
          if (missing.length) return fail(`${missing.join(', ')} missing in ${path}`, prep);
          return { detail: `ServiceAccount, ClusterRole and ClusterRoleBinding ${id}`, value: { id } };
        },
      });

      runner.add<void>({
        name: `syncer token of ${subject}`,
        order: [S, imw.path, name, 3],
        needs: [syncer],
        run: async () => {
          const { client, path } = (await mailbox.value)!;
          const { id } = (await syncer.value)!;
          const secret = await client.find<KubeObject & { data?: Record<string, string> }>(SECRETS, `${id}-token`, SYNCER_NAMESPACE);
          if (!secret) return fail(`no token Secret ${id}-token in ${path}`, `${prep}   # then apply the new manifest to the WEC`);
          if (!secret.data?.token) return fail(`Secret ${id}-token in ${path} holds no token (is it of type kubernetes.io/service-account-token?)`, `${prep}   # then apply the new manifest to the WEC`);
          const token = Buffer.from(secret.data.token, 'base64').toString('utf8');
          const probe = new ApiClient({ ...client.conn, token, cert: undefined, key: undefined, basicAuth: undefined, dynamicAuth: undefined }, { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 });
          try {
            await probe.get(SERVICEACCOUNTS, id, SYNCER_NAMESPACE);
          } catch (err) {
            return fail(`the mailbox workspace rejects the token in ${id}-token: ${(err as Error).message}`, `${prep}   # then apply the new manifest to the WEC`);
          } finally {
            probe.close();
          }
          return { detail: `Secret ${id}-token, token accepted in ${path}` };
        },
      });

      runner.add<void>({
        name: `EdgeSyncConfig of ${subject}`,
        order: [S, imw.path, name, 4],
        needs: [mailbox],
        run: async () => {
          const { client, path } = (await mailbox.value)!;
          if (!(await client.find(EDGESYNCCONFIGS, name))) return fail(`no EdgeSyncConfig ${name} in ${path}`, prep);
          return { detail: `${name} in ${path}` };
        },
      });

      runner.add<void>({
        name: `SyncerConfig of ${subject}`,
        order: [S, imw.path, name, 5],
        needs: [mailbox],
        run: async () => {
          const { client, path } = (await mailbox.value)!;
          const items = (await client.list(SYNCERCONFIGS)).items.map((o) => o.metadata.name);
          if (!items.length) return fail(`no SyncerConfig in ${path}: the placement-translator makes "the-one" there`, 'kubestellar start   # starts the placement-translator');
          return { detail: `${items.join(', ')} in ${path}` };
        },
      });
      pairs.push({ imw: imw.path, name, mailbox, syncer });
    }
    return pairs;
  };

  return imws.then(async (list) => (await Promise.all(list.map(perImw))).flat());
}
