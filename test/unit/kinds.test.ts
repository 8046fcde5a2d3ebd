import { describe, expect, it } from 'vitest';
import { EDGE_KINDS, WORKLOAD_EXPORTS, canonicalJson, edgeSchemas, resourceSchema, workloadSchemas, s, type Location } from '../../lib/kubestellar/kinds.ts';
import { computeRbac, BINDING_GROUP } from '../../lib/kubestellar/init.ts';

describe('edge kinds', () => {
  it('describes the seven KubeStellar kinds of edge.kubestellar.io/v2alpha1', () => {
    expect(EDGE_KINDS.map((k) => k.kind)).toEqual(['SyncTarget', 'Location', 'EdgePlacement', 'SinglePlacementSlice', 'SyncerConfig', 'Customizer', 'EdgeSyncConfig']);
    const schemas = edgeSchemas();
    expect(schemas).toHaveLength(7);
    for (const sc of schemas) {
      expect(sc.spec.group).toBe('edge.kubestellar.io');
      expect(sc.spec.versions.map((v) => v.name)).toEqual(['v2alpha1']);
      expect(sc.metadata.name).toMatch(new RegExp(`^ks[0-9a-f]{10}\\.${sc.spec.names.plural}\\.edge\\.kubestellar\\.io$`));
      expect(sc.spec.versions[0].schema.openAPIV3Schema.properties).toHaveProperty('metadata');
    }
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

  it('names schemas by content: same description, same name; changed, new name', () => {
    expect(edgeSchemas().map((x) => x.metadata.name)).toEqual(edgeSchemas().map((x) => x.metadata.name));
    const a = resourceSchema('g.io', 'v1', { kind: 'Thing', plural: 'things', scope: 'Cluster', fields: { spec: s.object({ a: s.string() }) } });
    const b = resourceSchema('g.io', 'v1', { kind: 'Thing', plural: 'things', scope: 'Cluster', fields: { spec: s.object({ a: s.integer() }) } });
    expect(a.metadata.name).not.toBe(b.metadata.name);
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

  it('grants bind on every kube export and status/scale on the workload kinds', () => {
    const { roles, bindings } = computeRbac();
    expect(roles.map((r) => r.metadata.name)).toEqual(['compute:apiexport:kubernetes-extended:bind', 'compute:apiexport:kubernetes:maximal-permission-policy-extended']);
    expect(roles[0].rules[0].resourceNames).toContain('kubernetes');
    expect(roles[0].rules[0].resourceNames).toContain('cluster-storage.k8s.io');
    const apps = roles[1].rules.find((r) => r.apiGroups![0] === 'apps')!;
    expect(apps.resources).toEqual(expect.arrayContaining(['deployments/status', 'deployments/scale', 'statefulsets', 'daemonsets/status']));
    for (const b of bindings) {
      expect(b.roleRef.name).toBe(b.metadata.name);
      expect(b.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: BINDING_GROUP }]);
    }
  });
});
