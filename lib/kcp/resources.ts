// Typed API objects and the resource types the suite talks about by name. Anything
// else is found through discovery (ApiClient.resolve).

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface ResourceType {
  group: string;
  version: string;
  /** lowercase plural, as in URLs */
  resource: string;
  kind: string;
  namespaced: boolean;
}

export const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);
/** kubectl's way of naming a type in messages: `synctarget.edge.kubestellar.io`. */
export const displayName = (t: ResourceType) => `${t.kind.toLowerCase()}${t.group ? '.' + t.group : ''}`;

const t = (group: string, version: string, resource: string, kind: string, namespaced: boolean): ResourceType => ({
  group,
  version,
  resource,
  kind,
  namespaced,
});

export const NAMESPACES = t('', 'v1', 'namespaces', 'Namespace', false);
export const CONFIGMAPS = t('', 'v1', 'configmaps', 'ConfigMap', true);
export const SECRETS = t('', 'v1', 'secrets', 'Secret', true);
export const SERVICEACCOUNTS = t('', 'v1', 'serviceaccounts', 'ServiceAccount', true);
export const CLUSTERROLES = t('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false);
export const CLUSTERROLEBINDINGS = t('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false);
export const WORKSPACES = t('tenancy.kcp.io', 'v1alpha1', 'workspaces', 'Workspace', false);
export const LOGICALCLUSTERS = t('core.kcp.io', 'v1alpha1', 'logicalclusters', 'LogicalCluster', false);
export const APIEXPORTS = t('apis.kcp.io', 'v1alpha1', 'apiexports', 'APIExport', false);
export const APIBINDINGS = t('apis.kcp.io', 'v1alpha1', 'apibindings', 'APIBinding', false);
export const APIRESOURCESCHEMAS = t('apis.kcp.io', 'v1alpha1', 'apiresourceschemas', 'APIResourceSchema', false);
export const SYNCTARGETS = t('edge.kubestellar.io', 'v2alpha1', 'synctargets', 'SyncTarget', false);
export const LOCATIONS = t('edge.kubestellar.io', 'v2alpha1', 'locations', 'Location', false);

/** A Workspace object as kcp v0.11 serves it. */
export interface Workspace extends KubeObject {
  spec: { type?: { name: string; path?: string }; URL?: string; cluster?: string; [k: string]: unknown };
  status?: { phase?: string; [k: string]: unknown };
}
