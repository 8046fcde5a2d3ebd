// A small DER (ASN.1 distinguished encoding) writer and reader: just what X.509
// certificates and PKCS#10 requests need. Signing is left to node:crypto, so building
// a certificate needs no JavaScript big-number arithmetic (and no node-forge).

export type Der = Buffer;

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given tag byte. */
export function tlv(tag: number, ...content: Buffer[]): Der {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const sequence = (...items: Buffer[]): Der => tlv(0x30, ...items);
export const set = (...items: Buffer[]): Der => tlv(0x31, ...items);
export const nullValue = (): Der => Buffer.from([0x05, 0x00]);
export const boolean = (v: boolean): Der => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
export const octetString = (b: Buffer): Der => tlv(0x04, b);
/** A BIT STRING with no unused bits. */
export const bitString = (b: Buffer): Der => tlv(0x03, Buffer.from([0]), b);
export const utf8String = (s: string): Der => tlv(0x0c, Buffer.from(s, 'utf8'));
/** [n] EXPLICIT, constructed. */
export const explicit = (n: number, inner: Buffer): Der => tlv(0xa0 | n, inner);
/** [n] IMPLICIT over a primitive value (e.g. dNSName, keyIdentifier). */
export const implicitPrimitive = (n: number, bytes: Buffer): Der => tlv(0x80 | n, bytes);

/** A non-negative INTEGER from big-endian magnitude bytes (or hex). */
export function unsignedInteger(value: Buffer | string | number): Der {
  const hex = typeof value === 'number' ? value.toString(16) : value;
  let b = typeof hex === 'string' ? Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex') : hex;
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  if (b.length === 0) b = Buffer.from([0]);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export function oid(dotted: string): Der {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const group: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) group.unshift(0x80 | (v & 0x7f));
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}

/** X.509 Time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function time(d: Date): Der {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(digits.slice(2), 'ascii'));
  return tlv(0x18, Buffer.from(digits, 'ascii'));
}

// ---- reading ----

export interface Node {
  tag: number;
  /** offset of the tag byte in the buffer */
  start: number;
  /** offset of the first content byte */
  contentStart: number;
  /** offset after the last content byte */
  end: number;
  buf: Buffer;
}

export function readNode(buf: Buffer, at = 0): Node {
  if (at + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[at];
  let len = buf[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > buf.length) throw new Error('truncated DER');
  return { tag, start: at, contentStart: p, end: p + len, buf };
}

export function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let p = n.contentStart; p < n.end; ) {
    const c = readNode(n.buf, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

export const raw = (n: Node): Buffer => n.buf.subarray(n.start, n.end);
export const content = (n: Node): Buffer => n.buf.subarray(n.contentStart, n.end);

export function decodeOid(n: Node): string {
  const b = content(n);
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (const byte of b.subarray(1)) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** PEM armour around DER. */
export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** The DER inside the first PEM block with this label (text before it, as `openssl ca` writes, is ignored). */
export function fromPem(pem: string, label: string): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!m) throw new Error(`no ${label} PEM block`);
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}
