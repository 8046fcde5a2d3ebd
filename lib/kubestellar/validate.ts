// Input rules shared by the inventory and workload-management commands (REFERENCE.md):
// object names are DNS subdomains, label keys and values follow the originals' patterns,
// `id` is reserved as a label key and `default` as a SyncTarget/Location name.
import { UsageError } from '../cli/errors.ts';
import { isValidPath } from '../kcp/workspace.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY = /^[a-zA-Z0-9][a-zA-Z0-9_./-]*$/;
const LABEL_VALUE = /^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?$/;
const WORKSPACE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A SyncTarget/Location name: a DNS subdomain, not `default`. */
export function validateObjectName(name: string): void {
  if (!name) throw new UsageError('must be given a non-empty object name');
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new UsageError(`object name ${JSON.stringify(name)} is not valid: it must be a DNS subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`);
  }
  if (name === 'default') throw new UsageError(`'default' is not an acceptable name for these objects`);
}

/** `KEY=VALUE` into a pair, by the originals' rules. */
export function parseLabel(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq < 0 || arg.indexOf('=', eq + 1) >= 0) throw new UsageError(`syntax error for label name=value argument ${JSON.stringify(arg)}`);
  const key = arg.slice(0, eq);
  const value = arg.slice(eq + 1);
  if (!LABEL_KEY.test(key)) throw new UsageError(`label key ${JSON.stringify(key)} is not valid: it must match '${LABEL_KEY.source}'`);
  const name = key.includes('/') ? key.slice(key.lastIndexOf('/') + 1) : key;
  if (key.split('/').length > 2 || name.length === 0 || name.length > 63) {
    throw new UsageError(`label key ${JSON.stringify(key)} is not valid: at most one '/' and a name part of 1 to 63 characters`);
  }
  if (!LABEL_VALUE.test(value)) throw new UsageError(`label value ${JSON.stringify(value)} is not valid: it must match '${LABEL_VALUE.source}'`);
  if (key === 'id') throw new UsageError(`the 'id' label may not be specified`);
  return [key, value];
}

/** The label arguments, at least one, later ones winning for a repeated key. */
export function parseLabels(args: readonly string[], { required = true } = {}): Map<string, string> {
  if (required && args.length === 0) throw new UsageError('must be given at least one label key=value');
  const labels = new Map<string, string>();
  for (const a of args) {
    const [k, v] = parseLabel(a);
    labels.delete(k);
    labels.set(k, v);
  }
  return labels;
}

/** A one-segment workspace name (a WMW is `root:NAME`). */
export function validateWorkspaceName(name: string): void {
  if (!WORKSPACE_NAME.test(name)) {
    throw new UsageError(`workspace name ${JSON.stringify(name)} is not valid: it must be one segment of lowercase letters, digits and '-', at most 63 characters`);
  }
}

/** A workspace reference for --imw/--espw: an absolute path or a child's name. */
export function validateWorkspaceRef(flag: string, ref: string): void {
  if (ref === '.' || ref === '..' || ref === '-') return;
  if (!isValidPath(ref)) throw new UsageError(`${flag} ${JSON.stringify(ref)} is not a valid workspace path`);
}
