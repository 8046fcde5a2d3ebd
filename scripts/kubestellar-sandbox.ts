// kubestellar-sandbox start [flags]
// A kcp-compatible API server for trying and testing the suite, in the foreground like `kcp start`.
import { runCommand } from '../lib/cli/command.ts';
import { UsageError } from '../lib/cli/errors.ts';

await runCommand(
  {
    name: 'kubestellar-sandbox',
    summary: 'Run a small kcp-compatible API server (kcp v0.11 subset) for trying and testing the suite.',
    usage: 'start [flags]',
    description: `Runs in the foreground until SIGINT or SIGTERM. Once serving it writes
DIR/admin.kubeconfig (contexts root, base and system:admin, as kcp does); point
KUBECONFIG at it. State (objects, CA, tokens) persists in DIR across restarts.`,
    flags: {
      'root-directory': { type: 'string', value: 'DIR', description: 'where state and admin.kubeconfig live (default .kcp)' },
      'secure-port': { type: 'string', value: 'N', description: 'HTTPS port (default 6443; 0 picks a free port)' },
      'bind-address': { type: 'string', value: 'IP', description: 'address to listen on (default 127.0.0.1)' },
      'kubestellar-controllers': { type: 'boolean', description: "emulate KubeStellar's mailbox controller" },
      kubernetes: { type: 'boolean', description: 'serve a plain Kubernetes hosting cluster instead (helm, the KubeStellar chart; sandbox/README.md)' },
      openshift: { type: 'boolean', description: 'with --kubernetes: also serve OpenShift Routes and assign their hosts' },
      'ingress-port': { type: 'string', value: 'N', description: 'with --kubernetes: the SSL-passthrough ingress port (default 0: a free one, written to DIR/ingress-port)' },
      'request-log': { type: 'string', value: 'FILE', description: 'append one JSON line per request to FILE' },
      'fault-latency': { type: 'string', value: 'MS', description: 'delay every request by MS milliseconds' },
      'fault-error-rate': { type: 'string', value: 'R', description: 'answer a fraction R (0..1) of requests with 500 or 429 (Retry-After)' },
      'fault-error-codes': { type: 'string', value: 'CODES', description: 'status codes for --fault-error-rate (default 500,429)' },
      'fault-reset-rate': { type: 'string', value: 'R', description: 'reset the connection of a fraction R (0..1) of requests' },
    },
    positionals: { min: 1, max: 1, names: 'subcommand (start)' },
  },
  async ({ positionals: [sub], flags }) => {
    if (sub !== 'start') throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}; only "start" exists`);
    const num = (flag: string, raw: string | undefined, dflt: number, max = Infinity) => {
      if (raw === undefined) return dflt;
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${flag} must be a whole number from 0 to ${max}, not ${JSON.stringify(raw)}`);
      return n;
    };
    const rate = (flag: string, raw: string | undefined) => {
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${flag} must be a number from 0 to 1, not ${JSON.stringify(raw)}`);
      return n;
    };
    const port = num('secure-port', flags['secure-port'], 6443, 65535);
    const latencyMs = num('fault-latency', flags['fault-latency'], 0);
    const errorRate = rate('fault-error-rate', flags['fault-error-rate']);
    const resetRate = rate('fault-reset-rate', flags['fault-reset-rate']);
    let errorCodes: number[] | undefined;
    if (flags['fault-error-codes'] !== undefined) {
      errorCodes = flags['fault-error-codes'].split(',').map((c) => Number(c.trim()));
      if (!errorCodes.length || errorCodes.some((c) => !Number.isInteger(c) || c < 400 || c > 599)) {
        throw new UsageError(`--fault-error-codes must be a comma-separated list of HTTP error codes, not ${JSON.stringify(flags['fault-error-codes'])}`);
      }
    }
    const bind = flags['bind-address'] ?? '127.0.0.1';
    const { isIP } = await import('node:net');
    if (!isIP(bind)) throw new UsageError(`--bind-address must be an IP address, not ${JSON.stringify(bind)}`);

    if (!flags.kubernetes && (flags.openshift || flags['ingress-port'] !== undefined)) throw new UsageError('--openshift and --ingress-port go with --kubernetes');
    // Everything that can refuse the start is checked before a byte of state is written.
    if (flags['root-directory'] === '') throw new UsageError('--root-directory must not be empty');
    const { checkWritableFile, checkPortFree, listenError } = await import('../lib/util/preflight.ts');
    if (flags['request-log'] !== undefined) checkWritableFile(flags['request-log'], '--request-log');
    if (port !== 0) await checkPortFree(bind, port);

    const { startSandbox } = await import('../sandbox/index.ts');
    const start = flags.kubernetes
      ? async () => {
          const { startHostingCluster } = await import('../sandbox/hosting.ts');
          const hc = await startHostingCluster({ rootDirectory: flags['root-directory'] ?? '.kcp', securePort: port, bindAddress: bind, openshift: Boolean(flags.openshift), ingressPort: num('ingress-port', flags['ingress-port'], 0, 65535), requestLog: flags['request-log'] });
          process.stderr.write(`kubestellar-sandbox: ${flags.openshift ? 'OpenShift router' : 'ingress controller (SSL passthrough)'} on port ${hc.ingressPort}\n`);
          return hc;
        }
      : () => startSandbox({
      rootDirectory: flags['root-directory'] ?? '.kcp',
      securePort: port,
      bindAddress: bind,
      kubestellarControllers: Boolean(flags['kubestellar-controllers']),
      requestLog: flags['request-log'],
      faults: { latencyMs, errorRate, resetRate, errorCodes },
    });
    const sb = await start().catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE' || err.code === 'EACCES' ? listenError(bind, port, err) : err;
    });
    process.stderr.write(`kubestellar-sandbox: serving on ${sb.url} (export KUBECONFIG=${sb.kubeconfigPath})\n`);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await sb.stop();
    process.stderr.write('kubestellar-sandbox: stopped\n');
    return 0;
  },
);
