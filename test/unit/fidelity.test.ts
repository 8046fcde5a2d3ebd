// Small pure facts of KubeStellar v0.14 that the suite reproduces.
import { describe, expect, it } from 'vitest';
import { defaultSyncerImage } from '../../lib/kubestellar/syncer-image.ts';
import { v014ServerNameFor } from '../../lib/pki/easyrsa.ts';
import { appliedApiBinding, LAST_APPLIED } from '../../lib/kubestellar/location.ts';
import { parsePathList } from '../../lib/kubestellar/init.ts';
import { mailboxRules, syncerKubeconfig } from '../../lib/kubestellar/syncer.ts';

describe('v0.14 facts', () => {
  it('derives the syncer image from the release', () => {
    expect(defaultSyncerImage('v0.14.0')).toBe('quay.io/kubestellar/syncer:release-0.14');
    expect(defaultSyncerImage('0.15.2-rc1')).toBe('quay.io/kubestellar/syncer:release-0.15');
  });

  it('names server credentials as v0.14 does: chars 2-34 of sha256(domain + newline)', () => {
    expect(v014ServerNameFor('kubestellar')).toBe('kcp-server-60cd20ab3c6e8611d6cc258f0329c61e9');
  });

  it('leaves APIBindings as kubectl apply would', () => {
    const b = appliedApiBinding('bind-apps', 'root:compute', 'apps');
    expect(b.metadata.annotations?.[LAST_APPLIED]).toBe(
      '{"apiVersion":"apis.kcp.io/v1alpha1","kind":"APIBinding","metadata":{"annotations":{},"name":"bind-apps"},"spec":{"reference":{"export":{"name":"apps","path":"root:compute"}}}}\n',
    );
    expect(b.spec.reference.export).toEqual({ path: 'root:compute', name: 'apps' });
  });

  it('takes --ensure-imw items relative to root, one leading root: stripped', () => {
    expect(parsePathList('imw9,root:imw10,,a:b', '--ensure-imw')).toEqual(['root:imw9', 'root:imw10', 'root:a:b']);
    expect(() => parsePathList('Bad_Name', '--ensure-imw')).toThrow('--ensure-imw: "Bad_Name" is not a workspace path like root:name');
  });

  it("gives the syncer v0.14's rules and never turns TLS verification off", () => {
    expect(mailboxRules()).toEqual([
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['/'], verbs: ['access'] },
    ]);
    const kc = syncerKubeconfig({ syncerId: 'x', syncTargetName: 's', syncTargetUid: 'u', serverUrl: 'https://h:6443', token: 't', image: 'i' });
    expect(JSON.stringify(kc)).not.toContain('insecure');
  });
});
