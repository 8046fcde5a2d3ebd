// `kubectl kubestellar get-internal-kubeconfig` and `get-external-kubeconfig`: one
// command in two variants (which key of Secret `kubestellar` they fetch). Only the
// command runner is loaded up front so that --help stays fast.
import { runCommand } from '../cli/command.ts';
import { summaryOf } from '../cli/commands.ts';

const VARIANTS = {
  internal: { bin: 'kubectl-kubestellar-get_internal_kubeconfig', key: 'cluster.kubeconfig', who: 'clients inside the hosting cluster (server https://kubestellar:6443)' },
  external: { bin: 'kubectl-kubestellar-get_external_kubeconfig', key: 'external.kubeconfig', who: 'clients outside the hosting cluster (the --external-endpoint given to deploy)' },
} as const;

export async function runGetKubeconfig(which: keyof typeof VARIANTS): Promise<never> {
  const v = VARIANTS[which];
  return runCommand(
    {
      name: `kubectl kubestellar get-${which}-kubeconfig`,
      summary: summaryOf(v.bin),
      usage: '-o FILE [-n NAMESPACE] [--timeout DURATION] [-X] [kubectl flags]',
      description: `Writes the kubeconfig for ${v.who} to FILE
(mode 0600, atomically; "-o -" writes it to stdout). It waits, with progress on
stderr, until the pod labelled app=kubestellar is Ready (its readiness probes say
kcp and kubestellar init have finished) and Secret kubestellar holds ${v.key}.`,
      flags: {
        o: { type: 'list', value: 'FILE', description: 'where to write the kubeconfig (exactly once; - for stdout)' },
        timeout: { type: 'string', value: 'DURATION', description: 'give up waiting after DURATION (default 5m)' },
      },
      kube: true,
      positionals: { max: Infinity },
    },
    async ({ flags, positionals, kube }) => {
      const { UsageError } = await import('../cli/errors.ts');
      if (positionals.length) throw new UsageError('no positional arguments accepted');
      const outs = flags.o ?? [];
      if (outs.length === 0 || outs.some((o) => o === '')) throw new UsageError('must be given a non-empty -o');
      if (outs.length > 1) throw new UsageError(`-o must appear exactly once, not ${outs.length} times`);
      const [{ parseDuration }, { connect }, { waitForCore, DEFAULT_WAIT_MS }, { writeKubeconfigOut }, { checkWritableFile }] = await Promise.all([
        import('../cli/args.ts'),
        import('../kcp/client.ts'),
        import('./core-pod.ts'),
        import('./kubeconfig-out.ts'),
        import('../util/preflight.ts'),
      ]);
      // a file that cannot be written is said now, not after waiting for the core
      if (outs[0] !== '-') checkWritableFile(outs[0], '-o');
      const timeoutMs = flags.timeout === undefined ? DEFAULT_WAIT_MS : parseDuration(flags.timeout, '--timeout');
      const namespace = kube.namespace ?? 'kubestellar';
      const client = await connect({ ...kube, namespace });
      try {
        const { value } = await waitForCore(client, { namespace, timeoutMs, secretKey: v.key });
        writeKubeconfigOut(outs[0], value!);
      } finally {
        client.close();
      }
    },
  );
}
