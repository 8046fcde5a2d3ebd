// switch-domain IN OUT CONTEXT DOMAIN PORT CACERT
// Writes OUT: IN with the clusters served where CONTEXT's cluster is served re-addressed
// to DOMAIN:PORT and trusting CACERT.
import { runCommand } from '../lib/cli/command.ts';

const SWITCH_USAGE = 'IN OUT CONTEXT DOMAIN PORT CACERT';
const SWITCH_DESCRIPTION = `
Reads the kubeconfig IN (never writes it) and writes OUT (its directory must exist),
equal to IN except in the clusters whose server URL starts with the protocol://host:port
of the cluster of CONTEXT: there the host and port become DOMAIN and PORT, and
certificate-authority-data becomes the base64 of the file CACERT.

Exit codes: 0 done; 10 no context named CONTEXT in IN; 1 any other problem (nothing written).`;

await runCommand(
  {
    name: 'switch-domain',
    summary: 'Make an alternate kubeconfig that reaches the server by another domain name and port.',
    usage: SWITCH_USAGE,
    description: SWITCH_DESCRIPTION,
    flags: {},
    positionals: { min: 6, max: 6, names: SWITCH_USAGE },
  },
  async ({ positionals: [inPath, outPath, context, domain, port, caCertPath] }) => {
    const { switchDomain } = await import('../lib/kubestellar/switch-domain.ts');
    await switchDomain({ inPath, outPath, context, domain, port, caCertPath });
  },
);
