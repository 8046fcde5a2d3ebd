// The stand-in for the KubeStellar core pod's containers in hosting mode: what the
// image's `kcp` container and `init` container do, done here with the suite itself.
// It starts a kcp-compatible sandbox as "the deployed core" (state in the pod's PVC
// directory), runs `kubestellar init` against it, writes external.kubeconfig and
// cluster.kubeconfig with switch-domain's rewrite, and creates Secret `kubestellar`.
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { KObj } from './util.ts';

export interface CoreEnv {
  externalHostname: string;
  externalPort: string;
  ensureImw: string;
  ensureWmw: string;
}

/** The core's settings, from the env of the chart's `kcp` and `init` containers. */
export function coreEnvOf(pod: KObj): CoreEnv | undefined {
  const containers: KObj[] = pod.spec?.containers ?? [];
  const env = (c: KObj | undefined, n: string) => String((c?.env ?? []).find((e: KObj) => e.name === n)?.value ?? '');
  const kcp = containers.find((c) => c.name === 'kcp' && (c.command ?? []).join(' ').match(/entry\.sh kcp$/));
  if (!kcp) return undefined;
  const init = containers.find((c) => c.name === 'init');
  return { externalHostname: env(kcp, 'EXTERNAL_HOSTNAME'), externalPort: env(kcp, 'EXTERNAL_PORT') || '443', ensureImw: env(init, 'ENSURE_IMW'), ensureWmw: env(init, 'ENSURE_WMW') };
}

/** The Service name the chart gives the core, which cluster.kubeconfig addresses. */
export const CORE_SERVICE = 'kubestellar';

export interface RunningCore {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the deployed core in `dir` and returns once the Secret's content is ready.
 * `hostname` is EXTERNAL_HOSTNAME or what the Route/Ingress says.
 */
export async function startCore(dir: string, env: CoreEnv, hostname: string, log: (line: string) => void): Promise<{ core: RunningCore; secretData: Record<string, string> }> {
  mkdirSync(dir, { recursive: true });
  const { startSandbox } = await import('./index.ts');
  const sb = await startSandbox({ rootDirectory: dir, securePort: 0, dnsNames: [CORE_SERVICE, ...(hostname ? [hostname] : [])] });
  try {
    log(`kcp: serving on ${sb.url}`);
    const { binDir } = await import('../lib/cli/commands.ts');
    const { $ } = await import('zx/core');
    const init = await $({ env: { ...process.env, KUBECONFIG: sb.kubeconfigPath, NO_COLOR: '1' }, nothrow: true, quiet: true })`${process.execPath} ${join(binDir(), 'kubestellar')} init --local-kcp false --ensure-imw ${env.ensureImw} --ensure-wmw ${env.ensureWmw}`;
    writeFileSync(join(dir, 'init.log'), init.stdout + init.stderr);
    if (init.exitCode !== 0) throw new Error(`kubestellar init failed (exit ${init.exitCode}): ${init.stderr.trim().split('\n').pop()}`);
    log('init: ***READY***');
    const data: Record<string, string> = { 'admin.kubeconfig': readFileSync(sb.kubeconfigPath, 'utf8') };
    if (hostname) {
      const { switchDomain } = await import('../lib/kubestellar/switch-domain.ts');
      const ca = join(dir, 'ca.crt');
      for (const [key, host, port] of [
        ['external.kubeconfig', hostname, env.externalPort],
        ['cluster.kubeconfig', CORE_SERVICE, '6443'],
      ] as const) {
        const out = join(dir, key);
        await switchDomain({ inPath: sb.kubeconfigPath, outPath: out, context: 'root', domain: host, port, caCertPath: ca });
        data[key] = readFileSync(out, 'utf8');
      }
    }
    const secretData = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    return { core: { port: sb.port, stop: () => sb.stop() }, secretData };
  } catch (err) {
    await sb.stop();
    throw err;
  }
}
