// wait-and-switch-domain [--timeout DURATION] IN OUT CONTEXT DOMAIN PORT CACERT
// Waits until the server of IN answers an authenticated namespace list, then does what
// switch-domain does.
import { runCommand } from '../lib/cli/command.ts';
import { parseDuration } from '../lib/cli/args.ts';
import { progress } from '../lib/cli/output.ts';

const usage = '[--timeout DURATION] IN OUT CONTEXT DOMAIN PORT CACERT';

await runCommand(
  {
    name: 'wait-and-switch-domain',
    summary: 'Wait for the kcp server to answer, then make an alternate kubeconfig (as switch-domain).',
    usage,
    description: `
First waits until the server that IN's current context addresses answers an
authenticated namespace list (as \`kubectl --kubeconfig IN get ns\`), polling with
back-off; IN may not exist yet. Then reads IN (never writes it) and writes OUT (its
directory must exist), equal to IN except in the clusters whose server URL starts with
the protocol://host:port of the cluster of CONTEXT: there the host and port become
DOMAIN and PORT, and certificate-authority-data becomes the base64 of the file CACERT.

Exit codes: 0 done; 8 --timeout passed; 10 no context named CONTEXT in IN; 1 any other
problem (nothing written).`,
    flags: {
      timeout: { type: 'string', value: 'DURATION', description: 'give up waiting after this long, e.g. 90s or 5m (default, or 0: wait forever)' },
    },
    positionals: { min: 6, max: 6, names: 'IN OUT CONTEXT DOMAIN PORT CACERT' },
  },
  async ({ flags, positionals: [inPath, outPath, context, domain, port, caCertPath] }) => {
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
    const { checkArgs, checkInputKubeconfig, loadYaml, readCACertData, switchDomain, waitFor, namespaceListProbe } = await import('../lib/kubestellar/switch-domain.ts');
    const args = { inPath, outPath, context, domain, port, caCertPath };
    // Fail fast on what cannot get better by waiting.
    checkArgs(args);
    readCACertData(caCertPath);
    const { existsSync } = await import('node:fs');
    if (existsSync(inPath)) checkInputKubeconfig(inPath, await loadYaml());
    const what = `the server of ${inPath} to answer`;
    const p = progress(`Waiting for ${what}`);
    try {
      const { elapsedMs } = await waitFor(namespaceListProbe(inPath), {
        what,
        timeoutMs: timeoutMs === 0 ? undefined : timeoutMs,
        onRetry: (attempt, reason, elapsed) => p.update(`Waiting for ${what} (${(elapsed / 1000).toFixed(0)}s, attempt ${attempt}: ${reason})`),
      });
      p.stop(`The server of ${inPath} answered after ${(elapsedMs / 1000).toFixed(1)}s`);
    } catch (err) {
      p.stop();
      throw err;
    }
    await switchDomain(args);
  },
);
