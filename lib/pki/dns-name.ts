// DNS names as the kcp server certificate and the alternate kubeconfig take them.

/**
 * Why `name` is not a DNS name this command can put in a SAN (RFC 1123 host name:
 * dot-separated labels of letters, digits and inner hyphens, 1-63 each, 253 in all),
 * or undefined when it is one.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (/\s/.test(name)) return 'it must be one word';
  if (name.length > 253) return `it is ${name.length} characters long; at most 253 are allowed`;
  if (name.endsWith('.')) return 'it must not end with a dot';
  if (/^[0-9.]+$/.test(name)) return 'it looks like an IP address, not a DNS name';
  for (const label of name.split('.')) {
    if (label === '') return 'it has an empty label (two dots in a row, or a leading dot)';
    if (label.length > 63) return `its label ${JSON.stringify(label.slice(0, 20) + '…')} is longer than 63 characters`;
    if (!/^[A-Za-z0-9-]+$/.test(label)) {
      const bad = [...label].find((c) => !/[A-Za-z0-9-]/.test(c));
      return `its label ${JSON.stringify(label)} contains ${JSON.stringify(bad)}; only letters, digits and '-' are allowed`;
    }
    if (label.startsWith('-') || label.endsWith('-')) return `its label ${JSON.stringify(label)} starts or ends with '-'`;
  }
  return undefined;
}
