// Who is calling: the bearer tokens of admin.kubeconfig (kcp-admin and the shard admin
// `system:admin`), and service-account tokens the sandbox issues, each valid only in
// the logical cluster it was issued in (as kcp's clusterName claim makes them).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { unauthorized, type KObj } from './util.ts';

export interface AuthState {
  /** kcp-admin's token: a new one at every start, as kcp does */
  adminToken: string;
  /** shard-admin's token: kept across restarts */
  shardAdminToken: string;
  signingKey: string;
}

export function newAuthState(): AuthState {
  return { adminToken: randomUUID(), shardAdminToken: randomUUID(), signingKey: randomUUID() + randomUUID() };
}

export interface User {
  name: string;
  uid?: string;
  groups: string[];
  /** service accounts: the logical cluster the token was issued in */
  cluster?: string;
}

export const ANONYMOUS: User = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Who admin.kubeconfig's token names on kcp: kcp-admin (group system:kcp:admin, not a master). */
export const KCP_ADMIN: User = { name: 'kcp-admin', groups: ['system:kcp:admin', 'system:authenticated'] };
/** Who it names on a plain Kubernetes cluster (hosting mode): a cluster admin, as kubeadm's admin.conf user. */
export const CLUSTER_ADMIN: User = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export interface SATokenClaims {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  serviceAccountUid: string;
  /** legacy (Secret-held) tokens: the secret's name */
  secretName?: string;
  /** TokenRequest tokens */
  expirationSeconds?: number;
  audiences?: string[];
}

export const SA_ISSUER = 'https://kcp.default.svc';

function sign(state: AuthState, payload: KObj): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: 'kubestellar-sandbox' }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac('sha256', state.signingKey).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

/** A legacy Secret token (no expiry, kcp's `kubernetes.io/serviceaccount/clusterName` claim) or a bound TokenRequest token. */
export function signServiceAccountToken(state: AuthState, c: SATokenClaims): string {
  const sub = `system:serviceaccount:${c.namespace}:${c.serviceAccount}`;
  if (c.secretName !== undefined) {
    return sign(state, {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': c.namespace,
      'kubernetes.io/serviceaccount/secret.name': c.secretName,
      'kubernetes.io/serviceaccount/service-account.name': c.serviceAccount,
      'kubernetes.io/serviceaccount/service-account.uid': c.serviceAccountUid,
      'kubernetes.io/serviceaccount/clusterName': c.cluster,
      sub,
    });
  }
  const now = Math.floor(Date.now() / 1000);
  return sign(state, {
    aud: c.audiences?.length ? c.audiences : [SA_ISSUER],
    exp: now + (c.expirationSeconds ?? 3600),
    iat: now,
    nbf: now,
    iss: SA_ISSUER,
    'kubernetes.io': { clusterName: c.cluster, namespace: c.namespace, serviceaccount: { name: c.serviceAccount, uid: c.serviceAccountUid } },
    sub,
  });
}

function decodeClaims(token: string): KObj | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function verifyServiceAccountToken(state: AuthState, token: string): KObj | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const want = createHmac('sha256', state.signingKey).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  return decodeClaims(token);
}

/** The logical cluster named by a bearer JWT's (unverified) claims: kcp routes bare-URL requests there. */
export function tokenClusterClaim(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
  const c = m ? decodeClaims(m[1]) : undefined;
  const v = c?.['kubernetes.io']?.clusterName ?? c?.['kubernetes.io/serviceaccount/clusterName'];
  return typeof v === 'string' && v ? v : undefined;
}

const eq = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** What a service-account token still needs to hold: its SA (same uid) and, for a Secret token, the Secret with that token. */
export type TokenHolds = (cluster: string, ns: string, sa: string, saUid: string, secretName: string | undefined, token: string) => boolean;

/** The user behind an Authorization header (anonymous without one); `admin`: who the admin token names. */
export function authenticate(state: AuthState, header: string | undefined, holds: TokenHolds, admin: User = KCP_ADMIN): User {
  if (header === undefined) return ANONYMOUS;
  const m = header.match(/^Bearer\s+(\S+)\s*$/i);
  if (!m) throw unauthorized();
  const token = m[1];
  if (eq(token, state.shardAdminToken)) return { name: 'shard-admin', groups: ['system:masters', 'system:authenticated'] };
  if (eq(token, state.adminToken)) return { ...admin, groups: [...admin.groups] };
  const claims = verifyServiceAccountToken(state, token);
  if (!claims) throw unauthorized();
  const bound = claims['kubernetes.io'];
  const cluster: string = bound?.clusterName ?? claims['kubernetes.io/serviceaccount/clusterName'];
  const ns: string = bound?.namespace ?? claims['kubernetes.io/serviceaccount/namespace'];
  const sa: string = bound?.serviceaccount?.name ?? claims['kubernetes.io/serviceaccount/service-account.name'];
  const uid: string = bound?.serviceaccount?.uid ?? claims['kubernetes.io/serviceaccount/service-account.uid'];
  if (bound && !(typeof claims.exp === 'number' && claims.exp > Date.now() / 1000)) throw unauthorized();
  if (!holds(cluster, ns, sa, uid, bound ? undefined : claims['kubernetes.io/serviceaccount/secret.name'], token)) throw unauthorized();
  return {
    name: `system:serviceaccount:${ns}:${sa}`,
    uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    cluster,
  };
}
