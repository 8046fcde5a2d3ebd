// Small shared pieces of the sandbox: the Kubernetes object shape, Status errors,
// name rules, and random identifiers.
import { randomBytes, randomUUID } from 'node:crypto';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KObj = Record<string, any>;

export const newUid = (): string => randomUUID();

/** A kcp logical cluster name: 16 characters of lowercase base 36. */
export function randomClusterName(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (const b of randomBytes(16)) s += alphabet[b % 36];
  return s;
}

export function randomSuffix(n = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(n);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

export const clone = <T>(o: T): T => (o === undefined ? o : structuredClone(o));

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An error that becomes a metav1.Status response. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KObj,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  toStatus(): KObj {
    const s: KObj = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason };
    if (this.details) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

export interface GR {
  group: string;
  resource: string;
}
const qualified = (gr: GR) => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);

export const notFound = (gr: GR, name: string) =>
  new StatusError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, { name, group: gr.group, kind: gr.resource });
export const alreadyExists = (gr: GR, name: string) =>
  new StatusError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, { name, group: gr.group, kind: gr.resource });
export const conflict = (gr: GR, name: string) =>
  new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: gr.group, kind: gr.resource },
  );
export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);
export const methodNotAllowed = (message = 'the server does not allow this method on the requested resource') =>
  new StatusError(405, 'MethodNotAllowed', message);
export const unauthorized = () => new StatusError(401, 'Unauthorized', 'Unauthorized');
export const gone = (message: string) => new StatusError(410, 'Expired', message);
/** An admission plugin's refusal: `<resource>.<group> "<name>" is forbidden: <text>`. */
export const admissionForbidden = (gr: GR, name: string, text: string) =>
  new StatusError(403, 'Forbidden', `${qualified(gr)} "${name}" is forbidden: ${text}`, { name, group: gr.group, kind: gr.resource });

export function invalid(kind: string, group: string, name: string, causes: { field: string; message: string; reason?: string }[]): StatusError {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const msg = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${msg}`, {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The message Kubernetes gives for a bad name, or undefined when the name is good. */
export function nameProblem(name: string, label: boolean): string | undefined {
  if (label) {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      return `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
    }
    return undefined;
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  }
  return undefined;
}

/** Go's time.Duration-ish short age as kubectl prints it: 5s, 2m4s, 3h, 4d. */
export function humanAge(fromIso: string | undefined, now = Date.now()): string {
  if (!fromIso) return '<unknown>';
  const secs = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  if (secs < 120) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 10) return secs % 60 ? `${mins}m${secs % 60}s` : `${mins}m`;
  if (mins < 180) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 8) return mins % 60 ? `${hours}h${mins % 60}m` : `${hours}h`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 ? `${days}d${hours % 24}h` : `${days}d`;
  if (days < 365 * 2) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

/** Stops accepting connections, ends the open ones, and resolves once the server is closed. */
export function closeServer(server: { close(cb: () => void): unknown; closeAllConnections(): void }): Promise<void> {
  return new Promise<void>((res) => {
    server.close(() => res());
    server.closeAllConnections();
  });
}
