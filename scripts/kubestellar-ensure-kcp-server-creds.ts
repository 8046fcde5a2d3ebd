// kubestellar-ensure-kcp-server-creds DOMAIN
// Creates or re-uses the easy-rsa PKI at ./pki, its CA, and a kcp server key and
// certificate for DOMAIN; prints the CA cert, server cert and server key paths on one line.
import { runCommand } from '../lib/cli/command.ts';
import { CommandError } from '../lib/cli/errors.ts';
import { info, result } from '../lib/cli/output.ts';
import { shellQuote } from '../lib/util/shell-quote.ts';

await runCommand(
  {
    name: 'kubestellar-ensure-kcp-server-creds',
    summary: 'Create or re-use a CA and a kcp server certificate and key for one DNS domain name.',
    usage: 'DOMAIN',
    description: `
Works in the easy-rsa PKI at ./pki (created if absent, with its CA). The server
certificate has exactly one SubjectAlternativeName, DNS:DOMAIN, and is kept at
pki/issued/kcp-DNS-DOMAIN.crt with its key at pki/private/kcp-DNS-DOMAIN.key. Existing
credentials are re-used when their SAN is right, the current CA signed them, they have
not expired and the key matches; so are such credentials that KubeStellar v0.14 made
(pki/issued/kcp-server-HASH.crt, pki/private/kcp-server-HASH.key); otherwise ours are
(re-)issued.

Progress goes to stderr. stdout gets one line of three shell-quoted absolute paths: the
CA certificate, the server certificate and the server key, as in
  eval pieces=($(kubestellar-ensure-kcp-server-creds yep.yep))
  kcp start --tls-sni-cert-key \${pieces[1]},\${pieces[2]}`,
    flags: {},
    positionals: { min: 1, max: 1, names: 'DOMAIN' },
  },
  async ({ positionals: [domain] }) => {
    const { dnsNameProblem, ensureServerCreds, defaultPkiDir } = await import('../lib/pki/easyrsa.ts');
    const problem = dnsNameProblem(domain);
    // Exit 2 for a refused domain name, as the original.
    if (problem) throw new CommandError(`refusing domain name ${JSON.stringify(domain)}: ${problem}`, 2);
    const creds = await ensureServerCreds(domain, { pkiDir: defaultPkiDir(), log: info });
    result([creds.caCert, creds.serverCert, creds.serverKey].map(shellQuote).join(' '));
  },
);
