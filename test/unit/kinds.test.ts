import { describe, expect, it } from 'vitest';
import { EDGE_KINDS, WORKLOAD_EXPORTS, canonicalJson, edgeSchemas, schemaName, workloadSchemas, type Location } from '../../lib/kubestellar/kinds.ts';
import { computeRbac, BINDING_GROUP } from '../../lib/kubestellar/init.ts';

describe('edge kinds', () => {
  it('describes the seven KubeStellar kinds of edge.kubestellar.io/v2alpha1', () => {
    expect(EDGE_KINDS.map((k) => k.kind)).toEqual(['SyncTarget', 'Location', 'EdgePlacement', 'SinglePlacementSlice', 'SyncerConfig', 'Customizer', 'EdgeSyncConfig']);
    const schemas = edgeSchemas();
    expect(schemas).toHaveLength(7);
    for (const sc of schemas) {
      expect(sc.spec.group).toBe('edge.kubestellar.io');
      expect(sc.spec.versions.map((v) => v.name)).toEqual(['v2alpha1']);
      expect(sc.spec.versions[0].schema.openAPIV3Schema.properties).toHaveProperty('metadata');
    }
    // v0.14's names, so init adds nothing on a core the original set up
    expect(schemas.map((x) => x.metadata.name).sort()).toEqual([
      'v231005-c6f7728ef.customizers.edge.kubestellar.io',
      'v231005-c6f7728ef.edgesyncconfigs.edge.kubestellar.io',
      'v231005-c6f7728ef.locations.edge.kubestellar.io',
      'v231005-c6f7728ef.singleplacementslices.edge.kubestellar.io',
      'v231005-c6f7728ef.syncerconfigs.edge.kubestellar.io',
      'v231020-4e62eaf7.synctargets.edge.kubestellar.io',
      'v231026-b37310b41.edgeplacements.edge.kubestellar.io',
    ]);
    expect(schemas.find((x) => x.spec.names.kind === 'Customizer')!.spec.scope).toBe('Namespaced');
    expect(schemas.filter((x) => x.spec.scope === 'Cluster')).toHaveLength(6);
  });

  it('generates the Location schema the walkthrough needs', () => {
    const loc = edgeSchemas().find((x) => x.spec.names.kind === 'Location')!;
    const spec = loc.spec.versions[0].schema.openAPIV3Schema.properties!.spec;
    expect(spec.required).toEqual(['resource', 'instanceSelector']);
    expect(spec.properties!.resource.properties).toHaveProperty('resource');
    expect(spec.properties!.instanceSelector.properties!.matchLabels).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    // The inferred type accepts 002's shape.
    const florin: Location = {
      apiVersion: 'edge.kubestellar.io/v2alpha1',
      kind: 'Location',
      metadata: { name: 'florin' },
      spec: { resource: { group: 'edge.kubestellar.io', version: 'v2alpha1', resource: 'synctargets' }, instanceSelector: { matchLabels: { id: 'florin' } } },
    };
    expect(florin.spec?.instanceSelector.matchLabels?.id).toBe('florin');
  });

  it('names schemas as v0.14 does', () => {
    expect(schemaName('', 'persistentvolumes')).toBe('v230615-d48020c8.persistentvolumes.core');
    expect(schemaName('apps', 'statefulsets')).toBe('v230615-d48020c8.statefulsets.apps');
    expect(schemaName('batch', 'jobs')).toBe('v230615-6e3cae39.jobs.batch');
    expect(schemaName('batch', 'cronjobs')).toBe('v230615-d48020c8.cronjobs.batch');
    expect(schemaName('apiregistration.k8s.io', 'apiservices')).toBe('v231009-f17ee17a4.apiservices.apiregistration.k8s.io');
    expect(() => schemaName('edge.kubestellar.io', 'widgets')).toThrow();
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
  });
});

describe('root:compute augmentation', () => {
  it('has the fifteen extra workload exports a WMW binds, each with schemas', () => {
    expect(WORKLOAD_EXPORTS.map((e) => e.name)).toEqual([
      'apiregistration.k8s.io', 'apps', 'autoscaling', 'batch', 'core.k8s.io', 'cluster-core.k8s.io', 'discovery.k8s.io',
      'flowcontrol.apiserver.k8s.io', 'networking.k8s.io', 'cluster-networking.k8s.io', 'node.k8s.io', 'policy',
      'scheduling.k8s.io', 'storage.k8s.io', 'cluster-storage.k8s.io',
    ]);
    const names = new Set<string>();
    for (const e of WORKLOAD_EXPORTS) {
      const sc = workloadSchemas(e);
      expect(sc.length).toBeGreaterThan(0);
      for (const x of sc) names.add(x.metadata.name);
      if (e.name.startsWith('cluster-')) expect(sc.every((x) => x.spec.scope === 'Cluster')).toBe(true);
    }
    expect(names.has([...names].find((n) => n.endsWith('.persistentvolumes.core'))!)).toBe(true);
    const sts = workloadSchemas(WORKLOAD_EXPORTS.find((e) => e.name === 'apps')!).find((x) => x.spec.names.plural === 'statefulsets')!;
    expect(sts.spec.versions[0].subresources?.scale?.specReplicasPath).toBe('.spec.replicas');
  });

  it('has v0.14\'s roles and bindings: bind on the namespaced exports, status/scale on the workload kinds', () => {
    const { roles, bindings } = computeRbac();
    expect(roles.map((r) => r.metadata.name)).toEqual(['compute:apiexport:kubernetes-extended:bind', 'compute:apiexport:kubernetes:maximal-permission-policy-extended']);
    expect(roles[0].rules).toEqual([
      { apiGroups: ['apis.kcp.io'], resources: ['apiexports'], resourceNames: ['apps', 'autoscaling', 'batch', 'core.k8s.io', 'discovery.k8s.io', 'networking.k8s.io', 'policy', 'storage.k8s.io'], verbs: ['bind'] },
    ]);
    const [all, sub] = roles[1].rules;
    expect(all.apiGroups).toEqual(['', 'apps', 'networking.k8s.io', 'autoscaling', 'batch', 'discovery.k8s.io', 'policy', 'storage.k8s.io']);
    expect(all.resources).toHaveLength(18);
    expect(all.verbs).toEqual(['*']);
    expect(sub.resources).toEqual(expect.arrayContaining(['deployments/status', 'deployments/scale', 'statefulsets/scale', 'daemonsets/status']));
    expect(sub.resources).not.toContain('daemonsets/scale');
    expect(sub.resources).toHaveLength(22);
    expect(sub.verbs).toEqual(['get', 'list', 'watch', 'update', 'patch']);
    expect(bindings.map((b) => `${b.metadata.name} -> ${b.roleRef.name}`)).toEqual([
      'compute:apiexport:kubernetes-extended:bind -> compute:apiexport:kubernetes-extended:bind',
      'compute:authenticated:apiexport:kubernetes:maximal-permission-policy-extended -> compute:apiexport:kubernetes:maximal-permission-policy-extended',
    ]);
    for (const b of bindings) expect(b.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: BINDING_GROUP }]);
  });
});
