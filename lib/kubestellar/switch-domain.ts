// The shared step of switch-domain and wait-and-switch-domain: from a kubeconfig IN,
// write OUT where every cluster served at the protocol://host:port of CONTEXT's cluster
// is addressed by DOMAIN:PORT and trusts CACERT. The YAML is edited in place (yaml's
// Document API), so everything else - order, comments, quoting - is carried over.
// Also the wait of wait-and-switch-domain: poll a probe with back-off until it passes.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { ApiError, CommandError, EXIT, isPermanent } from '../cli/errors.ts';
import { writeFileAtomic } from '../util/fsutil.ts';
import { dnsNameProblem } from '../pki/dns-name.ts';
import { loadYaml, type YamlModule } from '../util/yaml.ts';

export interface SwitchDomainArgs {
  inPath: string;
  outPath: string;
  context: string;
  domain: string;
  port: string;
  caCertPath: string;
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return e.code ?? e.message;
  }
}

/** The port as a number, or a one-line complaint. */
export function parsePort(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new CommandError(`the port must be a number from 1 to 65535, not ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** The host part for a URL: a DNS name or IPv4 as is, IPv6 in brackets; else a one-line complaint. */
export function hostForUrl(domain: string): string {
  const bare = domain.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) === 6) return `[${bare}]`;
  if (isIP(bare) === 4) return bare;
  const problem = dnsNameProblem(domain);
  if (problem) throw new CommandError(`the domain ${JSON.stringify(domain)} is not a DNS name or IP address: ${problem}`);
  return domain;
}

/** Validates what can be checked without the files: port, domain, IN differing from OUT. */
export function checkArgs(a: SwitchDomainArgs): { port: number; host: string } {
  const port = parsePort(a.port);
  const host = hostForUrl(a.domain);
  if (a.context === '') throw new CommandError('the context name is empty');
  if (resolve(a.inPath) === resolve(a.outPath)) throw new CommandError(`the output kubeconfig must not be the input kubeconfig ${a.inPath}`);
  return { port, host };
}

/** The CA file's bytes as base64, after checking that it holds a PEM certificate. */
export function readCACertData(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CommandError(`cannot read the CA certificate file ${path}: ${errnoText(err)}`);
  }
  try {
    new X509Certificate(bytes);
  } catch {
    throw new CommandError(`the CA certificate file ${path} does not hold a PEM certificate`);
  }
  return bytes.toString('base64');
}

/** `scheme://authority` and the rest of a server URL, as written (no normalisation). */
export function splitServer(server: string): { scheme: string; authority: string; rest: string } | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]+)(.*)$/s.exec(server);
  return m ? { scheme: m[1], authority: m[2], rest: m[3] } : undefined;
}

export interface RewriteOptions {
  context: string;
  host: string;
  port: number;
  caData: string;
  /** for messages: the file the text came from */
  source: string;
}

export interface RewriteResult {
  text: string;
  /** names of the clusters changed */
  clusters: string[];
}

export { loadYaml };

/** The rewritten kubeconfig text; throws the documented errors. */
export function rewriteKubeconfig(yaml: YamlModule, text: string, o: RewriteOptions): RewriteResult {
  const doc = yaml.parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length) throw new CommandError(`${o.source} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  const root = doc.contents;
  if (!yaml.isMap(root)) throw new CommandError(`${o.source} is not a kubeconfig (not a YAML mapping)`);

  const namedItems = (section: string): [string, import('yaml').YAMLMap | undefined][] => {
    const seq = root.get(section, true);
    if (seq === undefined || seq === null || (yaml.isScalar(seq) && seq.value === null)) return [];
    if (!yaml.isSeq(seq)) throw new CommandError(`${o.source} is not a kubeconfig (${section} is not a list)`);
    return seq.items.map((item) => {
      if (!yaml.isMap(item)) return ['', undefined];
      const body = item.get(section.replace(/s$/, ''), true);
      return [String(item.get('name') ?? ''), yaml.isMap(body) ? body : undefined];
    });
  };

  const ctx = namedItems('contexts').find(([name]) => name === o.context);
  if (!ctx) {
    throw new CommandError(`there is no context named ${JSON.stringify(o.context)} in ${o.source}`, EXIT.missingContext);
  }
  const clusterName = ctx[1]?.get('cluster');
  if (typeof clusterName !== 'string' || clusterName === '') {
    throw new CommandError(`context ${JSON.stringify(o.context)} in ${o.source} names no cluster`);
  }
  const clusters = namedItems('clusters');
  const proto = clusters.find(([name]) => name === clusterName);
  if (!proto || !proto[1]) {
    throw new CommandError(`context ${JSON.stringify(o.context)} names cluster ${JSON.stringify(clusterName)}, which is not in ${o.source}`);
  }
  const protoServer = proto[1].get('server');
  const protoParts = typeof protoServer === 'string' ? splitServer(protoServer) : undefined;
  if (!protoParts) {
    throw new CommandError(`cluster ${JSON.stringify(clusterName)} in ${o.source} has no usable server URL (${JSON.stringify(protoServer ?? null)})`);
  }

  const changed: string[] = [];
  for (const [name, body] of clusters) {
    const server = body?.get('server');
    const parts = typeof server === 'string' ? splitServer(server) : undefined;
    if (!body || !parts) continue;
    if (parts.scheme.toLowerCase() !== protoParts.scheme.toLowerCase() || parts.authority.toLowerCase() !== protoParts.authority.toLowerCase()) continue;
    body.set('server', `${parts.scheme}://${o.host}:${o.port}${parts.rest}`);
    setKeepingOrder(yaml, doc, body, 'certificate-authority-data', o.caData);
    changed.push(name);
  }

  return { text: doc.toString(stringifyOptionsFor(text)), clusters: changed };
}

/** Sets `key`; a new key goes where client-go's sorted order puts it, when the map is sorted. */
function setKeepingOrder(yaml: YamlModule, doc: import('yaml').Document, map: import('yaml').YAMLMap, key: string, value: string): void {
  if (map.has(key)) {
    map.set(key, value);
    return;
  }
  const keys = map.items.map((p) => String(yaml.isScalar(p.key) ? p.key.value : p.key));
  const sorted = keys.every((k, i) => i === 0 || keys[i - 1] <= k);
  const at = sorted ? keys.findIndex((k) => k > key) : -1;
  const pair = doc.createPair(key, value);
  if (at < 0) map.items.push(pair);
  else map.items.splice(at, 0, pair);
}

/** Layout options that reproduce the input's own style (client-go writes sequences unindented). */
function stringifyOptionsFor(text: string): import('yaml').ToStringOptions {
  const seqLine = /^([ ]*)\S[^\n]*:[ ]*\n([ ]*)- /m.exec(text);
  const indentSeq = seqLine ? seqLine[2].length > seqLine[1].length : true;
  const widths = [...text.matchAll(/^( +)[^ \n#]/gm)].map((m) => m[1].length);
  const indent = Math.max(1, Math.min(8, widths.length ? Math.min(...widths) : 2));
  const flow = /[{[]( ?)[^\s}\]]/.exec(text);
  return { lineWidth: 0, minContentWidth: 0, indentSeq, indent, flowCollectionPadding: flow ? flow[1] === ' ' : true };
}

/**
 * switch-domain: reads IN (never writes it), writes OUT atomically with mode 0600.
 * Every input problem is reported before OUT is touched.
 */
export async function switchDomain(a: SwitchDomainArgs): Promise<RewriteResult> {
  const { port, host } = checkArgs(a);
  const caData = readCACertData(a.caCertPath);
  let text: string;
  try {
    text = readFileSync(a.inPath, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read the input kubeconfig ${a.inPath}: ${errnoText(err)}`);
  }
  const outDir = dirname(resolve(a.outPath));
  try {
    if (!statSync(outDir).isDirectory()) throw new CommandError(`cannot write ${a.outPath}: ${outDir} is not a directory`);
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(`cannot write ${a.outPath}: directory ${outDir}: ${errnoText(err)}`);
  }
  try {
    if (realpathSync(a.outPath) === realpathSync(a.inPath)) throw new CommandError(`the output kubeconfig must not be the input kubeconfig ${a.inPath}`);
  } catch (err) {
    if (err instanceof CommandError) throw err; // else OUT does not exist yet
  }
  const yaml = await loadYaml();
  const out = rewriteKubeconfig(yaml, text, { context: a.context, host, port, caData, source: a.inPath });
  try {
    writeFileAtomic(a.outPath, out.text, { mode: 0o600, forceMode: true });
  } catch (err) {
    throw new CommandError(`cannot write ${a.outPath}: ${errnoText(err)}`);
  }
  return out;
}

/**
 * IN as wait-and-switch-domain needs it, once it exists: readable, not empty, a YAML
 * mapping. None of these gets better by waiting.
 */
export function checkInputKubeconfig(path: string, yaml?: YamlModule): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read the input kubeconfig ${path}: ${errnoText(err)}`);
  }
  if (text.trim() === '') throw new CommandError(`the input kubeconfig ${path} is empty`);
  if (!yaml) return;
  const doc = yaml.parseDocument(text);
  if (doc.errors.length) throw new CommandError(`cannot parse kubeconfig ${path}: ${doc.errors[0].message.split('\n')[0]}`);
  if (!yaml.isMap(doc.contents)) throw new CommandError(`kubeconfig ${path} is not a YAML mapping`);
}

// ---- waiting ----

export interface WaitOptions {
  /** overall bound in ms; undefined waits forever */
  timeoutMs?: number;
  /** what is awaited, for messages: `the server of admin.kubeconfig` */
  what: string;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** called after each failed attempt, with the reason */
  onRetry?: (attempt: number, reason: string, elapsedMs: number) => void;
  /** how to pause between attempts (tests may substitute) */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Calls `probe(attemptTimeoutMs)` until it resolves, sleeping with exponential back-off
 * (jittered) between attempts. With `timeoutMs`, gives up with exit code 8 (EXIT.timeout).
 */
export async function waitFor(probe: (attemptTimeoutMs: number) => Promise<void>, o: WaitOptions): Promise<{ attempts: number; elapsedMs: number }> {
  const started = Date.now();
  const deadline = o.timeoutMs === undefined ? Infinity : started + o.timeoutMs;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = o.initialDelayMs ?? 200;
  const maxDelay = o.maxDelayMs ?? 5_000;
  let last = 'no attempt yet';
  // An attempt with only a sliver of time left would just time out and hide the real
  // reason of the previous one; so after the first, each gets at least this much.
  const minAttemptMs = Math.min(500, (o.timeoutMs ?? Infinity) / 4);
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || (attempt > 1 && remaining < minAttemptMs)) break;
    try {
      await probe(Math.max(1, Math.min(10_000, remaining)));
      return { attempts: attempt, elapsedMs: Date.now() - started };
    } catch (err) {
      // 401, 403, a certificate that fails verification, a broken kubeconfig: answers, not unavailability
      if (isPermanent(err) || (err instanceof CommandError && !(err instanceof ApiError) && !(err instanceof NotYet))) throw err;
      last = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
      o.onRetry?.(attempt, last, Date.now() - started);
    }
    const pause = Math.min(delay * (0.75 + Math.random() / 2), deadline - Date.now() - minAttemptMs);
    if (pause < 0) {
      // no time for another meaningful attempt: wait out the deadline, then give up
      await sleep(Math.max(0, deadline - Date.now()));
      break;
    }
    await sleep(pause);
    delay = Math.min(delay * 2, maxDelay);
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  throw new CommandError(`timed out after ${secs}s waiting for ${o.what} (last: ${last})`, EXIT.timeout);
}

/** The thing awaited is not there yet (e.g. IN does not exist): keep waiting. */
export class NotYet extends CommandError {}

/**
 * A probe of the server a kubeconfig's current context addresses: an authenticated
 * namespace list, as the original's `kubectl get ns`. The kubeconfig is re-read on every
 * attempt, since the server may still be writing it.
 */
export function namespaceListProbe(kubeconfigPath: string): (attemptTimeoutMs: number) => Promise<void> {
  return async (attemptTimeoutMs) => {
    const { connect } = await import('../kcp/client.ts');
    if (!existsSync(kubeconfigPath)) throw new NotYet(`${kubeconfigPath} does not exist yet`);
    checkInputKubeconfig(kubeconfigPath);
    const client = await connect({ kubeconfig: kubeconfigPath }, { defaultTimeoutMs: attemptTimeoutMs });
    try {
      await client.request({ method: 'GET', path: '/api/v1/namespaces', query: { limit: 1 }, retry: false, timeoutMs: attemptTimeoutMs });
    } finally {
      client.close();
    }
  };
}
