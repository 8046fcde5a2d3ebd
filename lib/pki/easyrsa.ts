// An easy-rsa PKI, kept in easy-rsa 3's on-disk layout and bookkeeping, without running
// easy-rsa: `pki/ca.crt`, `pki/private/ca.key`, `pki/issued/NAME.crt`,
// `pki/private/NAME.key`, `pki/reqs/NAME.req`, `pki/certs_by_serial/SERIAL.pem`,
// `pki/revoked/{certs,private,reqs}_by_serial/`, and the `openssl ca` database
// (`index.txt`, `index.txt.attr`, `serial`, with their `.old` backups). A PKI made here
// can be used by easy-rsa afterwards, and a PKI made by easy-rsa is re-used here.
import { existsSync, mkdirSync, readFileSync, statSync, chmodSync, renameSync, unlinkSync, copyFileSync, realpathSync } from 'node:fs';
import { join, resolve, isAbsolute, delimiter } from 'node:path';
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { writeFileAtomic, withFileLock, readFileIfExists } from '../util/fsutil.ts';
import { CommandError } from '../cli/errors.ts';
import {
  EC_P256,
  generateKey,
  generateKeySync,
  randomSerialHex,
  buildCertificateDer,
  buildRequestPem,
  issuerFacts,
  nameDer,
  type KeyAlgorithm,
} from './pki.ts';
import { toPem } from './der.ts';

const DAY = 86_400_000;

/** Where things live in a PKI rooted at `dir`. */
export function pkiLayout(dir: string) {
  return {
    dir,
    private: join(dir, 'private'),
    reqs: join(dir, 'reqs'),
    issued: join(dir, 'issued'),
    certsBySerial: join(dir, 'certs_by_serial'),
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'private', 'ca.key'),
    index: join(dir, 'index.txt'),
    indexAttr: join(dir, 'index.txt.attr'),
    serial: join(dir, 'serial'),
    cert: (name: string) => join(dir, 'issued', `${name}.crt`),
    key: (name: string) => join(dir, 'private', `${name}.key`),
    req: (name: string) => join(dir, 'reqs', `${name}.req`),
  };
}
export type PkiLayout = ReturnType<typeof pkiLayout>;

/** The file name base (and certificate CN) for the kcp server credentials of `domain`. */
export const serverNameFor = (domain: string): string => `kcp-DNS-${domain}`;

/**
 * The file name base KubeStellar v0.14's script uses for `domain`: `kcp-server-` and
 * characters 2-34 of the hex SHA-256 of the domain followed by a newline. Sound
 * credentials under that name are re-used rather than issuing a second pair.
 */
export const v014ServerNameFor = (domain: string): string => `kcp-server-${createHash('sha256').update(`${domain}\n`).digest('hex').slice(1, 34)}`;

export { dnsNameProblem } from './dns-name.ts';

// ---- the openssl ca database ----

export interface IndexEntry {
  status: string;
  expires: string;
  revoked: string;
  serial: string;
  file: string;
  subject: string;
}

export function parseIndex(text: string): IndexEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [status = '', expires = '', revoked = '', serial = '', file = '', ...rest] = l.split('\t');
      return { status, expires, revoked, serial: serial.toUpperCase(), file, subject: rest.join('\t') };
    });
}

export const formatIndexEntry = (e: IndexEntry): string =>
  [e.status, e.expires, e.revoked, e.serial, e.file, e.subject].join('\t') + '\n';

/** A date as `openssl ca` writes it in index.txt: UTCTime through 2049, GeneralizedTime after. */
export function indexTime(d: Date): string {
  const s = d.toISOString().slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050 ? s.slice(2) : s;
}

// ---- inspection ----

/** PKCS#8 encrypted, or a traditional PEM with a DEK-Info header (easy-rsa without nopass). */
export const isEncryptedPem = (pem: string): boolean => /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem);

/** Why the credentials at `certPath`/`keyPath` are not fit for `domain` under this CA, or undefined if they are. */
export function credentialsProblem(certPath: string, keyPath: string, domain: string, ca: string | X509Certificate, now = Date.now()): string | undefined {
  const certPem = readFileIfExists(certPath);
  const keyPem = readFileIfExists(keyPath);
  if (certPem === undefined) return `there is no certificate at ${certPath}`;
  if (keyPem === undefined) return `there is no key at ${keyPath}`;
  let x: X509Certificate;
  try {
    x = new X509Certificate(certPem);
  } catch (err) {
    return `${certPath} is not a readable certificate (${(err as Error).message})`;
  }
  const sans = x.subjectAltName ? x.subjectAltName.split(/,\s*/) : [];
  const want = `DNS:${domain}`;
  if (sans.length !== 1 || sans[0] !== want) return `their SAN is '${sans.length ? sans.join(', ') : 'none'}', not '${want}'`;
  const caX = typeof ca === 'string' ? new X509Certificate(ca) : ca;
  if (!(x.checkIssued(caX) && x.verify(caX.publicKey))) return 'the certificate is not signed by the current CA';
  const notAfter = new Date(x.validTo);
  const notBefore = new Date(x.validFrom);
  if (notAfter.getTime() <= now) return `the certificate expired on ${notAfter.toISOString()}`;
  if (notBefore.getTime() > now + 300_000) return `the certificate is not valid before ${notBefore.toISOString()}`;
  if (!(x.keyUsage ?? []).includes(SERVER_AUTH)) return 'the certificate is not for TLS server authentication';
  if (isEncryptedPem(keyPem)) return `the key ${keyPath} is encrypted, which kcp cannot use`;
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    return `the key ${keyPath} cannot be read (${(err as Error).message})`;
  }
  if (!x.checkPrivateKey(key)) return 'the key does not match the certificate';
  return undefined;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

// ---- creating ----

export interface EnsureOptions {
  /** the PKI directory, absolute */
  pkiDir: string;
  /** progress lines (stderr) */
  log?: (line: string) => void;
  /** for the CA and the server keys; default EC P-256 (fast to make and verify; easy-rsa: --use-algo=ec --curve=prime256v1) */
  keyAlgorithm?: KeyAlgorithm;
  /** CA validity, easy-rsa's default 3650 days */
  caDays?: number;
  /** server certificate validity, clamped to the CA's; 10000 days, as the original */
  serverDays?: number;
}

export interface ServerCreds {
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** what happened: re-used, or newly issued */
  issued: boolean;
}

const dirMode = 0o700;
const keyMode = 0o600;

function ensureDir(path: string): boolean {
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new CommandError(`${path} exists and is not a directory`);
    return false;
  }
  mkdirSync(path, { recursive: true, mode: dirMode });
  return true;
}

/**
 * easy-rsa 3.1 needs its OpenSSL config in the PKI (it will not run without it); copy it
 * from an installed easy-rsa as `init-pki` does. Returns false when none is installed.
 */
function installEasyRsaConfig(dir: string): boolean {
  const target = join(dir, 'openssl-easyrsa.cnf');
  if (existsSync(target)) return true;
  const areas = [
    ...(process.env.EASYRSA ? [process.env.EASYRSA] : []),
    ...(process.env.PATH ?? '').split(delimiter).filter((p) => isAbsolute(p) && existsSync(join(p, 'easyrsa'))),
    '/etc/easy-rsa',
    '/usr/share/easy-rsa',
    '/usr/local/share/easy-rsa',
  ];
  for (const area of areas) {
    const src = join(area, 'openssl-easyrsa.cnf');
    if (existsSync(src)) {
      copyFileSync(src, target);
      chmodSync(target, 0o600);
      return true;
    }
  }
  return false;
}

function readCA(layout: PkiLayout, now: number): { pem: string; x509: X509Certificate } {
  const caCertPem = readFileSync(layout.caCert, 'utf8');
  let x: X509Certificate;
  try {
    x = new X509Certificate(caCertPem);
  } catch (err) {
    void err; // OpenSSL's text (`error:0480006C:PEM routines::no start line`) says less than this
    throw new CommandError(`${layout.caCert} does not hold a PEM certificate; move it aside to let a new CA be made`);
  }
  if (!x.ca) throw new CommandError(`${layout.caCert} is not a CA certificate`);
  if (new Date(x.validTo).getTime() <= now) {
    throw new CommandError(`the CA certificate ${layout.caCert} expired on ${new Date(x.validTo).toISOString()}; renew it (easyrsa renew-ca) or move ${layout.dir} aside`);
  }
  return { pem: caCertPem, x509: x };
}

function loadCAKey(layout: PkiLayout, caCertPem: string): KeyObject {
  let key: KeyObject;
  const pem = readFileSync(layout.caKey, 'utf8');
  if (isEncryptedPem(pem)) throw new CommandError(`the CA key ${layout.caKey} is encrypted; this command needs a CA made with 'nopass'`);
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new CommandError(`cannot read the CA key ${layout.caKey}: ${(err as Error).message}`);
  }
  if (!new X509Certificate(caCertPem).checkPrivateKey(key)) throw new CommandError(`the CA key ${layout.caKey} does not match ${layout.caCert}`);
  return key;
}

/** The CA-side files and directories easy-rsa's build-ca makes, created where missing. */
function ensureCALayout(layout: PkiLayout): void {
  for (const d of [layout.issued, layout.certsBySerial, ...['certs', 'private', 'reqs'].map((k) => join(layout.dir, 'revoked', `${k}_by_serial`))]) ensureDir(d);
  if (!existsSync(layout.index)) writeFileAtomic(layout.index, '', { mode: keyMode });
  if (!existsSync(layout.indexAttr)) writeFileAtomic(layout.indexAttr, '', { mode: keyMode });
  if (!existsSync(layout.serial)) writeFileAtomic(layout.serial, '01\n', { mode: keyMode });
}

function createCAFiles(layout: PkiLayout, keyPem: string, days: number, log: (l: string) => void): string {
  const key = createPrivateKey(keyPem);
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  // The original names its CA `easy@<seconds since the epoch>`.
  const subjectDer = nameDer(`easy@${Math.floor(notBefore.getTime() / 1000)}`);
  const certDer = buildCertificateDer({
    serialHex: randomSerialHex(),
    subjectDer,
    subjectKey: key,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * DAY),
    usage: 'ca',
  });
  ensureCALayout(layout);
  writeFileAtomic(layout.caKey, keyPem, { mode: keyMode, forceMode: true });
  const certPem = toPem('CERTIFICATE', certDer);
  writeFileAtomic(layout.caCert, certPem, { mode: keyMode });
  log(`Created CA at ${layout.caKey}`);
  return certPem;
}

function moveIfExists(from: string, to: string): void {
  if (existsSync(from)) renameSync(from, to);
}

/**
 * Marks the certificate being replaced as revoked (reason superseded) in index.txt and
 * moves its files under revoked/, as `easyrsa revoke` does, so the database never lists
 * two valid certificates for one name. Returns the new index text.
 */
function supersede(layout: PkiLayout, name: string, indexText: string, log: (l: string) => void): string {
  const certPem = readFileIfExists(layout.cert(name));
  if (certPem === undefined) return indexText;
  let serial: string;
  try {
    serial = new X509Certificate(certPem).serialNumber.toUpperCase();
  } catch {
    return indexText;
  }
  const entries = parseIndex(indexText);
  const entry = entries.find((e) => e.serial === serial && e.status === 'V');
  if (!entry) return indexText;
  entry.status = 'R';
  entry.revoked = `${indexTime(new Date())},superseded`;
  const revoked = join(layout.dir, 'revoked');
  moveIfExists(layout.cert(name), join(revoked, 'certs_by_serial', `${serial}.crt`));
  moveIfExists(layout.key(name), join(revoked, 'private_by_serial', `${serial}.key`));
  moveIfExists(layout.req(name), join(revoked, 'reqs_by_serial', `${serial}.req`));
  try {
    unlinkSync(join(layout.certsBySerial, `${serial}.pem`));
  } catch {
    /* not there */
  }
  log(`Revoked the superseded certificate, serial ${serial}`);
  return entries.map(formatIndexEntry).join('');
}

/** Writes a file and keeps the previous content as FILE.old, as `openssl ca` does. */
function writeWithBackup(path: string, text: string): void {
  const previous = readFileIfExists(path);
  if (previous !== undefined) writeFileAtomic(`${path}.old`, previous, { mode: keyMode });
  writeFileAtomic(path, text, { mode: keyMode });
}

function issueServerFiles(layout: PkiLayout, domain: string, caCertPem: string, caKey: KeyObject, keyPem: string, days: number, log: (l: string) => void): void {
  const name = serverNameFor(domain);
  let indexText = readFileIfExists(layout.index) ?? '';
  indexText = supersede(layout, name, indexText, log);

  const used = new Set(parseIndex(indexText).map((e) => e.serial));
  let serialHex = randomSerialHex();
  while (used.has(serialHex) || existsSync(join(layout.certsBySerial, `${serialHex}.pem`))) serialHex = randomSerialHex();

  const key = createPrivateKey(keyPem);
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  const caNotAfter = new Date(new X509Certificate(caCertPem).validTo);
  const notAfter = new Date(Math.min(notBefore.getTime() + days * DAY, caNotAfter.getTime()));
  const certPem = toPem(
    'CERTIFICATE',
    buildCertificateDer({
      serialHex,
      subjectDer: nameDer(name),
      subjectKey: key,
      notBefore,
      notAfter,
      usage: 'server',
      dnsNames: [domain],
      issuer: { facts: issuerFacts(caCertPem), key: caKey },
    }),
  );

  writeFileAtomic(layout.key(name), keyPem, { mode: keyMode, forceMode: true });
  writeFileAtomic(layout.req(name), buildRequestPem(name, key), { mode: keyMode });
  writeFileAtomic(join(layout.certsBySerial, `${serialHex}.pem`), certPem, { mode: keyMode });
  writeFileAtomic(layout.cert(name), certPem, { mode: keyMode });
  // The database last, as `openssl ca` leaves it: the entry, the next serial, the backups.
  writeWithBackup(layout.indexAttr, 'unique_subject = no\n');
  writeWithBackup(layout.index, indexText + formatIndexEntry({ status: 'V', expires: indexTime(notAfter), revoked: '', serial: serialHex, file: 'unknown', subject: `/CN=${name}` }));
  writeFileAtomic(`${layout.serial}.old`, serialHex.toLowerCase() + '\n', { mode: keyMode });
  writeFileAtomic(layout.serial, (BigInt(`0x${serialHex}`) + 1n).toString(16).toUpperCase().padStart(serialHex.length, '0') + '\n', { mode: keyMode });
  log(`Issued a certificate for DNS:${domain} at ${layout.cert(name)}`);
}

function privateDirIsTight(layout: PkiLayout): void {
  const mode = statSync(layout.private).mode & 0o777;
  if (mode & 0o077) chmodSync(layout.private, dirMode);
}

/**
 * Creates or re-uses the PKI at `opts.pkiDir`, its CA, and the kcp server key and
 * certificate for `domain` (one SAN, DNS:domain, server auth, signed by the CA).
 * Existing credentials are kept when sound; otherwise they are re-issued, saying why.
 */
export async function ensureServerCreds(domain: string, opts: EnsureOptions): Promise<ServerCreds> {
  const log = opts.log ?? (() => {});
  const alg = opts.keyAlgorithm ?? EC_P256;
  const layout = pkiLayout(opts.pkiDir);
  const name = serverNameFor(domain);
  const result = { caCert: layout.caCert, serverCert: layout.cert(name), serverKey: layout.key(name) };
  const halfCA = (): CommandError | undefined => {
    const c = existsSync(layout.caCert);
    const k = existsSync(layout.caKey);
    if (c === k) return undefined;
    return new CommandError(
      c
        ? `${layout.caCert} exists but its key ${layout.caKey} does not; refusing to replace the CA`
        : `${layout.caKey} exists but ${layout.caCert} does not; refusing to replace the CA`,
    );
  };
  // A CA that cannot be used is refused before anything is created; a sound one is read once.
  const existingCA = existsSync(layout.caCert) ? readCA(layout, Date.now()) : undefined;
  const half = halfCA();
  if (half) throw half;

  // PKI: easy-rsa's own test for an initialised PKI is the private and reqs directories.
  if (existsSync(layout.private) && existsSync(layout.reqs)) {
    log(`Re-using PKI at ${layout.dir}`);
    // A PKI made while easy-rsa was not installed gets easy-rsa's config once it is.
    installEasyRsaConfig(layout.dir);
  } else {
    ensureDir(layout.dir);
    ensureDir(layout.private);
    ensureDir(layout.reqs);
    log(`Created PKI at ${layout.dir}`);
    if (!installEasyRsaConfig(layout.dir)) {
      log(`Note: easy-rsa is not installed, so ${join(layout.dir, 'openssl-easyrsa.cnf')} is not there yet; run this command again after installing easy-rsa before using easyrsa on this PKI`);
    }
  }
  privateDirIsTight(layout);


  // Fast path, no lock: everything already there and sound.
  if (existingCA) {
    log(`Re-using CA at ${layout.caKey}`);
    const ca = existingCA.x509;
    const problem = credentialsProblem(result.serverCert, result.serverKey, domain, ca);
    if (!problem) {
      ensureCALayout(layout);
      log('Accepting existing credentials');
      return { ...result, issued: false };
    }
    // Ours are missing or unsound: those the original made for this domain will do.
    const v014 = v014ServerNameFor(domain);
    if (credentialsProblem(layout.cert(v014), layout.key(v014), domain, ca) === undefined) {
      ensureCALayout(layout);
      log('Accepting existing credentials');
      return { ...result, serverCert: layout.cert(v014), serverKey: layout.key(v014), issued: false };
    }
    if (existsSync(result.serverCert) || existsSync(result.serverKey)) log(`Rejecting existing credentials: ${problem}`);
  } else if (existsSync(result.serverCert) || existsSync(result.serverKey)) {
    log('Rejecting existing credentials: there is no CA that could have signed them');
  }

  // Something to write. Make the keys that may be needed first (RSA ones concurrently).
  const [caKeyPem, serverKeyPem] = await Promise.all([existingCA ? undefined : generateKey(alg), generateKey(alg)]);

  withFileLock(join(layout.dir, '.kubestellar-pki'), () => {
    // Decide again under the lock: a concurrent run may have done (or be half way through,
    // which the lock excludes) the same work meanwhile.
    const half = halfCA();
    if (half) throw half;
    let caCertPem: string;
    if (existsSync(layout.caCert)) {
      caCertPem = readCA(layout, Date.now()).pem;
      ensureCALayout(layout);
    } else {
      caCertPem = createCAFiles(layout, caKeyPem ?? generateKeySync(alg), opts.caDays ?? 3650, log);
    }
    if (credentialsProblem(result.serverCert, result.serverKey, domain, caCertPem) === undefined) return;
    issueServerFiles(layout, domain, caCertPem, loadCAKey(layout, caCertPem), serverKeyPem, opts.serverDays ?? 10_000, log);
  });
  return { ...result, issued: true };
}

/** The absolute directory for `pki`, as the user sees the current directory ($PWD when it is this directory). */
export function defaultPkiDir(): string {
  const cwd = process.cwd();
  const pwd = process.env.PWD;
  if (pwd && isAbsolute(pwd)) {
    try {
      if (realpathSync(pwd) === realpathSync(cwd)) return join(pwd, 'pki');
    } catch {
      /* fall through */
    }
  }
  return resolve(cwd, 'pki');
}
