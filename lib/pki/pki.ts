// X.509 primitives: a CA, certificates it signs, PKCS#10 requests, and what an existing
// certificate says about itself. Everything is native: keys from node:crypto (RSA or
// EC), the to-be-signed bytes from lib/der.ts, signatures from crypto.sign. No
// JavaScript big-number work, so issuing costs about a millisecond plus key generation.
import {
  generateKeyPair,
  generateKeyPairSync,
  randomBytes,
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  type KeyObject,
} from 'node:crypto';
import * as der from './der.ts';

export interface KeyPair {
  /** PKCS#8 PEM */
  keyPem: string;
  certPem: string;
}

export type CertUsage = 'ca' | 'server' | 'client' | 'serverClient';

/** RSA of some size, or an elliptic curve by its OpenSSL name. */
export type KeyAlgorithm = { kind: 'rsa'; bits: number } | { kind: 'ec'; curve: 'prime256v1' | 'secp384r1' };

export const RSA_2048: KeyAlgorithm = { kind: 'rsa', bits: 2048 };
/** easy-rsa's `--use-algo=ec` default curve. */
export const EC_P384: KeyAlgorithm = { kind: 'ec', curve: 'secp384r1' };
/** NIST P-256: what k3s and most ECDSA TLS use; the fastest curve in OpenSSL and Go. */
export const EC_P256: KeyAlgorithm = { kind: 'ec', curve: 'prime256v1' };

export interface CertRequest {
  commonName: string;
  usage: CertUsage;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** days of validity; easy-rsa's defaults are 3650 for a CA and 825 for others */
  days?: number;
  /** hex, without leading zero issues; random 128-bit when omitted */
  serialHex?: string;
  /** reuse an existing key instead of generating one (RSA 2048 when generated here) */
  keyPem?: string;
  organization?: string;
  /** start of validity; one minute ago when omitted */
  notBefore?: Date;
}

const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  rsaSha256: '1.2.840.113549.1.1.11',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const pkcs8 = { type: 'pkcs8', format: 'pem' } as const;

export function generateKeyPem(bits = 2048): string {
  return generateKeyPairSync('rsa', { modulusLength: bits, privateKeyEncoding: pkcs8, publicKeyEncoding: { type: 'spki', format: 'pem' } })
    .privateKey;
}

/** A new private key as PKCS#8 PEM, made on the main thread. */
export function generateKeySync(alg: KeyAlgorithm): string {
  const spki = { type: 'spki', format: 'der' } as const;
  return alg.kind === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: alg.curve, privateKeyEncoding: pkcs8, publicKeyEncoding: spki }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: alg.bits, privateKeyEncoding: pkcs8, publicKeyEncoding: spki }).privateKey;
}

/**
 * A new private key as PKCS#8 PEM (what easy-rsa 3 writes). RSA keys are generated off the
 * main thread, so that several can be made at once; an EC key takes about a millisecond,
 * less than starting libuv's thread pool, so it is made right here.
 */
export function generateKey(alg: KeyAlgorithm): Promise<string> {
  if (alg.kind === 'ec') {
    try {
      return Promise.resolve(generateKeySync(alg));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: alg.bits, privateKeyEncoding: pkcs8, publicKeyEncoding: { type: 'spki', format: 'der' } }, (err, _pub, priv) =>
      err ? reject(err) : resolve(priv),
    );
  });
}

/** A positive serial of 16 random bytes, as easy-rsa 3 makes them. */
export function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex').toUpperCase();
}

// ---- building blocks ----

function nameDer(commonName: string, organization?: string): Buffer {
  const rdn = (oid: string, value: string) => der.set(der.sequence(der.oid(oid), der.utf8String(value)));
  return der.sequence(...(organization ? [rdn(OID.organizationName, organization)] : []), rdn(OID.commonName, commonName));
}

/** The signature AlgorithmIdentifier and digest for a signing key. */
function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'rsa') return der.sequence(der.oid(OID.rsaSha256), der.nullValue());
  if (key.asymmetricKeyType === 'ec') return der.sequence(der.oid(OID.ecdsaSha256));
  throw new Error(`unsupported signing key type ${key.asymmetricKeyType}`);
}

/** Signs `tbs` and wraps it as Certificate / CertificationRequest: SEQ { tbs, alg, BIT STRING sig }. */
function signed(tbs: Buffer, key: KeyObject): Buffer {
  const alg = signatureAlgorithm(key);
  return der.sequence(tbs, alg, der.bitString(sign('sha256', tbs, key)));
}

function spkiOf(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (as OpenSSL's `hash`). */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, bits] = der.children(der.readNode(spki));
  return createHash('sha1').update(der.content(bits).subarray(1)).digest();
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.oid(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** KeyUsage named bits → DER BIT STRING (trailing zero bits dropped, as DER requires). */
function keyUsageBits(bits: number[]): Buffer {
  let value = 0;
  for (const b of bits) value |= 0x8000 >> b;
  const bytes = value & 0xff ? [value >> 8, value & 0xff] : [value >> 8];
  const last = bytes[bytes.length - 1];
  let unused = 0;
  while (unused < 8 && !(last & (1 << unused))) unused++;
  return der.tlv(0x03, Buffer.from([unused, ...bytes]));
}

function ipBytes(ip: string): Buffer {
  if (ip.includes(':')) {
    const [head, tail = ''] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
  }
  return Buffer.from(ip.split('.').map(Number));
}

/** What the certificate builder needs from an issuing CA certificate. */
export interface IssuerFacts {
  subjectDer: Buffer;
  keyId: Buffer;
}

/** The raw subject Name and key identifier of a certificate (PEM, possibly with `openssl ca`'s text before it). */
export function issuerFacts(certPem: string): IssuerFacts {
  const cert = der.readNode(der.fromPem(certPem, 'CERTIFICATE'));
  const tbsFields = der.children(der.children(cert)[0]);
  const offset = tbsFields[0].tag === 0xa0 ? 1 : 0; // [0] version
  const subject = tbsFields[offset + 4];
  const spki = tbsFields[offset + 5];
  let keyId: Buffer | undefined;
  const exts = tbsFields.find((f) => f.tag === 0xa3);
  if (exts) {
    for (const ext of der.children(der.children(exts)[0])) {
      const parts = der.children(ext);
      if (der.decodeOid(parts[0]) === OID.subjectKeyIdentifier) {
        keyId = Buffer.from(der.content(der.readNode(der.content(parts[parts.length - 1]))));
      }
    }
  }
  return { subjectDer: Buffer.from(der.raw(subject)), keyId: keyId ?? keyIdentifier(Buffer.from(der.raw(spki))) };
}

export interface CertificateSpec {
  serialHex: string;
  subjectDer: Buffer;
  /** the subject key: a public key, or a private key whose public half is certified */
  subjectKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  usage: CertUsage;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** absent: self-signed with `subjectKey` */
  issuer?: { facts: IssuerFacts; key: KeyObject };
}

/** DER of a certificate per `spec`, signed natively (RSA: sha256WithRSAEncryption; EC: ecdsa-with-SHA256). */
export function buildCertificateDer(spec: CertificateSpec): Buffer {
  const spki = spkiOf(spec.subjectKey);
  const ski = keyIdentifier(spki);
  const isCA = spec.usage === 'ca';
  const signingKey = spec.issuer?.key ?? spec.subjectKey;
  if (signingKey.type !== 'private') throw new Error('a self-signed certificate needs the private key');
  const ecSubject = (spec.subjectKey.asymmetricKeyType ?? '') === 'ec';

  const exts = [
    extension(OID.basicConstraints, isCA, der.sequence(...(isCA ? [der.boolean(true)] : []))),
    extension(OID.subjectKeyIdentifier, false, der.octetString(ski)),
    extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, spec.issuer?.facts.keyId ?? ski))),
  ];
  if (isCA) {
    exts.push(extension(OID.keyUsage, true, keyUsageBits([5, 6]))); // keyCertSign, cRLSign
  } else {
    // digitalSignature (+ keyEncipherment, which RFC 5480 forbids for EC keys)
    exts.push(extension(OID.keyUsage, true, keyUsageBits(ecSubject ? [0] : [0, 2])));
    const eku = [
      ...(spec.usage === 'server' || spec.usage === 'serverClient' ? [der.oid(OID.serverAuth)] : []),
      ...(spec.usage === 'client' || spec.usage === 'serverClient' ? [der.oid(OID.clientAuth)] : []),
    ];
    exts.push(extension(OID.extKeyUsage, false, der.sequence(...eku)));
  }
  const altNames = [
    ...(spec.dnsNames ?? []).map((d) => der.implicitPrimitive(2, Buffer.from(d, 'ascii'))),
    ...(spec.ipAddresses ?? []).map((ip) => der.implicitPrimitive(7, ipBytes(ip))),
  ];
  if (altNames.length) exts.push(extension(OID.subjectAltName, false, der.sequence(...altNames)));

  const tbs = der.sequence(
    der.explicit(0, der.unsignedInteger(2)),
    der.unsignedInteger(spec.serialHex),
    signatureAlgorithm(signingKey),
    spec.issuer?.facts.subjectDer ?? spec.subjectDer,
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    spec.subjectDer,
    spki,
    der.explicit(3, der.sequence(...exts)),
  );
  return signed(tbs, signingKey);
}

/** A PKCS#10 request (as easy-rsa keeps in `reqs/`): subject CN and the key's public half. */
export function buildRequestPem(commonName: string, key: KeyObject): string {
  const info = der.sequence(der.unsignedInteger(0), nameDer(commonName), spkiOf(key), der.tlv(0xa0));
  return der.toPem('CERTIFICATE REQUEST', signed(info, key));
}

export { nameDer };

function buildCertificate(req: CertRequest, issuer?: KeyPair): KeyPair & { serialHex: string } {
  const keyPem = req.keyPem ?? generateKeyPem();
  const serialHex = req.serialHex ?? randomSerialHex();
  const key = createPrivateKey(keyPem);
  const notBefore = req.notBefore ?? new Date(Date.now() - 60_000);
  const days = req.days ?? (req.usage === 'ca' ? 3650 : 825);
  const certDer = buildCertificateDer({
    serialHex,
    subjectDer: nameDer(req.commonName, req.organization),
    subjectKey: key,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * 86_400_000),
    usage: req.usage,
    dnsNames: req.dnsNames,
    ipAddresses: req.ipAddresses,
    issuer: issuer && { facts: issuerFacts(issuer.certPem), key: createPrivateKey(issuer.keyPem) },
  });
  return { keyPem, certPem: der.toPem('CERTIFICATE', certDer), serialHex };
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
  notBefore: Date;
  notAfter: Date;
  expired: boolean;
  isCA: boolean;
  /** extended key usage OIDs; empty when the extension is absent */
  extKeyUsage: string[];
  serverAuth: boolean;
  signedBy(caCertPem: string): boolean;
  matchesKey(keyPem: string): boolean;
}

/** What a PEM certificate says about itself, via Node's native X509 parser. */
export function inspectCertificate(certPem: string): CertFacts {
  const x = new X509Certificate(certPem);
  const notAfter = new Date(x.validTo);
  const notBefore = new Date(x.validFrom);
  const eku = x.keyUsage ?? [];
  return {
    subjectAltNames: x.subjectAltName ? x.subjectAltName.split(/,\s*/) : [],
    serialHex: x.serialNumber.toUpperCase(),
    notBefore,
    notAfter,
    expired: notAfter.getTime() <= Date.now() || notBefore.getTime() > Date.now() + 300_000,
    isCA: x.ca,
    extKeyUsage: eku,
    serverAuth: eku.includes(OID.serverAuth),
    signedBy(caCertPem) {
      try {
        const ca = new X509Certificate(caCertPem);
        return x.checkIssued(ca) && x.verify(ca.publicKey);
      } catch {
        return false;
      }
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
