// The sandbox's kcp rules that need no server: default APIBinding names (kcp's worked
// example), Kubernetes' request attributes, and field ownership of server-side apply.
import { describe, expect, it } from 'vitest';
import { defaultBindingName } from '../../sandbox/admission.ts';
import { requestAttributes } from '../../sandbox/server.ts';
import { fieldsOf, serverSideApply } from '../../sandbox/apply.ts';

describe('kcp rules in the sandbox', () => {
  it("names default APIBindings as kcp does: <export>-<5 chars of base62(sha224('<lc>|<path>|<export>'))>", () => {
    expect(defaultBindingName('2x1p2gyn3kw1zgqd', 'root', 'tenancy.kcp.io')).toBe('tenancy.kcp.io-bycuj');
  });

  it('derives verb, resource, namespace and name from a request as the apiserver does', () => {
    const q = new URLSearchParams();
    expect(requestAttributes('GET', '/api/v1/namespaces/ns1/configmaps', q)).toMatchObject({ verb: 'list', group: '', resource: 'configmaps', namespace: 'ns1' });
    expect(requestAttributes('GET', '/api/v1/namespaces/ns1', q)).toMatchObject({ verb: 'get', resource: 'namespaces', name: 'ns1', namespace: 'ns1' });
    expect(requestAttributes('GET', '/apis/apps/v1/watch/deployments', q)).toMatchObject({ verb: 'watch', group: 'apps', resource: 'deployments' });
    expect(requestAttributes('DELETE', '/api/v1/namespaces/a/secrets', q).verb).toBe('deletecollection');
    expect(requestAttributes('PUT', '/apis/apis.kcp.io/v1alpha1/apibindings/b/status', q)).toMatchObject({ verb: 'update', resource: 'apibindings', subresource: 'status', name: 'b' });
    expect(requestAttributes('GET', '/openapi/v3', q)).toEqual({ verb: 'get', path: '/openapi/v3' });
  });

  it('tracks fields by key in associative lists and refuses to take a field another manager set to another value', () => {
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { a: 'b' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } };
    expect([...fieldsOf(dep)].map((p) => p.split('\u0000').join('/')).sort()).toEqual([
      'f:metadata/f:labels/f:a',
      'f:spec/f:template/f:spec/f:containers/k:{"name":"c"}/.',
      'f:spec/f:template/f:spec/f:containers/k:{"name":"c"}/f:image',
      'f:spec/f:template/f:spec/f:containers/k:{"name":"c"}/f:name',
    ]);
    const live = serverSideApply(undefined, { metadata: { name: 'cm' }, data: { a: '1' } }, 'one', 'v1', false, { kind: 'configmaps', group: '', name: 'cm' });
    expect(() => serverSideApply(live, { metadata: { name: 'cm' }, data: { a: '2' } }, 'two', 'v1', false, { kind: 'configmaps', group: '', name: 'cm' })).toThrow('Apply failed with 1 conflict: conflict with "one": .data.a');
    const shared = serverSideApply(live, { metadata: { name: 'cm' }, data: { a: '1' } }, 'two', 'v1', false, { kind: 'configmaps', group: '', name: 'cm' });
    expect(shared.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(['one', 'two']);
  });
});
