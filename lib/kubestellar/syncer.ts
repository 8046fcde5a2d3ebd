// prep-for-syncer, natively: find the SyncTarget's mailbox workspace (made by the
// mailbox controller), give the syncer an identity and RBAC there, wait for its token,
// and build the WEC manifest (seven objects). Manifest building is pure and separate.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, CommandError, isApiError } from '../cli/errors.ts';
import type { ApiClient } from '../kcp/client.ts';
import { APIEXPORTS, CLUSTERROLEBINDINGS, CLUSTERROLES, SECRETS, SERVICEACCOUNTS, SYNCTARGETS, WORKSPACES, type KubeObject, type Workspace } from '../kcp/resources.ts';
import type { Print, WorkspaceSession } from '../kcp/session.ts';
import { EDGE_EXPORT } from './location.ts';

export const DEFAULT_SYNCER_IMAGE = 'quay.io/kubestellar/syncer:latest';
export const MAILBOX_ANNOTATION = 'edge.kubestellar.io/sync-target-name';
const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const KCP_NAMESPACE = 'default';

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
  /** base64 PEM of the CA, when the connection has one */
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
          ...(input.caData ? { 'certificate-authority-data': input.caData } : { 'insecure-skip-tls-verify': true }),
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
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
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

type YamlModule = typeof import('yaml');
async function loadYaml(): Promise<YamlModule> {
  const m = (await import('yaml')) as YamlModule & { default?: YamlModule };
  return typeof m.stringify === 'function' ? m : m.default!;
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

/** The mailbox workspace's rules: the SyncTarget's sync, apiresourceimports, and the workload objects. */
export function mailboxRules(syncTargetName: string): Record<string, unknown>[] {
  return [
    { apiGroups: ['edge.kubestellar.io'], resources: ['synctargets'], resourceNames: [syncTargetName], verbs: ['sync', 'get', 'list', 'watch', 'update', 'patch'] },
    { apiGroups: ['edge.kubestellar.io'], resources: ['synctargets/status'], resourceNames: [syncTargetName], verbs: ['get', 'update', 'patch'] },
    { apiGroups: ['apiresource.kcp.io'], resources: ['apiresourceimports'], verbs: ['*'] },
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
}

export interface Prepared {
  syncerId: string;
  mailboxPath: string;
  /** absent in a dry run */
  manifest?: string;
}

async function poll<T>(what: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const v = await what();
    if (v !== undefined) return v;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(delay, left));
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Ensures SA, ClusterRole, ClusterRoleBinding and token Secret in the mailbox workspace; returns the token. */
async function ensureIdentity(client: ApiClient, id: string, stName: string, dry: boolean, info: Print, tokenTimeoutMs: number): Promise<string | undefined> {
  const ns = KCP_NAMESPACE;
  const [sa, cr, crb, secret] = await Promise.all([
    client.find(SERVICEACCOUNTS, id, ns),
    client.find<KubeObject & { rules?: unknown }>(CLUSTERROLES, id),
    client.find<KubeObject & { roleRef?: unknown; subjects?: unknown }>(CLUSTERROLEBINDINGS, id),
    client.find<KubeObject & { data?: Record<string, string> }>(SECRETS, `${id}-token`, ns),
  ]);
  const mark = dry ? ' (dry run)' : '';
  if (!sa) {
    info(`Creating service account ${JSON.stringify(id)}${mark}`);
    await client.create(SERVICEACCOUNTS, { metadata: { name: id, namespace: ns } }, { dryRun: dry });
  }
  const rules = mailboxRules(stName);
  if (!cr) {
    info(`Creating cluster role ${JSON.stringify(id)} to give service account ${JSON.stringify(id)}${mark}\n\n 1. write and sync access to the synctarget ${JSON.stringify(id)}\n 2. write access to apiresourceimports.\n`);
    await client.create(CLUSTERROLES, { metadata: { name: id }, rules }, { dryRun: dry });
  } else if (!same(cr.rules, rules)) {
    info(`Updating cluster role ${JSON.stringify(id)} to give service account ${JSON.stringify(id)}${mark}\n\n 1. write and sync access to the synctarget ${JSON.stringify(id)}\n 2. write access to apiresourceimports.\n`);
    await client.update(CLUSTERROLES, { ...cr, rules }, { dryRun: dry });
  }
  const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: id };
  const subjects = [{ kind: 'ServiceAccount', name: id, namespace: ns }];
  info(`Creating or updating cluster role binding ${JSON.stringify(id)} to bind service account ${JSON.stringify(id)} to cluster role ${JSON.stringify(id)}.${mark}\n`);
  if (!crb) await client.create(CLUSTERROLEBINDINGS, { metadata: { name: id }, roleRef, subjects }, { dryRun: dry });
  else if (!same(crb.subjects, subjects) || !same(crb.roleRef, roleRef)) await client.update(CLUSTERROLEBINDINGS, { ...crb, roleRef, subjects }, { dryRun: dry });

  if (!secret) {
    await client.create(
      SECRETS,
      { metadata: { name: `${id}-token`, namespace: ns, annotations: { [SA_NAME_ANNOTATION]: id } }, type: SA_TOKEN_TYPE },
      { dryRun: dry },
    );
  }
  if (dry) return undefined;
  const tokenOf = (s?: { data?: Record<string, string> }) => (s?.data?.token ? Buffer.from(s.data.token, 'base64').toString('utf8') : undefined);
  const token = tokenOf(secret) ?? (await poll(async () => tokenOf(await client.find<KubeObject & { data?: Record<string, string> }>(SECRETS, `${id}-token`, ns)), tokenTimeoutMs));
  if (!token) throw new ApiError('Timeout', `the token of service account ${JSON.stringify(id)} did not appear in secret ${JSON.stringify(`${id}-token`)} within ${Math.round(tokenTimeoutMs / 1000)} s`);
  return token;
}

/**
 * Moves to the IMW (when given), reads the SyncTarget, moves to the ESPW, waits for the
 * mailbox workspace and enters it, ensures the syncer's identity there, and renders the
 * manifest. The caller restores the starting workspace.
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
  const mbName = `${cluster}-mb-${uid}`;

  await session.enter(opts.espw, opts.printWs);
  const espwPath = session.path;
  const espw = session.client;
  if (!(await espw.find(APIEXPORTS, EDGE_EXPORT))) {
    throw new CommandError(`it looks like ${JSON.stringify(espwPath)} is not the edge service provider workspace: it has no APIExport ${JSON.stringify(EDGE_EXPORT)}`);
  }
  const timeoutMs = dry ? 0 : (opts.mailboxTimeoutMs ?? 70_000);
  const mb = await poll(async () => {
    const ws = await espw.find<Workspace>(WORKSPACES, mbName);
    return ws?.status?.phase === 'Ready' ? ws : undefined;
  }, timeoutMs);
  if (!mb) {
    throw new ApiError(
      'Timeout',
      `did not find the mailbox workspace ${JSON.stringify(`${espwPath}:${mbName}`)} for SyncTarget ${JSON.stringify(opts.syncTarget)}${dry ? '' : ` within ${Math.round(timeoutMs / 1000)} s`}; is the mailbox controller running?`,
    );
  }
  const annotated = mb.metadata.annotations?.[MAILBOX_ANNOTATION];
  if (annotated !== undefined && annotated !== opts.syncTarget) {
    throw new CommandError(`mailbox workspace ${JSON.stringify(mbName)} is annotated for SyncTarget ${JSON.stringify(annotated)}, not ${JSON.stringify(opts.syncTarget)}`);
  }
  await session.enter(mbName, opts.printWs);
  const mailboxPath = session.path;
  const id = syncerId(opts.syncTarget, uid);
  const token = await ensureIdentity(session.client, id, opts.syncTarget, dry, opts.info, opts.tokenTimeoutMs ?? 20_000);
  if (dry || token === undefined) return { syncerId: id, mailboxPath };

  const conn = session.client.conn;
  const u = new URL(conn.server);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const manifest = await renderManifest(
    {
      syncerId: id,
      syncTargetName: opts.syncTarget,
      syncTargetUid: uid,
      serverUrl: `${u.protocol}//${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${port}`,
      caData: conn.ca ? conn.ca.toString('base64') : undefined,
      token,
      image: opts.image,
    },
  );
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
