// prep-for-syncer, natively: find the SyncTarget's mailbox workspace (made by the
// mailbox controller), give the syncer an identity and RBAC there (owned by the
// EdgeSyncConfig named after the SyncTarget, as v0.14's generator does), wait for its
// token, and build the WEC manifest (seven objects). Manifest building is pure and separate.
import { createHash } from 'node:crypto';
import { ApiError, CommandError, isApiError } from '../cli/errors.ts';
import type { ApiClient } from '../kcp/client.ts';
import { APIEXPORTS, CLUSTERROLEBINDINGS, CLUSTERROLES, SECRETS, SERVICEACCOUNTS, SYNCTARGETS, type KubeObject, type ResourceType } from '../kcp/resources.ts';
import type { Print, WorkspaceSession } from '../kcp/session.ts';
import { EDGE_EXPORT, waitBound } from './location.ts';
import { EDGE_BINDING, findMailbox, mailboxName, MAILBOX_ANNOTATION } from './mailbox.ts';
import { poll } from '../util/poll.ts';
import { loadYaml } from '../util/yaml.ts';

export { defaultSyncerImage } from './syncer-image.ts';

export const EDGESYNCCONFIGS: ResourceType = { group: 'edge.kubestellar.io', version: 'v2alpha1', resource: 'edgesyncconfigs', kind: 'EdgeSyncConfig', namespaced: false };
const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
/** where the syncer's ServiceAccount and token live in the mailbox workspace */
export const KCP_NAMESPACE = 'default';

/** `kubestellar-syncer-<name>-<first 8 base-36 digits of SHA-224(uid)>`, stable per SyncTarget. */
export function syncerId(name: string, uid: string): string {
  const digest = createHash('sha224').update(uid).digest('hex');
  return `kubestellar-syncer-${name}-${BigInt('0x' + digest).toString(36).slice(0, 8)}`;
}

export interface ManifestInput {
  syncerId: string;
  syncTargetName: string;
  syncTargetUid: string;
  /** scheme://host:port of the core */
  serverUrl: string;
  /** base64 PEM of the CA; absent: the syncer trusts its system roots (never verification off) */
  caData?: string;
  token: string;
  image: string;
}

/** The kubeconfig the syncer uses: the core's scheme://host:port (the syncer addresses its mailbox workspace by cluster path), CA, token. */
export function syncerKubeconfig(input: ManifestInput): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'default-cluster',
        cluster: {
          ...(input.caData ? { 'certificate-authority-data': input.caData } : {}),
          server: input.serverUrl,
        },
      },
    ],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', namespace: KCP_NAMESPACE, user: 'default-user' } }],
    'current-context': 'default-context',
    users: [{ name: 'default-user', user: { token: input.token } }],
  };
}

/** The seven WEC objects: Namespace, ServiceAccount, its token Secret, ClusterRole, ClusterRoleBinding, kubeconfig Secret, Deployment. */
export function manifestObjects(input: ManifestInput, kubeconfigText: string): KubeObject[] {
  const id = input.syncerId;
  const ns = id;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: id, namespace: ns } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${id}-token`, namespace: ns, annotations: { [SA_NAME_ANNOTATION]: id } },
      type: SA_TOKEN_TYPE,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: id },
      rules: [
        { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['*'] },
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: id },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: id },
      subjects: [{ kind: 'ServiceAccount', name: id, namespace: ns }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: id, namespace: ns },
      stringData: { kubeconfig: kubeconfigText },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: id, namespace: ns },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { app: id } },
        template: {
          metadata: { labels: { app: id } },
          spec: {
            containers: [
              {
                name: 'kubestellar-syncer',
                args: [
                  '--from-kubeconfig=/kubestellar/kubeconfig',
                  `--sync-target-name=${input.syncTargetName}`,
                  `--sync-target-uid=${input.syncTargetUid}`,
                  '--qps=20',
                  '--burst=30',
                  '--v=3',
                ],
                env: [{ name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
                image: input.image,
                imagePullPolicy: 'IfNotPresent',
                terminationMessagePolicy: 'FallbackToLogsOnError',
                volumeMounts: [{ name: 'kubestellar-config', mountPath: '/kubestellar/', readOnly: true }],
              },
            ],
            serviceAccountName: id,
            volumes: [{ name: 'kubestellar-config', secret: { secretName: id, optional: false } }],
          },
        },
      },
    },
  ];
}


/** The manifest text: the seven objects as one multi-document YAML stream. */
export async function renderManifest(input: ManifestInput): Promise<string> {
  const yaml = await loadYaml();
  const opts = { lineWidth: 0 };
  const kc = yaml.stringify(syncerKubeconfig(input), opts);
  return manifestObjects(input, kc)
    .map((o) => '---\n' + yaml.stringify(o, opts))
    .join('');
}

/** The syncer's rules in its mailbox workspace, as v0.14's generator writes them. */
export function mailboxRules(): Record<string, unknown>[] {
  return [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['/'], verbs: ['access'] },
  ];
}

export interface PrepOptions {
  imw?: string;
  espw: string;
  syncTarget: string;
  image: string;
  /** kubectl ws lines */
  printWs: Print;
  /** the syncer generator's progress lines */
  info: Print;
  mailboxTimeoutMs?: number;
  tokenTimeoutMs?: number;
  /** base64 PEM CA for the syncer's kubeconfig (see syncerTrust); absent: system roots */
  caData?: string;
}

export interface Prepared {
  syncerId: string;
  mailboxPath: string;
  /** absent in a dry run */
  manifest?: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}
type Owned = KubeObject;
const ownersOf = (o: Owned | undefined) => (o?.metadata.ownerReferences ?? []) as OwnerRef[];
const ownedBy = (o: Owned | undefined, ref: OwnerRef) => ownersOf(o).some((r) => r.uid === ref.uid);
/** The object's owner references with `ref` added (v0.14 adds it when its UID is absent). */
const withOwner = (o: Owned | undefined, ref: OwnerRef): OwnerRef[] => [...ownersOf(o).filter((r) => r.uid !== ref.uid), ref];

/** The EdgeSyncConfig named after the SyncTarget in the mailbox workspace: found or created; it owns the syncer's identity. */
async function ensureEdgeSyncConfig(client: ApiClient, stName: string, dry: boolean): Promise<OwnerRef> {
  let esc = await client.find(EDGESYNCCONFIGS, stName);
  if (!esc) {
    try {
      esc = await client.create(EDGESYNCCONFIGS, { metadata: { name: stName }, spec: {} }, { dryRun: dry });
    } catch (err) {
      if (isApiError(err, 'NotFound')) {
        throw new CommandError(`the mailbox workspace ${client.workspace} does not serve edgesyncconfigs.edge.kubestellar.io: the edge APIExport that bind-edge binds lacks the EdgeSyncConfig kind`, err.exitCode);
      }
      if (!isApiError(err, 'AlreadyExists')) throw err;
      esc = await client.get(EDGESYNCCONFIGS, stName);
    }
  }
  return { apiVersion: `${EDGESYNCCONFIGS.group}/${EDGESYNCCONFIGS.version}`, kind: EDGESYNCCONFIGS.kind, name: stName, uid: esc.metadata.uid ?? '' };
}

/** Ensures SA, ClusterRole, ClusterRoleBinding and token Secret in the mailbox workspace, each owned by the EdgeSyncConfig; returns the token. */
async function ensureIdentity(client: ApiClient, id: string, stName: string, dry: boolean, info: Print, tokenTimeoutMs: number): Promise<string | undefined> {
  const ns = KCP_NAMESPACE;
  const owner = await ensureEdgeSyncConfig(client, stName, dry);
  const [sa, cr, crb, secret] = await Promise.all([
    client.find<Owned>(SERVICEACCOUNTS, id, ns),
    client.find<Owned & { rules?: unknown }>(CLUSTERROLES, id),
    client.find<Owned & { roleRef?: unknown; subjects?: unknown }>(CLUSTERROLEBINDINGS, id),
    client.find<Owned & { data?: Record<string, string> }>(SECRETS, `${id}-token`, ns),
  ]);
  const mark = dry ? ' (dry run)' : '';
  const opts = { dryRun: dry };
  if (!sa) {
    info(`Creating service account ${JSON.stringify(id)}${mark}`);
    await client.create(SERVICEACCOUNTS, { metadata: { name: id, namespace: ns, ownerReferences: [owner] } }, opts);
  } else if (!ownedBy(sa, owner)) {
    info(`Updating service account ${JSON.stringify(id)}.${mark}`);
    await client.patch(SERVICEACCOUNTS, id, { metadata: { ownerReferences: withOwner(sa, owner) } }, { namespace: ns, ...opts });
  }
  const rules = mailboxRules();
  const roleLines = (verb: string) =>
    `${verb} cluster role ${JSON.stringify(id)} to give service account ${JSON.stringify(id)}${mark}\n\n 1. write and sync access to the synctarget ${JSON.stringify(id)}\n 2. write access to apiresourceimports.\n`;
  if (!cr) {
    info(roleLines('Creating'));
    await client.create(CLUSTERROLES, { metadata: { name: id, ownerReferences: [owner] }, rules }, opts);
  } else if (!same(cr.rules, rules) || !ownedBy(cr, owner)) {
    info(roleLines('Updating'));
    await client.update(CLUSTERROLES, { ...cr, metadata: { ...cr.metadata, ownerReferences: withOwner(cr, owner) }, rules }, opts);
  }
  const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: id };
  const subjects = [{ kind: 'ServiceAccount', name: id, namespace: ns }];
  info(`Creating or updating cluster role binding ${JSON.stringify(id)} to bind service account ${JSON.stringify(id)} to cluster role ${JSON.stringify(id)}.${mark}\n`);
  if (!crb) await client.create(CLUSTERROLEBINDINGS, { metadata: { name: id, ownerReferences: [owner] }, roleRef, subjects }, opts);
  else if (!same(crb.subjects, subjects) || !same(crb.roleRef, roleRef) || !ownedBy(crb, owner)) {
    await client.update(CLUSTERROLEBINDINGS, { ...crb, metadata: { ...crb.metadata, ownerReferences: withOwner(crb, owner) }, roleRef, subjects }, opts);
  }

  if (!secret) {
    await client.create(
      SECRETS,
      { metadata: { name: `${id}-token`, namespace: ns, annotations: { [SA_NAME_ANNOTATION]: id }, ownerReferences: [owner] }, type: SA_TOKEN_TYPE },
      opts,
    );
  } else if (!ownedBy(secret, owner)) {
    await client.patch(SECRETS, `${id}-token`, { metadata: { ownerReferences: withOwner(secret, owner) } }, { namespace: ns, ...opts });
  }
  if (dry) return undefined;
  const tokenOf = (s?: { data?: Record<string, string> }) => (s?.data?.token ? Buffer.from(s.data.token, 'base64').toString('utf8') : undefined);
  const token = tokenOf(secret) ?? (await poll(async () => tokenOf(await client.find<KubeObject & { data?: Record<string, string> }>(SECRETS, `${id}-token`, ns)), tokenTimeoutMs));
  if (!token) throw new ApiError('Timeout', `the token of service account ${JSON.stringify(id)} did not appear in secret ${JSON.stringify(`${id}-token`)} within ${Math.round(tokenTimeoutMs / 1000)} s`);
  return token;
}

/** Exit status when the mailbox workspace never appears (v0.14's prep-for-syncer). */
export const NO_MAILBOX_EXIT = 5;
/** Exit status when --espw names a workspace without the edge APIExport. */
export const NOT_ESPW_EXIT = 2;

/**
 * Moves to the IMW (when given), reads the SyncTarget, moves to the ESPW and checks it
 * is one, moves to root, waits for the mailbox workspace (a child of root as v0.14 makes
 * it, or of the ESPW as older cores did) and enters it, ensures the syncer's identity
 * there, and renders the manifest. The caller restores the starting workspace.
 */
export async function prepareSyncer(session: WorkspaceSession, opts: PrepOptions): Promise<Prepared> {
  const dry = session.dryRun;
  if (opts.imw !== undefined) await session.enter(opts.imw, opts.printWs);
  const imwPath = session.path;
  const st = await session.client.find(SYNCTARGETS, opts.syncTarget);
  if (!st) throw new CommandError(`SyncTarget ${JSON.stringify(opts.syncTarget)} not found in workspace ${JSON.stringify(imwPath)}`, 3);
  const cluster = st.metadata.annotations?.['kcp.io/cluster'];
  const uid = st.metadata.uid;
  if (!cluster || !uid) throw new CommandError(`SyncTarget ${JSON.stringify(opts.syncTarget)} in ${JSON.stringify(imwPath)} has no kcp.io/cluster annotation or uid`);
  const mbName = mailboxName(cluster, uid);

  await session.enter(opts.espw, opts.printWs);
  const espwPath = session.path;
  if (!(await session.client.find(APIEXPORTS, EDGE_EXPORT))) {
    throw new CommandError(`it looks like ${JSON.stringify(espwPath)} is not the edge service provider workspace: it has no APIExport ${JSON.stringify(EDGE_EXPORT)}`, NOT_ESPW_EXIT);
  }
  await session.enter('root', opts.printWs);
  const timeoutMs = dry ? 0 : (opts.mailboxTimeoutMs ?? 70_000);
  const deadline = Date.now() + timeoutMs;
  const found = await findMailbox(session, mbName, espwPath, timeoutMs);
  if (!found) {
    throw new CommandError(
      `did not find the mailbox workspace ${JSON.stringify(mbName)} in root or ${JSON.stringify(espwPath)} for SyncTarget ${JSON.stringify(opts.syncTarget)}${dry ? '' : ` within ${Math.round(timeoutMs / 1000)} s`}; is the mailbox controller running?`,
      NO_MAILBOX_EXIT,
    );
  }
  const annotated = found.workspace.metadata.annotations?.[MAILBOX_ANNOTATION];
  if (annotated !== undefined && annotated !== opts.syncTarget) {
    throw new CommandError(`mailbox workspace ${JSON.stringify(mbName)} is annotated for SyncTarget ${JSON.stringify(annotated)}, not ${JSON.stringify(opts.syncTarget)}`);
  }
  // From root by name, as `kubectl ws NAME` (its line shows the type); an older core's by path.
  await session.enter(found.path === `root:${mbName}` ? mbName : found.path, opts.printWs);
  const mailboxPath = session.path;
  // The EdgeSyncConfig kind reaches the mailbox through the controller's bind-edge binding.
  await waitBound(session.client, EDGE_BINDING, dry ? 0 : Math.max(deadline - Date.now(), 5_000)).catch((err: unknown) => {
    if (isApiError(err, 'Timeout')) throw new CommandError(`the mailbox workspace ${JSON.stringify(mailboxPath)} has no bound APIBinding "bind-edge"; is the mailbox controller running?`, NO_MAILBOX_EXIT);
    throw err;
  });
  const id = syncerId(opts.syncTarget, uid);
  const token = await ensureIdentity(session.client, id, opts.syncTarget, dry, opts.info, opts.tokenTimeoutMs ?? 20_000);
  if (dry || token === undefined) return { syncerId: id, mailboxPath };

  const conn = session.client.conn;
  const u = new URL(conn.server);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const manifest = await renderManifest({
    syncerId: id,
    syncTargetName: opts.syncTarget,
    syncTargetUid: uid,
    serverUrl: `${u.protocol}//${u.hostname}:${port}`, // URL.hostname keeps an IPv6 address's brackets
    caData: opts.caData,
    token,
    image: opts.image,
  });
  return { syncerId: id, mailboxPath, manifest };
}

/** The generator's closing lines after writing the manifest to `file`. */
export function wroteMessage(file: string, id: string): string {
  return `Wrote WEC manifest to ${file} for namespace ${JSON.stringify(id)}. Use

  KUBECONFIG=<workload-execution-cluster-config> kubectl apply -f ${JSON.stringify(file)}

to apply it. Use

  KUBECONFIG=<workload-execution-cluster-config> kubectl get deployment -n ${JSON.stringify(id)} ${id}

to verify the syncer pod is running.`;
}

export { isApiError };
