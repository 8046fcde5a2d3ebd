// X.509 primitives over node-forge: a CA, and certificates it signs. Keys come from
// Node's native RSA generator (node-forge's pure-JS one takes seconds).
import { generateKeyPairSync, randomBytes, X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPair {
  /** PKCS#8 PEM */
  keyPem: string;
  certPem: string;
}

export type CertUsage = 'ca' | 'server' | 'client' | 'serverClient';

export interface CertRequest {
  commonName: string;
  usage: CertUsage;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** days of validity; easy-rsa's defaults are 3650 for a CA and 825 for others */
  days?: number;
  /** hex, without leading zero issues; random 128-bit when omitted */
  serialHex?: string;
  /** reuse an existing key instead of generating one */
  keyPem?: string;
  organization?: string;
}

export function generateKeyPem(bits = 2048): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return privateKey;
}

/** A positive serial of 16 random bytes, as easy-rsa 3 makes them. */
export function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex').toUpperCase();
}

function publicKeyPemOf(keyPem: string): string {
  return createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

function buildCertificate(req: CertRequest, issuer?: KeyPair): KeyPair & { serialHex: string } {
  const keyPem = req.keyPem ?? generateKeyPem();
  const serialHex = req.serialHex ?? randomSerialHex();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPemOf(keyPem));
  cert.serialNumber = serialHex.toLowerCase();
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (req.days ?? (req.usage === 'ca' ? 3650 : 825)) * 86_400_000);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: req.commonName }];
  if (req.organization) subject.push({ name: 'organizationName', value: req.organization });
  cert.setSubject(subject);

  let signingKeyPem = keyPem;
  if (issuer) {
    const issuerCert = forge.pki.certificateFromPem(issuer.certPem);
    cert.setIssuer(issuerCert.subject.attributes);
    signingKeyPem = issuer.keyPem;
  } else {
    cert.setIssuer(subject);
  }

  const isCA = req.usage === 'ca';
  const extensions: unknown[] = [
    { name: 'basicConstraints', cA: isCA, critical: isCA },
    { name: 'subjectKeyIdentifier' },
  ];
  if (issuer) {
    const issuerCert = forge.pki.certificateFromPem(issuer.certPem);
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() });
  }
  if (isCA) {
    extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
  } else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({
      name: 'extKeyUsage',
      serverAuth: req.usage === 'server' || req.usage === 'serverClient',
      clientAuth: req.usage === 'client' || req.usage === 'serverClient',
    });
  }
  const altNames = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(req.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length) extensions.push({ name: 'subjectAltName', altNames });
  cert.setExtensions(extensions as never[]);
  cert.sign(forge.pki.privateKeyFromPem(signingKeyPem), forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert), serialHex };
}

/** A self-signed CA certificate and its key. */
export function createCA(commonName: string, opts: Omit<CertRequest, 'commonName' | 'usage'> = {}): KeyPair {
  return buildCertificate({ ...opts, commonName, usage: 'ca' });
}

/** A certificate signed by `ca`. */
export function issueCertificate(ca: KeyPair, req: CertRequest): KeyPair & { serialHex: string } {
  return buildCertificate(req, ca);
}

export interface CertFacts {
  subjectAltNames: string[];
  serialHex: string;
  notAfter: Date;
  expired: boolean;
  signedBy(caCertPem: string): boolean;
  matchesKey(keyPem: string): boolean;
}

/** What a PEM certificate says about itself, via Node's native X509 parser. */
export function inspectCertificate(certPem: string): CertFacts {
  const x = new X509Certificate(certPem);
  const notAfter = new Date(x.validTo);
  return {
    subjectAltNames: x.subjectAltName ? x.subjectAltName.split(/,\s*/) : [],
    serialHex: x.serialNumber.toUpperCase(),
    notAfter,
    expired: notAfter.getTime() <= Date.now() || new Date(x.validFrom).getTime() > Date.now() + 300_000,
    signedBy(caCertPem) {
      const ca = new X509Certificate(caCertPem);
      return x.checkIssued(ca) && x.verify(ca.publicKey);
    },
    matchesKey(keyPem) {
      try {
        return x.checkPrivateKey(createPrivateKey(keyPem));
      } catch {
        return false;
      }
    },
  };
}
