// node dump-state.mjs KUBECONFIG: the objects the walkthrough makes, one JSON line each,
// sorted, with what differs between runs by chance (uids, logical cluster names,
// timestamps, the syncer ID's hash, default binding names) replaced, so two runs' dumps can be diffed. Reads
// with plain HTTPS (a test fixture, not the product; nine kubectl calls took 3 s a run).
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parse } from 'yaml';

const kc = parse(readFileSync(process.argv[2], 'utf8'));
const ctx = kc.contexts.find((c) => c.name === kc['current-context']).context;
const cluster = kc.clusters.find((c) => c.name === ctx.cluster).cluster;
const user = kc.users.find((u) => u.name === ctx.user).user;
const base = new URL(cluster.server).origin;
const agent = new https.Agent({ ca: Buffer.from(cluster['certificate-authority-data'], 'base64'), keepAlive: true });

function get(path) {
  return new Promise((resolve, reject) => {
    https
      .get(`${base}${path}`, { agent, headers: { Authorization: `Bearer ${user.token}` } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${path}: ${res.statusCode} ${body.slice(0, 200)}`))));
      })
      .on('error', reject);
  });
}

const T = {
  workspaces: '/apis/tenancy.kcp.io/v1alpha1/workspaces',
  apiexports: '/apis/apis.kcp.io/v1alpha1/apiexports',
  apibindings: '/apis/apis.kcp.io/v1alpha1/apibindings',
  apiresourceschemas: '/apis/apis.kcp.io/v1alpha1/apiresourceschemas',
  clusterroles: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  clusterrolebindings: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  serviceaccounts: '/api/v1/serviceaccounts',
  synctargets: '/apis/edge.kubestellar.io/v2alpha1/synctargets',
  locations: '/apis/edge.kubestellar.io/v2alpha1/locations',
};
const mbOf = async (ws) => (await get(`/clusters/${ws}${T.workspaces}`)).items.map((w) => w.metadata.name).find((n) => n.includes('-mb-'));
// the mailbox workspace is a child of root in v0.14, of the ESPW in older cores
const mb = (await mbOf('root')) ? `root:${await mbOf('root')}` : `root:espw:${await mbOf('root:espw')}`;
const plan = {
  root: ['workspaces'],
  'root:espw': ['workspaces', 'apiexports', 'apiresourceschemas'],
  'root:compute': ['apiexports', 'apiresourceschemas', 'clusterroles', 'clusterrolebindings'],
  'root:imw1': ['synctargets', 'locations', 'apibindings'],
  'root:wmw1': ['apibindings'],
  'root:wmw-c': ['apibindings'],
  [mb]: ['serviceaccounts', 'clusterroles', 'clusterrolebindings', 'apibindings'],
};
const lines = [];
for (const [ws, types] of Object.entries(plan)) {
  for (const t of types) {
    for (const o of (await get(`/clusters/${ws}${T[t]}`)).items) {
      delete o.status;
      delete o.secrets;
      for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'annotations', 'ownerReferences']) delete o.metadata[k];
      if (o.spec) delete o.spec.cluster, delete o.spec.URL;
      lines.push(JSON.stringify({ ws, t, o }));
    }
  }
}
agent.destroy();
// kcp names a workspace's default APIBindings `<export>-<hash of the logical cluster>`
const scrub = (s) =>
  s
    .replace(/[a-z0-9]{16}-mb-[0-9a-f-]{36}/g, 'MAILBOX')
    .replace(/kubestellar-syncer-florin-[a-z0-9]{8}/g, 'SYNCER-ID')
    .replace(/("name":"[a-z.]+\.kcp\.io)-[a-z0-9]{5}"/g, '$1-HASH"')
    // an export's identity is random per server, and a binding's label carries its hash
    .replace(/("internal\.apis\.kcp\.io\/export":")[A-Za-z0-9]+"/g, '$1IDENTITY"');
process.stdout.write(lines.map(scrub).sort().join('\n') + '\n');
