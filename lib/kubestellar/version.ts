// Facts captured by build.mjs at build time (esbuild defines __BUILD_INFO__).
declare const __BUILD_INFO__: BuildInfo | undefined;

export interface BuildInfo {
  release: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  nodeVersion: string;
  platform: string;
}

export function buildInfo(): BuildInfo {
  if (typeof __BUILD_INFO__ !== 'undefined' && __BUILD_INFO__) return __BUILD_INFO__;
  // Unbundled (tests): the defaults a build without git would record.
  return {
    release: 'v0.0.0',
    gitCommit: '',
    gitTreeState: '',
    buildDate: '1970-01-01T00:00:00Z',
    nodeVersion: process.version,
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

export const VERSION_COMPONENTS = ['buildDate', 'gitCommit', 'gitTreeState', 'platform'] as const;
export type VersionComponent = (typeof VERSION_COMPONENTS)[number];

/** The object `kubestellar-version` prints, in the original's key order. */
export function versionObject(info: BuildInfo = buildInfo()): Record<string, string> {
  const [major = '0', minor = '0'] = info.release.replace(/^v/, '').split('.');
  return {
    major,
    minor,
    gitVersion: info.gitCommit ? `${info.release}+g${info.gitCommit}` : info.release,
    gitCommit: info.gitCommit,
    gitTreeState: info.gitTreeState,
    buildDate: info.buildDate,
    nodeVersion: info.nodeVersion,
    compiler: 'esbuild',
    platform: info.platform,
  };
}
