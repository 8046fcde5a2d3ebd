// Who is calling: the bearer tokens of admin.kubeconfig (kcp-admin and the shard admin
// `system:admin`), and service-account tokens the sandbox issues, each valid only in
// the logical cluster it was issued in (as kcp's clusterName claim makes them).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { StatusError, unauthorized, type KObj } from './util.ts';

export interface AuthState {
  adminToken: string;
  shardAdminToken: string;
  signingKey: string;
}

export function newAuthState(): AuthState {
  return { adminToken: randomUUID(), shardAdminToken: randomUUID(), signingKey: randomUUID() + randomUUID() };
}

export interface User {
  name: string;
  groups: string[];
  shardAdmin: boolean;
  /** service accounts: the logical cluster the token belongs to */
  cluster?: string;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export interface SATokenClaims {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  serviceAccountUid: string;
  secretName: string;
}

export function signServiceAccountToken(state: AuthState, c: SATokenClaims): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: 'kubestellar-sandbox' }));
  const payload = b64url(
    JSON.stringify({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': c.namespace,
      'kubernetes.io/serviceaccount/secret.name': c.secretName,
      'kubernetes.io/serviceaccount/service-account.name': c.serviceAccount,
      'kubernetes.io/serviceaccount/service-account.uid': c.serviceAccountUid,
      'kubernetes.io/serviceaccount/clusterName': c.cluster,
      sub: `system:serviceaccount:${c.namespace}:${c.serviceAccount}`,
    }),
  );
  const sig = createHmac('sha256', state.signingKey).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}

function verifyServiceAccountToken(state: AuthState, token: string): KObj | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const want = createHmac('sha256', state.signingKey).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const eq = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The user behind an Authorization header for a request to `cluster` ('*' for all).
 * `secretHolds(cluster, ns, secretName, token)` says whether the token's secret still exists.
 */
export function authenticate(
  state: AuthState,
  header: string | undefined,
  cluster: string | undefined,
  secretHolds: (cluster: string, ns: string, name: string, token: string) => boolean,
): User {
  const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!m) throw unauthorized();
  const token = m[1];
  if (eq(token, state.shardAdminToken)) return { name: 'shard-admin', groups: ['system:masters', 'system:authenticated'], shardAdmin: true };
  if (eq(token, state.adminToken)) return { name: 'kcp-admin', groups: ['system:kcp:admin', 'system:authenticated'], shardAdmin: false };
  const claims = verifyServiceAccountToken(state, token);
  if (!claims) throw unauthorized();
  const tokenCluster = claims['kubernetes.io/serviceaccount/clusterName'];
  const ns = claims['kubernetes.io/serviceaccount/namespace'];
  const secret = claims['kubernetes.io/serviceaccount/secret.name'];
  if (!secretHolds(tokenCluster, ns, secret, token)) throw unauthorized();
  if (cluster !== undefined && cluster !== tokenCluster) {
    // kcp: a service account token authenticates only in its own logical cluster
    throw unauthorized();
  }
  return {
    name: claims.sub,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    shardAdmin: false,
    cluster: tokenCluster,
  };
}

export function requireShardAdmin(user: User): void {
  if (!user.shardAdmin) {
    throw new StatusError(403, 'Forbidden', `${user.name === 'kcp-admin' ? 'User "kcp-admin"' : `User "${user.name}"`} cannot list across all logical clusters: only the shard admin (system:admin context) may use /clusters/*`);
  }
}
