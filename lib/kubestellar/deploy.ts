// `kubectl kubestellar deploy`: the Helm release `kubestellar` of this package's chart
// (chart/), made with real helm, then a bounded wait for the core pod. The command line
// follows the original: our few flags anywhere, every other flag (with its value) goes
// to `helm upgrade --install`, so a re-deploy is an upgrade.
import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CommandError, UsageError } from '../cli/errors.ts';
import { info, isTracing, trace } from '../cli/output.ts';
import { parseDuration, type KubeFlags } from '../cli/args.ts';
import { hostForUrl, parsePort } from './switch-domain.ts';

export const RELEASE = 'kubestellar';

export interface DeployArgs {
  help: boolean;
  trace: boolean;
  openshift: boolean;
  /** host and port clients outside the cluster use; host '' on OpenShift lets the Route decide */
  external: { host: string; port: number };
  /** flags for helm, in order */
  helmFlags: string[];
  timeoutMs?: number;
}

/** Parses the command line with the original's rules and messages. */
export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  let endpoint = '';
  let openshift = 'false';
  let help = false;
  let tracing = false;
  let timeout: string | undefined;
  const helmFlags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (missing: string) => {
      if (i + 1 >= argv.length) throw new UsageError(missing);
      return argv[++i];
    };
    if (a === '-h' || a === '--help') help = true;
    else if (a === '-X') tracing = true;
    else if (a === '--external-endpoint') endpoint = value('missing external_endpoint value');
    else if (a.startsWith('--external-endpoint=')) endpoint = a.slice('--external-endpoint='.length);
    else if (a === '--openshift') openshift = value('missing openshift value');
    else if (a.startsWith('--openshift=')) openshift = a.slice('--openshift='.length);
    else if (/^(--[^=]+|-[^-])=/.test(a)) {
      helmFlags.push(a);
      if (a.startsWith('--timeout=')) timeout = a.slice('--timeout='.length);
    } else if (/^(--[^-].*|-[^-])$/.test(a)) {
      // a helm flag; the next word is its value unless it is a flag itself (no positionals exist)
      helmFlags.push(a);
      if (i + 1 < argv.length && !argv[i + 1].startsWith('-')) {
        helmFlags.push(argv[++i]);
        if (a === '--timeout') timeout = argv[i];
      }
    } else if (a.startsWith('-')) throw new UsageError('flag syntax error');
    else throw new UsageError('no positional arguments are allowed');
  }
  if (help) return { help, trace: tracing, openshift: false, external: { host: '', port: 443 }, helmFlags };
  if (openshift !== 'true' && openshift !== 'false') throw new UsageError('--openshift should be true or false');
  const os = openshift === 'true';
  let external = { host: '', port: 443 };
  if (endpoint === '') {
    if (!os) throw new UsageError('--external-endpoint cannot be omitted unless --openshift true');
  } else {
    const parts = endpoint.split(':');
    if (parts.length > 2) throw new UsageError('--external-endpoint value should only have one colon');
    if (parts.length < 2) throw new UsageError('--external-endpoint value should have a colon in it');
    const [host, port] = parts;
    if (host === '') throw new UsageError('--external-endpoint value has no host name before the colon');
    try {
      external = { host: hostForUrl(host), port: parsePort(port) };
    } catch (err) {
      throw new UsageError(`--external-endpoint ${JSON.stringify(endpoint)}: ${(err as Error).message}`);
    }
  }
  const timeoutMs = timeout === undefined ? undefined : parseDuration(timeout, '--timeout');
  return { help, trace: tracing, openshift: os, external, helmFlags, timeoutMs };
}

/** The chart values the original sets, with this release's image tag. */
export function chartValues(a: DeployArgs, release: string): string[] {
  return [
    '--set', `clusterType=${a.openshift ? 'OpenShift' : 'Kubernetes'}`,
    '--set-string', `EXTERNAL_HOSTNAME=${a.external.host}`,
    '--set', `EXTERNAL_PORT=${a.external.port}`,
    '--set-string', `image.tag=${release}`,
  ];
}

/** What of helm's flags says where the release goes, as kubectl-style connection flags. */
export function kubeFlagsOfHelm(helmFlags: readonly string[]): KubeFlags {
  const k: KubeFlags = {};
  const map: Record<string, keyof KubeFlags> = {
    '-n': 'namespace', '--namespace': 'namespace', '--kubeconfig': 'kubeconfig', '--kube-context': 'context',
    '--kube-apiserver': 'server', '--kube-token': 'token', '--kube-ca-file': 'certificateAuthority',
  };
  for (let i = 0; i < helmFlags.length; i++) {
    const f = helmFlags[i];
    const eq = f.indexOf('=');
    const name = eq < 0 ? f : f.slice(0, eq);
    if (name === '--kube-insecure-skip-tls-verify') k.insecureSkipTlsVerify = eq < 0 || f.slice(eq + 1) === 'true';
    const key = map[name];
    if (!key) continue;
    const v = eq >= 0 ? f.slice(eq + 1) : helmFlags[i + 1];
    if (eq < 0) i++;
    if (v !== undefined) (k as Record<string, unknown>)[key] = v;
  }
  return k;
}

/** `helm` on PATH, or a message naming what to install. */
export function findHelm(path = process.env.PATH ?? ''): string {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'helm');
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  throw new CommandError('helm was not found on PATH; install Helm 3 (https://helm.sh/docs/intro/install/) and try again');
}

/** The chart shipped in this package: <package root>/chart. */
export async function chartDir(): Promise<string> {
  const { binDir } = await import('../cli/commands.ts');
  const dir = join(binDir(), '..', 'chart');
  if (!existsSync(join(dir, 'Chart.yaml'))) throw new CommandError(`the KubeStellar chart is missing from this installation (${dir})`);
  return dir;
}

/** Runs `helm upgrade --install … kubestellar CHART …`, its output passed through. */
export async function runHelm(helm: string, args: string[]): Promise<void> {
  trace(`${helm} ${args.join(' ')}`);
  const { $ } = await import('zx/core');
  // helm's report is the command's result: stdout to stdout, helm's errors to stderr
  const r = await $({ stdio: ['ignore', 'inherit', 'pipe'], nothrow: true, verbose: false, quiet: true })`${helm} ${args}`;
  const err = r.stderr.trim();
  if (r.exitCode !== 0) throw new CommandError(`helm upgrade --install failed (exit ${r.exitCode}): ${err.split('\n').pop()?.replace(/^Error: /, '') ?? ''}`);
  if (err && isTracing()) process.stderr.write(err + '\n');
  else for (const line of err.split('\n')) if (line.startsWith('WARNING')) info(line);
}
