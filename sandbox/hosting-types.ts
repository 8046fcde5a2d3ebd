// The kinds a plain Kubernetes hosting cluster serves in the sandbox's hosting mode:
// what helm and the KubeStellar chart use (core, apps, networking, storage claims,
// RBAC), plus OpenShift's route.openshift.io Routes when asked. No kcp kinds.
import { BUILTIN_TYPES, type ResourceType } from './resources.ts';
import type { KObj } from './util.ts';

const open: KObj = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const withSpec = (spec: KObj = open): KObj => ({ type: 'object', properties: { spec, status: open } });

function t(group: string, resource: string, kind: string, namespaced: boolean, more: Partial<ResourceType> = {}): ResourceType {
  return { group, version: 'v1', resource, kind, singular: kind.toLowerCase(), listKind: `${kind}List`, namespaced, schema: withSpec(), ...more };
}

const KCP_GROUPS = new Set(['core.kcp.io', 'tenancy.kcp.io', 'apis.kcp.io']);

export function hostingTypes(openshift: boolean): ResourceType[] {
  return [
    ...BUILTIN_TYPES.filter((x) => !KCP_GROUPS.has(x.group)),
    t('', 'pods', 'Pod', true, { shortNames: ['po'], categories: ['all'], status: true }),
    t('', 'services', 'Service', true, { shortNames: ['svc'], categories: ['all'], status: true }),
    t('', 'endpoints', 'Endpoints', true, { shortNames: ['ep'], schema: open }),
    t('', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { shortNames: ['pvc'], status: true }),
    t('apps', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], status: true }),
    t('apps', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], status: true }),
    t('networking.k8s.io', 'ingresses', 'Ingress', true, { shortNames: ['ing'], status: true }),
    t('networking.k8s.io', 'ingressclasses', 'IngressClass', false),
    ...(openshift ? [t('route.openshift.io', 'routes', 'Route', true, { status: true })] : []),
  ];
}

/** What /version says in hosting mode: a plain Kubernetes server. */
export const HOSTING_VERSION = {
  major: '1',
  minor: '29',
  gitVersion: 'v1.29.2',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-02-14T00:00:00Z',
  goVersion: 'go1.21.7',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};
