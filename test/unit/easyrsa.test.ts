// lib/pki/easyrsa.ts, lib/pki/pki.ts, lib/pki/der.ts, lib/util/shell-quote.ts: the PKI that
// kubestellar-ensure-kcp-server-creds keeps, checked with Node's own X509 and TLS.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import {
  ensureServerCreds,
  dnsNameProblem,
  parseIndex,
  indexTime,
  pkiLayout,
  credentialsProblem,
} from '../../lib/pki/easyrsa.ts';
import { createCA, issueCertificate, inspectCertificate, issuerFacts, keyIdentifier } from '../../lib/pki/pki.ts';
import * as der from '../../lib/pki/der.ts';
import { shellQuote } from '../../lib/util/shell-quote.ts';

let dir: string;
let pki: string;
let lines: string[];
const log = (l: string) => lines.push(l);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ks-pki-'));
  pki = join(dir, 'pki');
  lines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under the PKI with its bytes, for byte-identity checks. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(root, p)] = readFileSync(p, 'base64');
    }
  };
  walk(root);
  return out;
}

/** A TLS handshake to a server holding the pair for SNI `domain`, by a client trusting only `caPem`. */
async function handshake(domain: string, certPem: string, keyPem: string, caPem: string, sni = domain): Promise<{ authorized: boolean; error?: string }> {
  const server = tls.createServer({
    SNICallback: (name, cb) => cb(null, name === domain ? tls.createSecureContext({ cert: certPem, key: keyPem }) : undefined),
  });
  server.on('secureConnection', (s) => s.end('hi'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise((resolve) => {
      const sock = tls.connect({ host: '127.0.0.1', port, servername: sni, ca: caPem }, () => {
        resolve({ authorized: sock.authorized });
        sock.destroy();
      });
      sock.on('error', (err) => resolve({ authorized: false, error: err.message }));
    });
  } finally {
    server.close();
  }
}

describe('dnsNameProblem', () => {
  it('accepts RFC 1123 host names', () => {
    for (const n of ['yep.yep', 'localhost', 'a-b.c1.example.com', 'X.Example.ORG', '1a.b', 'a'.repeat(63) + '.b']) expect(dnsNameProblem(n)).toBeUndefined();
  });
  it('refuses everything else, saying why', () => {
    expect(dnsNameProblem('')).toMatch(/empty/);
    expect(dnsNameProblem('two words')).toMatch(/one word/);
    expect(dnsNameProblem('a..b')).toMatch(/empty label/);
    expect(dnsNameProblem('.a')).toMatch(/empty label/);
    expect(dnsNameProblem('a.')).toMatch(/end with a dot/);
    expect(dnsNameProblem('-a.b')).toMatch(/starts or ends with '-'/);
    expect(dnsNameProblem('a_b.c')).toMatch(/contains "_"/);
    expect(dnsNameProblem('*.b.c')).toMatch(/contains "\*"/);
    expect(dnsNameProblem('a/b')).toMatch(/contains "\/"/);
    expect(dnsNameProblem('10.0.0.1')).toMatch(/IP address/);
    expect(dnsNameProblem('a'.repeat(64) + '.b')).toMatch(/longer than 63/);
    expect(dnsNameProblem(('a'.repeat(60) + '.').repeat(5) + 'b')).toMatch(/at most 253/);
  });
});

describe('ensureServerCreds', () => {
  it('creates a PKI, a CA and a server pair that a TLS client trusting only the CA accepts for the SNI', async () => {
    const r = await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    expect(r).toEqual({
      caCert: join(pki, 'ca.crt'),
      serverCert: join(pki, 'issued', 'kcp-DNS-yep.yep.crt'),
      serverKey: join(pki, 'private', 'kcp-DNS-yep.yep.key'),
      issued: true,
    });
    expect(lines[0]).toBe(`Created PKI at ${pki}`);
    expect(lines[1]).toBe(`Created CA at ${join(pki, 'private', 'ca.key')}`);
    const cert = new X509Certificate(readFileSync(r.serverCert));
    const ca = new X509Certificate(readFileSync(r.caCert));
    expect(cert.subjectAltName).toBe('DNS:yep.yep');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.ca).toBe(false);
    expect(ca.ca).toBe(true);
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(r.serverKey)))).toBe(true);
    expect(readFileSync(r.serverKey, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8, as easy-rsa

    const ok = await handshake('yep.yep', readFileSync(r.serverCert, 'utf8'), readFileSync(r.serverKey, 'utf8'), readFileSync(r.caCert, 'utf8'));
    expect(ok).toEqual({ authorized: true });
    // A client trusting another CA refuses the same server.
    const other = createCA('someone else');
    const refused = await handshake('yep.yep', readFileSync(r.serverCert, 'utf8'), readFileSync(r.serverKey, 'utf8'), other.certPem);
    expect(refused.authorized).toBe(false);
  });

  it("keeps easy-rsa's layout, database and modes", async () => {
    await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    for (const d of ['private', 'reqs', 'issued', 'certs_by_serial', 'revoked/certs_by_serial', 'revoked/private_by_serial', 'revoked/reqs_by_serial']) {
      expect(statSync(join(pki, d)).isDirectory()).toBe(true);
    }
    expect(statSync(join(pki, 'private')).mode & 0o777).toBe(0o700);
    expect(statSync(join(pki, 'private', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(pki, 'private', 'kcp-DNS-yep.yep.key')).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(join(pki, 'issued', 'kcp-DNS-yep.yep.crt')));
    const serial = cert.serialNumber.toUpperCase();
    const [entry, ...more] = parseIndex(readFileSync(join(pki, 'index.txt'), 'utf8'));
    expect(more).toEqual([]);
    expect(entry).toEqual({ status: 'V', expires: indexTime(new Date(cert.validTo)), revoked: '', serial, file: 'unknown', subject: '/CN=kcp-DNS-yep.yep' });
    expect(readFileSync(join(pki, 'serial'), 'utf8')).toBe((BigInt(`0x${serial}`) + 1n).toString(16).toUpperCase().padStart(32, '0') + '\n');
    expect(readFileSync(join(pki, 'index.txt.attr'), 'utf8')).toBe('unique_subject = no\n');
    expect(readFileSync(join(pki, 'certs_by_serial', `${serial}.pem`), 'utf8')).toBe(readFileSync(join(pki, 'issued', 'kcp-DNS-yep.yep.crt'), 'utf8'));
    const req = readFileSync(join(pki, 'reqs', 'kcp-DNS-yep.yep.req'), 'utf8');
    expect(req).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
  });

  it('re-uses everything byte for byte on a second run, saying so', async () => {
    await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    const before = snapshot(pki);
    lines = [];
    const r = await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    expect(r.issued).toBe(false);
    expect(lines).toEqual([`Re-using PKI at ${pki}`, `Re-using CA at ${join(pki, 'private', 'ca.key')}`, 'Accepting existing credentials']);
    expect(snapshot(pki)).toEqual(before);
  });

  it('adds a second pair for another domain to the same PKI and CA', async () => {
    await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    const ca = readFileSync(join(pki, 'ca.crt'), 'utf8');
    const first = readFileSync(join(pki, 'issued', 'kcp-DNS-yep.yep.crt'), 'utf8');
    const r = await ensureServerCreds('other.example', { pkiDir: pki, log });
    expect(readFileSync(r.caCert, 'utf8')).toBe(ca);
    expect(readFileSync(join(pki, 'issued', 'kcp-DNS-yep.yep.crt'), 'utf8')).toBe(first);
    expect(new X509Certificate(readFileSync(r.serverCert)).subjectAltName).toBe('DNS:other.example');
    const entries = parseIndex(readFileSync(join(pki, 'index.txt'), 'utf8'));
    expect(entries.map((e) => [e.status, e.subject])).toEqual([
      ['V', '/CN=kcp-DNS-yep.yep'],
      ['V', '/CN=kcp-DNS-other.example'],
    ]);
    expect(await handshake('other.example', readFileSync(r.serverCert, 'utf8'), readFileSync(r.serverKey, 'utf8'), ca)).toEqual({ authorized: true });
  });

  describe('rejects unsound credentials and re-issues them', () => {
    const certPath = () => join(pki, 'issued', 'kcp-DNS-yep.yep.crt');
    const keyPath = () => join(pki, 'private', 'kcp-DNS-yep.yep.key');
    const caPair = () => ({ certPem: readFileSync(join(pki, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(pki, 'private', 'ca.key'), 'utf8') });

    async function expectReissued(reason: RegExp) {
      const oldCert = readFileSync(certPath(), 'utf8');
      lines = [];
      const r = await ensureServerCreds('yep.yep', { pkiDir: pki, log });
      expect(r.issued).toBe(true);
      expect(lines.find((l) => l.startsWith('Rejecting existing credentials'))).toMatch(reason);
      const newCert = readFileSync(certPath(), 'utf8');
      expect(newCert).not.toBe(oldCert);
      expect(credentialsProblem(certPath(), keyPath(), 'yep.yep', readFileSync(join(pki, 'ca.crt'), 'utf8'))).toBeUndefined();
      lines = [];
      await ensureServerCreds('yep.yep', { pkiDir: pki, log });
      expect(lines).toContain('Accepting existing credentials');
    }

    beforeEach(async () => {
      await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    });

    it('a wrong SAN', async () => {
      const key = readFileSync(keyPath(), 'utf8');
      writeFileSync(certPath(), issueCertificate(caPair(), { commonName: 'kcp-DNS-yep.yep', usage: 'server', dnsNames: ['nope.yep'], keyPem: key }).certPem);
      await expectReissued(/their SAN is 'DNS:nope.yep', not 'DNS:yep.yep'/);
    });

    it('an extra SAN', async () => {
      const key = readFileSync(keyPath(), 'utf8');
      writeFileSync(certPath(), issueCertificate(caPair(), { commonName: 'x', usage: 'server', dnsNames: ['yep.yep', 'more.yep'], keyPem: key }).certPem);
      await expectReissued(/their SAN is 'DNS:yep.yep, DNS:more.yep'/);
    });

    it('an expired certificate', async () => {
      const key = readFileSync(keyPath(), 'utf8');
      const notBefore = new Date(Date.now() - 10 * 86_400_000);
      writeFileSync(certPath(), issueCertificate(caPair(), { commonName: 'x', usage: 'server', dnsNames: ['yep.yep'], keyPem: key, notBefore, days: 2 }).certPem);
      await expectReissued(/expired on/);
    });

    it('a certificate from another CA', async () => {
      const key = readFileSync(keyPath(), 'utf8');
      writeFileSync(certPath(), issueCertificate(createCA('other'), { commonName: 'x', usage: 'server', dnsNames: ['yep.yep'], keyPem: key }).certPem);
      await expectReissued(/not signed by the current CA/);
    });

    it('a key that does not match', async () => {
      const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      writeFileSync(keyPath(), other);
      await expectReissued(/key does not match/);
    });

    it('a missing key', async () => {
      unlinkSync(keyPath());
      await expectReissued(/no key at/);
    });

    it('a client-only certificate', async () => {
      const key = readFileSync(keyPath(), 'utf8');
      writeFileSync(certPath(), issueCertificate(caPair(), { commonName: 'x', usage: 'client', dnsNames: ['yep.yep'], keyPem: key }).certPem);
      await expectReissued(/not for TLS server authentication/);
    });

    it('revokes the superseded entry in index.txt and moves its files under revoked/, as easyrsa revoke', async () => {
      const oldSerial = new X509Certificate(readFileSync(certPath())).serialNumber.toUpperCase();
      writeFileSync(keyPath(), generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      await ensureServerCreds('yep.yep', { pkiDir: pki, log });
      const entries = parseIndex(readFileSync(join(pki, 'index.txt'), 'utf8'));
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({ status: 'R', serial: oldSerial });
      expect(entries[0].revoked).toMatch(/^\d{12}Z,superseded$/);
      expect(entries[1]).toMatchObject({ status: 'V', subject: '/CN=kcp-DNS-yep.yep' });
      expect(existsSync(join(pki, 'revoked', 'certs_by_serial', `${oldSerial}.crt`))).toBe(true);
      expect(existsSync(join(pki, 'revoked', 'private_by_serial', `${oldSerial}.key`))).toBe(true);
      expect(existsSync(join(pki, 'revoked', 'reqs_by_serial', `${oldSerial}.req`))).toBe(true);
      expect(existsSync(join(pki, 'certs_by_serial', `${oldSerial}.pem`))).toBe(false);
    });
  });

  it('refuses to replace half a CA', async () => {
    await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    unlinkSync(join(pki, 'private', 'ca.key'));
    await expect(ensureServerCreds('yep.yep', { pkiDir: pki, log })).rejects.toThrow(/refusing to replace the CA/);
  });

  it('re-uses an RSA CA with a PKCS#1 key, and an EC key is fine too', async () => {
    await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    const ca = createCA('easy@1'); // RSA 2048, as `easyrsa build-ca nopass`
    writeFileSync(join(pki, 'ca.crt'), ca.certPem);
    writeFileSync(join(pki, 'private', 'ca.key'), createPrivateKey(ca.keyPem).export({ type: 'pkcs1', format: 'pem' }));
    lines = [];
    const r = await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    expect(lines).toContain('Rejecting existing credentials: the certificate is not signed by the current CA');
    expect(new X509Certificate(readFileSync(r.serverCert)).verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('refuses an encrypted CA key with a clear message', async () => {
    await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    const key = createPrivateKey(readFileSync(join(pki, 'private', 'ca.key')));
    writeFileSync(join(pki, 'private', 'ca.key'), key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }));
    await expect(ensureServerCreds('new.yep', { pkiDir: pki, log })).rejects.toThrow(/CA key .* is encrypted/);
    // ... but re-use needs no CA key.
    lines = [];
    await ensureServerCreds('yep.yep', { pkiDir: pki, log });
    expect(lines).toContain('Accepting existing credentials');
  });

  it('runs concurrently without corrupting the database', async () => {
    const domains = ['a.yep', 'b.yep', 'c.yep', 'd.yep'];
    await Promise.all(domains.map((d) => ensureServerCreds(d, { pkiDir: pki })));
    const entries = parseIndex(readFileSync(join(pki, 'index.txt'), 'utf8'));
    expect(entries.map((e) => e.subject).sort()).toEqual(domains.map((d) => `/CN=kcp-DNS-${d}`));
    const ca = readFileSync(join(pki, 'ca.crt'), 'utf8');
    for (const d of domains) expect(credentialsProblem(join(pki, 'issued', `kcp-DNS-${d}.crt`), join(pki, 'private', `kcp-DNS-${d}.key`), d, ca)).toBeUndefined();
  });
});

describe('pki and der', () => {
  it('createCA and issueCertificate keep their shapes (RSA by default) and openssl agrees', () => {
    const ca = createCA('test CA', { organization: 'kubestellar' });
    const s = issueCertificate(ca, { commonName: 'srv', usage: 'serverClient', dnsNames: ['a.b'], ipAddresses: ['127.0.0.1', '::1'] });
    expect(s.serialHex).toMatch(/^[0-9A-F]{32}$/);
    const f = inspectCertificate(s.certPem);
    expect(f.subjectAltNames).toEqual(['DNS:a.b', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']);
    expect(f.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(f.signedBy(ca.certPem) && f.matchesKey(s.keyPem)).toBe(true);
    expect(new X509Certificate(ca.certPem).subject).toBe('O=kubestellar\nCN=test CA');
    // The issuer's key identifier is carried into the AKI.
    expect(issuerFacts(ca.certPem).keyId).toEqual(keyIdentifier(new X509Certificate(ca.certPem).publicKey.export({ type: 'spki', format: 'der' })));
    const d = mkdtempSync(join(tmpdir(), 'ks-der-'));
    try {
      writeFileSync(join(d, 'ca.pem'), ca.certPem);
      writeFileSync(join(d, 's.pem'), s.certPem);
      expect(execFileSync('openssl', ['verify', '-CAfile', join(d, 'ca.pem'), join(d, 's.pem')], { encoding: 'utf8' })).toMatch(/: OK/);
    } finally {
      rmSync(d, { recursive: true });
    }
  });

  it('encodes DER integers, OIDs and times canonically', () => {
    expect(der.unsignedInteger(0).toString('hex')).toBe('020100');
    expect(der.unsignedInteger(2).toString('hex')).toBe('020102');
    expect(der.unsignedInteger('80').toString('hex')).toBe('02020080');
    expect(der.unsignedInteger('0001FF').toString('hex')).toBe('020201ff');
    expect(der.oid('1.2.840.113549.1.1.11').toString('hex')).toBe('06092a864886f70d01010b');
    expect(der.time(new Date('2049-12-31T23:59:59Z')).toString('ascii').slice(2)).toBe('491231235959Z');
    expect(der.time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
    expect(indexTime(new Date('2054-04-09T04:31:46Z'))).toBe('20540409043146Z');
    expect(indexTime(new Date('2029-02-24T04:27:22Z'))).toBe('290224042722Z');
    const long = der.octetString(Buffer.alloc(300));
    expect(long.subarray(0, 4).toString('hex')).toBe('0482012c');
    expect(der.readNode(long).end).toBe(304);
  });
});

describe('shellQuote', () => {
  it('leaves plain paths alone and makes others survive word splitting and eval', () => {
    expect(shellQuote('/home/me/pki/ca.crt')).toBe('/home/me/pki/ca.crt');
    expect(shellQuote('/tmp/a b')).toBe("$'/tmp/a\\x20b'");
    const words = ['/tmp/two  spaces/x', "/it's/*/[a]/$HOME/`x`", '/tab\there', '/ünï/cødé'];
    const line = words.map(shellQuote).join(' ');
    expect(line).not.toMatch(/\s{2}|\t|\n/);
    const out = execFileSync('bash', ['-c', 'eval pieces=($(printf "%s\\n" "$1")); printf "%s\\n" "${#pieces[@]}" "${pieces[@]}"', 'x', line], { encoding: 'utf8' });
    expect(out).toBe([String(words.length), ...words].join('\n') + '\n');
  });
});
