// The syncer image a release uses by default (small on purpose: --help shows it).
import { buildInfo } from './version.ts';

/** `quay.io/kubestellar/syncer:release-<major>.<minor>` of the suite's release, as v0.14 defaults it. */
export function defaultSyncerImage(release: string = buildInfo().release): string {
  const [major = '0', minor = '0'] = release.replace(/^v/, '').split('.');
  return `quay.io/kubestellar/syncer:release-${major}.${minor}`;
}
