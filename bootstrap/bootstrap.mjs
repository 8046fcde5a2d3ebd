#!/usr/bin/env node
// KubeStellar bootstrap: from nothing to a running KubeStellar (release 0.14, kcp era).
//
//   curl -sSL https://unpkg.com/kubestellar-zx/bootstrap/bootstrap.mjs | node - [flags]
//
// One file, Node built-ins only (it runs before anything else is installed; read it before
// you pipe it into node). Needs Node >= 20.19, where `node -` runs an ES module from stdin.
// It does what the original bootstrap-kubestellar.sh does:
//   1. installs kcp and its kubectl plugins into DIR/kcp, unless `kcp` is on PATH;
//   2. installs the KubeStellar release archive into DIR/kubestellar, unless its
//      controllers are on PATH, and this command suite (kubestellar-zx, same version) into
//      DIR/kubestellar-zx, whose bin/ goes ahead of the archive's scripts on PATH;
//   3. deploys (unless --deploy false): `kcp start` and `kubestellar start` as bare
//      processes, or `kubectl kubestellar deploy` into the current kubeconfig's cluster
//      when --external-endpoint or --openshift true is given;
//   4. prints the `export PATH=…` / `export KUBECONFIG=…` lines for your shell.
// Every download is checked against the checksums its release publishes before anything
// is unpacked; a re-run re-uses what an earlier run installed once its files verify.
// Results (the export lines and a summary) go to stdout, progress to stderr.
// Environment: KUBESTELLAR_BOOTSTRAP_MIRROR (as --mirror), KUBESTELLAR_BOOTSTRAP_RETRY_MS (first
// back-off, default 1000), KUBESTELLAR_BOOTSTRAP_KCP_TIMEOUT_S (wait for kcp, default 600),
// KUBESTELLAR_RUN_DIR (where `kubestellar start` records its controllers).

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync, closeSync, constants, createReadStream, existsSync, lstatSync, mkdirSync, openSync,
  readFileSync, readSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync,
  copyFileSync, chmodSync,
} from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { isIP } from 'node:net';
import { arch as osArch, constants as osConstants, homedir, platform } from 'node:os';
import { delimiter, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';

const PROG = 'bootstrap.mjs';
/** The kcp release KubeStellar 0.14 goes with (the original's KCP_REQUIRED_VERSION). */
const KCP_REQUIRED_VERSION = 'v0.11.0';
/** kcp's server comes from KubeStellar's own build of kcp 0.11.0, as in the original. */
const KCP_SERVER = { repo: 'kubestellar/kubestellar', tag: 'v0.12.0', version: '0.11.0' };
const SUITE = 'kubestellar-zx';
const CONTROLLERS = ['mailbox-controller', 'kubestellar-where-resolver', 'placement-translator'];
const MANIFEST = '.kubestellar-bootstrap.json';
const MIRROR_ENV = 'KUBESTELLAR_BOOTSTRAP_MIRROR';

const USAGE = `Usage: ${PROG} [--kubestellar-version release_version] [--kcp-version release_version] [--deploy bool]
       [--openshift bool] [--external-endpoint domain_name:port] [--os linux|darwin] [--arch amd64|arm64]
       [--bind-address ip_address] [--ensure-folder installation_folder] [--host-ns namespace_in_hosting_cluster]
       [--ensure-imw imw_list] [--ensure-wmw wmw_list] [--mirror url] [-V|--verbose] [-X] [-h|--help]

Installs kcp (DIR/kcp), KubeStellar (DIR/kubestellar) and ${SUITE} (DIR/kubestellar-zx), then deploys them.
  --kubestellar-version V  release to install, with its "v" (default and "latest": the latest regular release
                           of ${SUITE}, which names the KubeStellar release it goes with)
  --kcp-version V          kcp release of the kubectl plugins (default ${KCP_REQUIRED_VERSION})
  --deploy BOOL            deploy after installing (default true)
  --openshift BOOL         the hosting cluster is OpenShift (default false); true deploys into it
  --external-endpoint H:P  where an Ingress controller or OpenShift router listens (alias --endpoint-address);
                           deploys into the hosting cluster of the current kubeconfig
  --os, --arch             platform of the executables to download (default: this machine's)
  --bind-address IP        kcp listens only there and writes it into its kubeconfig
  --ensure-folder DIR      parent folder of the installation (default: the working directory)
  --host-ns NS             namespace in the hosting cluster (default kubestellar)
  --ensure-imw LIST        inventory management workspaces to ensure (default imw1)
  --ensure-wmw LIST        workload management workspaces to ensure (default wmw1)
  --mirror URL             fetch everything from URL/<host>/<path of the original URL> (e.g.
                           URL/github.com/kubestellar/kubestellar/releases/download/v0.14.0/…); also $${MIRROR_ENV}
  -V, --verbose            say more;  -X  trace every command and request`;

// ---------------------------------------------------------------- errors and output

class Fail extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

let verbose = false;
let trace = false;
const say = (line) => process.stderr.write(line + '\n');
const detail = (line) => verbose && say(line);
const traceLine = (line) => trace && say(`+ ${line}`);
const banner = (title) => say(`< ${title} >${'-'.repeat(Math.max(1, 46 - title.length))}`);
const fancy = () => process.stderr.isTTY && !process.env.NO_COLOR;

// Temporary files and folders removed on failure or Ctrl-C, so nothing is left half-written.
const scratch = new Set();
function cleanScratch() {
  for (const p of scratch) rmSync(p, { recursive: true, force: true });
  scratch.clear();
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanScratch();
    process.stderr.write(`\n${PROG}: interrupted\n`);
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]);
  });
}

// ---------------------------------------------------------------- command line

const BOOL = ['true', 'false'];
const VERSION_RE = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_RE = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;

/** Each value flag: its option key and a check that returns an error text or nothing. */
const VALUE_FLAGS = {
  '--kubestellar-version': ['ksVersion', (v) => v === 'latest' || VERSION_RE.test(v) ? '' : `must be "latest" or a release like v0.14.0`],
  '--kcp-version': ['kcpVersion', (v) => VERSION_RE.test(v) ? '' : 'must be a release like v0.11.0'],
  '--deploy': ['deploy', (v) => BOOL.includes(v) ? '' : "value must be 'true' or 'false'"],
  '--openshift': ['openshift', (v) => BOOL.includes(v) ? '' : "value must be 'true' or 'false'"],
  '--external-endpoint': ['endpoint', checkEndpoint],
  '--endpoint-address': ['endpoint', checkEndpoint],
  '--os': ['os', (v) => ['linux', 'darwin'].includes(v) ? '' : 'must be linux or darwin'],
  '--arch': ['arch', (v) => ['amd64', 'arm64'].includes(v) ? '' : 'must be amd64 or arm64'],
  '--bind-address': ['bindAddress', (v) => isIP(v) ? '' : 'must be an IP address'],
  '--ensure-folder': ['folder', checkFolder],
  '--host-ns': ['hostNs', (v) => NAME_RE.test(v) ? '' : 'must be one namespace name (lowercase letters, digits and "-")'],
  '--ensure-imw': ['imw', (v) => checkWorkspaceList(v)],
  '--ensure-wmw': ['wmw', (v) => checkWorkspaceList(v)],
  '--mirror': ['mirror', checkMirror],
};

function checkEndpoint(v) {
  const parts = v.split(':');
  if (parts.length !== 2) return 'must have the form domain-name:port';
  const [host, port] = parts;
  if (!(DNS_RE.test(host) || isIP(host) === 4)) return 'must have the form domain-name:port (bad domain name)';
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return 'must have the form domain-name:port (port 1-65535)';
  return '';
}

function checkFolder(v) {
  if (!v) return 'must not be empty';
  try {
    if (!statSync(v).isDirectory()) return 'names a file that is not a folder';
  } catch {
    /* created later */
  }
  return '';
}

function checkMirror(v) {
  try {
    const u = new URL(v);
    if (u.protocol === 'https:' || u.protocol === 'http:') return '';
  } catch {
    /* below */
  }
  return 'must be an http(s) URL';
}

/** A comma-separated list of workspaces, each a child of root ("imw1" or "root:imw1"). */
function checkWorkspaceList(v) {
  for (const item of v.split(',')) {
    if (!item) continue;
    const name = item.startsWith('root:') ? item.slice(5) : item;
    if (!NAME_RE.test(name)) return `has ${JSON.stringify(item)}, not a workspace name like imw1 or root:imw1`;
  }
  return '';
}

function parseArgs(argv) {
  const o = {
    ksVersion: 'latest', kcpVersion: KCP_REQUIRED_VERSION, deploy: 'true', openshift: 'false', endpoint: '',
    os: '', arch: '', bindAddress: '', folder: '', hostNs: 'kubestellar', imw: 'imw1', wmw: 'wmw1',
    mirror: process.env[MIRROR_ENV] ?? '', verbose: false, trace: false, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '-V' || arg === '--verbose') o.verbose = true;
    else if (arg === '-X') o.trace = true;
    else if (arg === '-h' || arg === '--help') o.help = true;
    else if (VALUE_FLAGS[arg]) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new Fail(`missing value for ${arg}`);
        value = argv[++i];
      }
      o[VALUE_FLAGS[arg][0]] = value;
      const problem = VALUE_FLAGS[arg][1](value);
      if (problem) throw new Fail(`${arg} ${problem}, not ${JSON.stringify(value)}`);
    } else if (arg.startsWith('-')) throw new Fail(`unknown flag ${JSON.stringify(arg)} (see --help)`);
    else throw new Fail(`unknown positional argument ${JSON.stringify(arg)} (see --help)`);
    if (eq > 0 && !VALUE_FLAGS[arg]) throw new Fail(`${arg} takes no value`);
  }
  if (o.mirror && !argv.some((a) => a === '--mirror' || a.startsWith('--mirror='))) {
    const problem = checkMirror(o.mirror);
    if (problem) throw new Fail(`--mirror ${problem}, not ${JSON.stringify(o.mirror)} (from $${MIRROR_ENV})`);
  }
  if (!o.os) {
    o.os = { linux: 'linux', darwin: 'darwin' }[platform()];
    if (!o.os) throw new Fail(`unsupported operating system type: ${platform()} (use --os linux|darwin)`);
  }
  if (!o.arch) {
    o.arch = { x64: 'amd64', arm64: 'arm64' }[osArch()];
    if (!o.arch) throw new Fail(`unsupported architecture type: ${osArch()} (use --arch amd64|arm64)`);
  }
  o.folder = resolve(o.folder || process.cwd());
  o.mirror = o.mirror.replace(/\/+$/, '');
  o.kube = o.endpoint !== '' || o.openshift === 'true';
  return o;
}

/** "imw1,root:b" -> "root:imw1,root:b", the form `kubestellar start` takes. */
const rootedList = (v) => v.split(',').filter(Boolean).map((x) => (x.startsWith('root:') ? x : `root:${x}`)).join(',');

// ---------------------------------------------------------------- processes and PATH

function which(name, path = process.env.PATH ?? '') {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = resolve(dir, name);
    try {
      if (statSync(p).isFile()) {
        accessSync(p, constants.X_OK);
        return p;
      }
    } catch {
      /* next */
    }
  }
  return '';
}

/** Command lines of the running processes (from /proc, else from ps). */
function processes() {
  const out = [];
  if (existsSync('/proc/self/cmdline')) {
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').filter(Boolean);
        if (argv.length) out.push({ pid: Number(e), argv });
      } catch {
        /* gone */
      }
    }
    return out;
  }
  const r = spawnSync('ps', ['-axo', 'pid=,command='], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = line.trim().match(/^(\d+)\s+(.*)$/);
    if (m) out.push({ pid: Number(m[1]), argv: m[2].split(/\s+/) });
  }
  return out;
}

/** Pids of `kcp start` processes (an executable named kcp, run directly or by an interpreter). */
function kcpStartPids() {
  return processes()
    .filter(({ argv }) => [0, 1].some((i) => posix.basename(argv[i] ?? '') === 'kcp' && argv[i + 1] === 'start'))
    .map((p) => p.pid);
}

/**
 * The controllers `kubestellar start` launched and that still run. The suite records each
 * in a pid file (pid, kernel start time, executable) rather than trusting names.
 */
function runningControllers() {
  const dir = process.env.KUBESTELLAR_RUN_DIR || join(homedir(), '.kubestellar', 'run');
  return CONTROLLERS.filter((name) => {
    try {
      const rec = JSON.parse(readFileSync(join(dir, `${name}.pid.json`), 'utf8'));
      if (existsSync('/proc/self/stat')) {
        const stat = readFileSync(`/proc/${rec.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return fields[0] !== 'Z' && fields[19] === rec.startTime;
      }
      process.kill(rec.pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs a command to completion with its output captured (for probes such as kcp's readiness). */
function run(cmd, args, { env } = {}) {
  traceLine([cmd, ...args].join(' '));
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.error) throw new Fail(`cannot run ${cmd}: ${r.error.message}`);
  return r;
}

/** Runs a command with its output shown on our stderr (our stdout carries results only). */
function runShown(cmd, args, { env } = {}) {
  traceLine([cmd, ...args].join(' '));
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 2, 2] });
    child.on('error', (err) => fail(new Fail(`cannot run ${cmd}: ${err.message}`)));
    child.on('exit', (code, sig) => ok(code ?? 128 + (osConstants.signals[sig] ?? 0)));
  });
}

// ---------------------------------------------------------------- HTTP

const RETRIES = 4;
const RETRY_BASE_MS = Number(process.env.KUBESTELLAR_BOOTSTRAP_RETRY_MS) || 1000;
const STALL_MS = 30_000;

class HttpStatus extends Fail {
  constructor(url, status, text) {
    super(`${url}: HTTP ${status}${text ? ' ' + text : ''}`);
    this.status = status;
    this.transient = status === 408 || status === 429 || status >= 500;
  }
}

/** Where `url` is fetched from: the original place, or the mirror's copy of it. */
function source(opts, url) {
  if (!opts.mirror) return url;
  const u = new URL(url);
  return `${opts.mirror}/${u.host}${u.pathname}`;
}

/** GET with redirects; resolves to the response once its status is 200. */
function request(url, redirects = 5) {
  traceLine(`GET ${url}`);
  return new Promise((ok, fail) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { headers: { 'user-agent': `${PROG} (KubeStellar bootstrap)` } }, (res) => {
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location && redirects > 0) {
        res.resume();
        ok(request(new URL(res.headers.location, url).href, redirects - 1));
      } else if (status !== 200) {
        res.resume();
        fail(new HttpStatus(url, status, res.statusMessage));
      } else ok(res);
    });
    req.setTimeout(STALL_MS, () => req.destroy(new Error(`no answer within ${STALL_MS / 1000} s`)));
    req.on('error', fail);
  });
}

/** Network trouble worth another try; not a refused certificate or an unknown host. */
function isTransient(err) {
  if (err instanceof HttpStatus) return err.transient;
  if (err instanceof Fail) return false;
  const code = String(err.code ?? '');
  return !(code === 'ENOTFOUND' || code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code));
}

const hint = (err) => (err.code === 'ENOTFOUND' ? ' (no network? --mirror fetches from a local copy of the release pages)' : '');

/** Retries `attempt` on transient failures (network errors, 408, 429, 5xx) with back-off. */
async function withRetries(url, attempt) {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransient(err)) throw err instanceof Fail ? err : new Fail(`${url}: ${err.message}${hint(err)}`);
      if (n >= RETRIES) {
        const message = err instanceof HttpStatus ? err.message : `${url}: ${err.message}`;
        throw new Fail(`${message} (gave up after ${n} attempts)`);
      }
      const wait = RETRY_BASE_MS * 2 ** (n - 1);
      say(`${url}: ${err.message}; retrying in ${(wait / 1000).toFixed(1)} s (attempt ${n + 1} of ${RETRIES})`);
      await sleep(wait);
    }
  }
}

async function fetchText(url) {
  return withRetries(url, async () => {
    const res = await request(url);
    res.setTimeout(STALL_MS, () => res.destroy(new Error('download stalled')));
    const chunks = [];
    for await (const c of res) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  });
}

const bytesText = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);
const secondsText = (s) => (s < 90 ? `${Math.ceil(s)}s` : `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`);

/** Downloads `url` into `file`, with a progress bar on a terminal; returns its digests. */
async function download(url, file, label) {
  return withRetries(url, async () => {
    const res = await request(url);
    const total = Number(res.headers['content-length']) || 0;
    const sha256 = createHash('sha256');
    const sha512 = createHash('sha512');
    const fd = openSync(file, 'w');
    const started = Date.now();
    let bytes = 0;
    let shown = 0;
    const bar = fancy();
    const draw = (final) => {
      const secs = Math.max((Date.now() - started) / 1000, 0.001);
      const rate = bytes / secs;
      const width = 24;
      const done = total ? Math.min(width, Math.round((bytes / total) * width)) : 0;
      const eta = total && rate > 0 && !final ? ` ETA ${secondsText((total - bytes) / rate)}` : '';
      const size = total ? `${bytesText(bytes)}/${bytesText(total)}` : bytesText(bytes);
      process.stderr.write(`\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${size} ${bytesText(rate)}/s${eta}\x1b[K${final ? '\n' : ''}`);
    };
    try {
      res.setTimeout(STALL_MS, () => res.destroy(new Error('download stalled')));
      for await (const chunk of res) {
        writeSync(fd, chunk);
        sha256.update(chunk);
        sha512.update(chunk);
        bytes += chunk.length;
        if (bar && Date.now() - shown > 100) {
          shown = Date.now();
          draw(false);
        }
      }
    } catch (err) {
      if (shown) process.stderr.write('\n');
      throw err;
    } finally {
      closeSync(fd);
    }
    if (total && bytes !== total) throw new Error(`connection closed after ${bytes} of ${total} bytes`);
    if (bar) draw(true);
    else say(`Downloaded ${url} (${bytesText(bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return { sha256: sha256.digest('hex'), sha512: sha512.digest('base64'), bytes };
  });
}

// ---------------------------------------------------------------- what to install

/** `sha256sum` output: "<hex>  <name>" (or "<hex> *<name>") per line. */
function checksumFor(text, name, url) {
  for (const line of text.split('\n')) {
    const m = line.trim().match(/^([0-9a-fA-F]{64})\s+\*?(\S+)$/);
    if (m && m[2] === name) return { algo: 'sha256', value: m[1].toLowerCase() };
  }
  throw new Fail(`${url} lists no checksum for ${name}; refusing to install an unverified download`);
}

/**
 * @typedef {object} Archive  one file to download and unpack
 * @property {string} name  file name, the last part of its URL
 * @property {string} base  URL of the release folder holding it
 * @property {string} sums  URL of the checksums its release publishes
 * @property {boolean} [npm]  `sums` is an npm version document (dist.integrity), not sha256sum output
 * @property {number} [strip]  leading path components to drop when unpacking
 * @property {{algo: 'sha256'|'sha512', value: string}} [checksum]  filled in by lookUpChecksums
 */

/** The archives of each component, with the URL of the checksums their release publishes. */
function kcpArchives(o) {
  const plain = o.kcpVersion.replace(/v/g, '');
  const server = `https://github.com/${KCP_SERVER.repo}/releases/download/${KCP_SERVER.tag}`;
  const plugins = `https://github.com/kcp-dev/kcp/releases/download/${o.kcpVersion}`;
  return [
    { name: `kubectl-kcp-plugin_${plain}_${o.os}_${o.arch}.tar.gz`, base: plugins, sums: `${plugins}/kcp_${plain}_checksums.txt` },
    { name: `kcp_${KCP_SERVER.version}_${o.os}_${o.arch}.tar.gz`, base: server, sums: `${server}/checksums256.txt` },
  ];
}

function kubestellarArchives(o) {
  const base = `https://github.com/kubestellar/kubestellar/releases/download/${o.ksVersion}`;
  return [{ name: `kubestellar_${o.ksVersion}_${o.os}_${o.arch}.tar.gz`, base, sums: `${base}/checksums256.txt` }];
}

/** The suite's npm tarball; the registry publishes its integrity (sha512) in the version document. */
function suiteArchives(o) {
  const version = o.ksVersion.slice(1);
  return [{
    name: `${SUITE}-${version}.tgz`, base: `https://registry.npmjs.org/${SUITE}/-`,
    sums: `https://registry.npmjs.org/${SUITE}/${version}`, npm: true, strip: 1,
  }];
}

/** The published checksum of each archive, fetched before any archive is downloaded. */
async function lookUpChecksums(o, archives, what) {
  const texts = new Map();
  for (const a of archives) {
    const url = source(o, a.sums);
    if (!texts.has(url)) {
      try {
        texts.set(url, await fetchText(url));
      } catch (err) {
        if (err instanceof HttpStatus && err.status === 404) throw new Fail(`${err.message} (is there such a ${what} release?)`);
        throw err;
      }
    }
    const text = texts.get(url);
    if (a.npm) {
      let integrity;
      try {
        integrity = JSON.parse(text).dist?.integrity ?? '';
      } catch {
        throw new Fail(`${url}: not a package version document`);
      }
      if (!integrity.startsWith('sha512-')) throw new Fail(`${url} publishes no sha512 integrity for ${a.name}; refusing to install an unverified download`);
      a.checksum = { algo: 'sha512', value: integrity.slice(7) };
    } else a.checksum = checksumFor(text, a.name, url);
  }
}

/** "latest": the suite's latest regular release names the KubeStellar release it goes with. */
async function resolveLatest(o) {
  const url = source(o, `https://registry.npmjs.org/${SUITE}/latest`);
  let version;
  try {
    version = JSON.parse(await fetchText(url)).version;
  } catch (err) {
    if (err instanceof Fail) throw err;
    throw new Fail(`${url}: not a package version document`);
  }
  if (!VERSION_RE.test(`v${version}`)) throw new Fail(`${url}: no usable version in it (${JSON.stringify(version)})`);
  return `v${version}`;
}

// ---------------------------------------------------------------- tar.gz

/** A relative path inside the archive, or '' for entries to skip; refuses paths that escape. */
function entryPath(raw, strip) {
  const parts = raw.split('/').filter((p) => p && p !== '.');
  if (raw.startsWith('/') || parts.includes('..')) throw new Fail(`archive entry ${JSON.stringify(raw)} would be written outside the installation folder`);
  return parts.slice(strip).join('/');
}

function octal(buf, start, len) {
  if (buf[start] & 0x80) {
    // base-256 (GNU) for large numbers
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + buf[i];
    return n;
  }
  const s = buf.toString('latin1', start, start + len).replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

const cstr = (buf, start, len) => buf.toString('utf8', start, start + len).replace(/\0.*$/s, '');

/**
 * Unpacks a .tar.gz into `dest` (ustar, pax and GNU long names; files, folders, symlinks,
 * hard links). Returns the entries with the sha256 of each file.
 */
async function extractTarGz(archive, dest, strip = 0) {
  const entries = [];
  let buf = Buffer.alloc(0);
  let body = null; // { remaining, size, pad, fd?, hash?, meta?: Buffer[], entry }
  let pax = {};
  let longName = null;
  let longLink = null;
  let ended = false;

  const startEntry = (h) => {
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (sum !== octal(h, 148, 8)) throw new Fail(`${archive}: not a valid tar.gz archive (header checksum)`);
    const type = String.fromCharCode(h[156] || 48);
    let size = octal(h, 124, 12);
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? cstr(h, 345, 155) : '';
    let name = longName ?? pax.path ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    const link = longLink ?? pax.linkpath ?? cstr(h, 157, 100);
    if (pax.size !== undefined && !'xgLK'.includes(type)) size = Number(pax.size);
    const mode = octal(h, 100, 8) & 0o777;
    const pad = (512 - (size % 512)) % 512;
    if ('xgLK'.includes(type)) {
      body = { remaining: size, size, pad, meta: [], type };
      return;
    }
    longName = longLink = null;
    pax = {};
    const path = entryPath(name, strip);
    const entry = { path, type, mode, link };
    body = { remaining: size, size, pad, entry };
    if (!path) return;
    const target = join(dest, path);
    if (type === '5') mkdirSync(target, { recursive: true, mode: mode | 0o700 });
    else if (type === '0' || type === '7') {
      mkdirSync(dirname(target), { recursive: true });
      body.fd = openSync(target, 'w', mode || 0o644);
      body.hash = createHash('sha256');
      entries.push(entry);
    } else if (type === '2') {
      if (isAbsolute(link) || !resolve(dirname(target), link).startsWith(resolve(dest) + '/')) {
        throw new Fail(`archive entry ${JSON.stringify(name)} links outside the installation folder`);
      }
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(link, target);
      entries.push(entry);
    } else if (type === '1') {
      const from = entryPath(link, strip);
      const original = entries.find((e) => e.path === from && e.sha256);
      if (!original) throw new Fail(`archive entry ${JSON.stringify(name)} is a hard link to a file not in the archive`);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(dest, from), target);
      chmodSync(target, original.mode || 0o644);
      entries.push({ ...entry, type: '0', mode: original.mode, sha256: original.sha256 });
    }
    // other types (devices, fifos) are not part of a release archive: skipped
  };

  const finishMeta = (b) => {
    const data = Buffer.concat(b.meta);
    if (b.type === 'L') longName = cstr(data, 0, data.length);
    else if (b.type === 'K') longLink = cstr(data, 0, data.length);
    else if (b.type === 'x') {
      // pax records: "<length> <key>=<value>\n"; global ('g') records are ignored
      for (let off = 0; off < data.length;) {
        const sp = data.indexOf(0x20, off);
        const len = sp < 0 ? 0 : parseInt(data.toString('latin1', off, sp), 10);
        if (!(len > 0)) break;
        const kv = data.toString('utf8', sp + 1, off + len - 1);
        const eq = kv.indexOf('=');
        if (eq > 0) pax[kv.slice(0, eq)] = kv.slice(eq + 1);
        off += len;
      }
    }
  };

  const input = createReadStream(archive);
  const gunzip = createGunzip();
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) {
      if (ended) continue;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (body) {
          const n = Math.min(body.remaining + body.pad, buf.length);
          const data = buf.subarray(0, Math.min(n, body.remaining));
          if (data.length) {
            if (body.fd !== undefined) {
              writeSync(body.fd, data);
              body.hash.update(data);
            } else if (body.meta) body.meta.push(Buffer.from(data));
          }
          body.remaining -= data.length;
          body.pad -= n - data.length; // padding is consumed only after the data
          buf = buf.subarray(n);
          if (body.remaining > 0 || body.pad > 0) break;
          if (body.fd !== undefined) {
            closeSync(body.fd);
            body.entry.sha256 = body.hash.digest('hex');
          }
          if (body.meta) finishMeta(body);
          body = null;
        } else {
          if (buf.length < 512) break;
          const h = buf.subarray(0, 512);
          buf = buf.subarray(512);
          if (h.every((b) => b === 0)) {
            ended = true;
            break;
          }
          startEntry(h);
        }
      }
    }
  } catch (err) {
    if (body?.fd !== undefined) closeSync(body.fd);
    if (err instanceof Fail) throw err;
    throw new Fail(`${archive}: not a valid tar.gz archive (${err.message})`);
  }
  if (!ended || body) throw new Fail(`${archive}: the archive ends early`);
  return entries;
}

// ---------------------------------------------------------------- install

function sha256File(path) {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (let n; (n = readSync(fd, chunk)) > 0;) h.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** The manifest an earlier run wrote, if every file it lists is still there and unchanged. */
function verifiedInstall(folder, version) {
  let m;
  try {
    m = JSON.parse(readFileSync(join(folder, MANIFEST), 'utf8'));
  } catch {
    return undefined;
  }
  if (m.version !== version) return undefined;
  for (const [path, want] of Object.entries(m.files ?? {})) {
    const p = join(folder, path);
    try {
      if (want.symlink !== undefined) {
        if (readlinkSync(p) !== want.symlink) return undefined;
      } else if (sha256File(p) !== want) return undefined;
    } catch {
      return undefined;
    }
  }
  return m;
}

/** Moves everything under `from` into `to` (same file system), replacing files, merging folders. */
function moveInto(from, to) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    const st = lstatSync(src);
    let existing;
    try {
      existing = lstatSync(dst);
    } catch {
      /* absent */
    }
    if (st.isDirectory() && existing?.isDirectory()) moveInto(src, dst);
    else {
      if (existing) rmSync(dst, { recursive: true, force: true });
      renameSync(src, dst);
    }
  }
}

/**
 * Installs one component into `folder`: checksums first, then each archive downloaded to a
 * temporary file, verified (a mismatch removes it and installs nothing), unpacked into a
 * staging folder, and only when all are good moved into place with a manifest.
 */
async function install(o, { title, folder, version, archives, npm }) {
  // A folder made here is removed again if the install fails.
  const made = mkdirSync(folder, { recursive: true });
  if (made) scratch.add(made);
  const staging = join(folder, `.staging-${process.pid}`);
  scratch.add(staging);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  say(`Downloading ${title} ${version}${npm ? '' : ` ${o.os}/${o.arch}`}...`);
  const files = {};
  for (const a of archives) {
    const tmp = join(folder, `.${a.name}.partial`);
    scratch.add(tmp);
    const got = await download(source(o, `${a.base}/${a.name}`), tmp, a.name);
    const actual = a.checksum.algo === 'sha512' ? got.sha512 : got.sha256;
    if (actual !== a.checksum.value) {
      rmSync(tmp, { force: true });
      throw new Fail(`${a.name}: checksum mismatch (${a.checksum.algo} ${actual}, published ${a.checksum.value}); removed the download, installed nothing`);
    }
    detail(`${a.name}: ${a.checksum.algo} matches the published checksum`);
    for (const e of await extractTarGz(tmp, staging, a.strip ?? 0)) {
      files[e.path] = e.type === '2' ? { symlink: e.link } : e.sha256;
    }
    rmSync(tmp, { force: true });
    scratch.delete(tmp);
  }
  say(`Installing ${title} into '${folder}'...`);
  const previous = (() => {
    try {
      return JSON.parse(readFileSync(join(folder, MANIFEST), 'utf8'));
    } catch {
      return undefined;
    }
  })();
  for (const path of Object.keys(previous?.files ?? {})) {
    if (!(path in files)) rmSync(join(folder, path), { force: true });
  }
  moveInto(staging, folder);
  rmSync(staging, { recursive: true, force: true });
  scratch.delete(staging);
  const manifest = { version, os: o.os, arch: o.arch, archives: archives.map((a) => ({ url: `${a.base}/${a.name}`, [a.checksum.algo]: a.checksum.value })), files };
  writeFileSync(join(folder, `${MANIFEST}.tmp`), JSON.stringify(manifest, null, 1) + '\n');
  renameSync(join(folder, `${MANIFEST}.tmp`), join(folder, MANIFEST));
  if (made) scratch.delete(made);
  return manifest;
}

/** npm marks a package's `bin` entries executable on install; so do we. */
function markBinsExecutable(folder) {
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
  for (const b of bins) chmodSync(join(folder, b), 0o755);
}

// ---------------------------------------------------------------- deploy

/** kubectl with the given kubeconfig against the server's origin (kcp's /clusters/… paths work from there). */
function kcpOrigin(env) {
  const r = run('kubectl', ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'], { env });
  if (r.status !== 0 || !r.stdout) return '';
  try {
    return new URL(r.stdout.trim()).origin;
  } catch {
    return '';
  }
}

function kcpRawGet(env, origin, path) {
  const r = run('kubectl', ['--server', origin, 'get', '--raw', path], { env });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout);
  } catch {
    return undefined;
  }
}

/** Waits until kcp serves and root:compute is Ready (what the original waited for). */
async function waitForKcp(env, kubeconfig, kcpChild) {
  const deadline = Date.now() + (Number(process.env.KUBESTELLAR_BOOTSTRAP_KCP_TIMEOUT_S) || 600) * 1000;
  for (;;) {
    if (kcpChild && kcpChild.exitCode !== null) throw new Fail(`kcp exited (status ${kcpChild.exitCode}) before it was ready; see ${kcpChild.log}`);
    if (!kubeconfig || existsSync(kubeconfig)) {
      const origin = kcpOrigin(env);
      if (origin) {
        const ws = kcpRawGet(env, origin, '/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/compute');
        if (ws?.status?.phase === 'Ready') return origin;
      }
    }
    if (Date.now() > deadline) {
      throw new Fail(`kcp was not ready (workspace root:compute) within the time allowed${kcpChild ? `; kcp (pid ${kcpChild.pid}) left running, see ${kcpChild.log}` : ''}`);
    }
    await sleep(500);
  }
}

function kcpVersion(env, origin) {
  const v = kcpRawGet(env, origin, '/version');
  return (v?.gitVersion ?? '').replace(/.*kcp-/, '');
}

async function deployBare(o, env, st, exports) {
  banner('Ensure kcp is running');
  const running = kcpStartPids();
  let kubeconfig;
  if (running.length) {
    say(`kcp process is running already: pid=${running.join(' ')} ... skip running.`);
    kubeconfig = process.env.KUBECONFIG ?? '';
    if (!kubeconfig || !existsSync(kubeconfig) || !statSync(kubeconfig).isFile()) {
      throw new Fail(`KUBECONFIG environment variable is not set correctly: KUBECONFIG='${kubeconfig}' ... exiting!`, 3);
    }
    say(`Using 'KUBECONFIG=${kubeconfig}'`);
    say('Waiting for kcp to be ready... it may take a while');
    const origin = await waitForKcp(env, undefined, undefined);
    const found = kcpVersion(env, origin);
    if (found !== o.kcpVersion) throw new Fail(`kcp running version '${found}' does not match the desired version ${o.kcpVersion} ... exiting!`, 4);
    say(`kcp version ${found} ... ok`);
    st.kcp = `kcp already running (pid ${running.join(' ')})`;
  } else {
    const log = join(process.cwd(), 'kcp_log.txt');
    const args = ['start', ...(o.bindAddress ? ['--bind-address', o.bindAddress] : [])];
    say(o.bindAddress ? `Running kcp bound to address ${o.bindAddress}... logfile=${log}` : `Running kcp... logfile=${log}`);
    kubeconfig = join(process.cwd(), '.kcp', 'admin.kubeconfig');
    env.KUBECONFIG = kubeconfig;
    traceLine(`kcp ${args.join(' ')} >& ${log} &`);
    const fd = openSync(log, 'w');
    // Its own session, so that it outlives this script and a Ctrl-C here.
    const child = spawn('kcp', args, { env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await new Promise((ok, fail) => {
      child.once('spawn', ok);
      child.once('error', (err) => fail(new Fail(`cannot start kcp: ${err.message}`)));
    });
    child.log = log;
    child.unref();
    say('Waiting for kcp to be ready... it may take a while');
    const origin = await waitForKcp(env, kubeconfig, child);
    const found = kcpVersion(env, origin);
    if (found !== KCP_REQUIRED_VERSION) {
      throw new Fail(`kcp version '${found}' is not supported, KubeStellar requires kcp ${KCP_REQUIRED_VERSION} ... exiting! (kcp pid ${child.pid} left running)`, 4);
    }
    say(`kcp version ${found} ... ok`);
    say(`Export KUBECONFIG environment variable: export KUBECONFIG="${kubeconfig}"`);
    exports.kubeconfig = kubeconfig;
    st.kcp = `kcp started (pid ${child.pid}, log ${log})`;
  }
  env.KUBECONFIG = kubeconfig;

  banner('Ensure KubeStellar is running');
  if (runningControllers().length === CONTROLLERS.length) {
    say('KubeStellar processes are running ... ok');
    const origin = kcpOrigin(env);
    if (!kcpRawGet(env, origin, '/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/espw')) {
      throw new Fail("KubeStellar ESPW does not exists ... run 'kubestellar stop' first ... exiting!", 6);
    }
    say('KubeStellar ESPW found ... ok');
    st.ks = 'KubeStellar controllers already running';
  } else {
    say('Starting or restarting KubeStellar...');
    const args = ['start', '--ensure-imw', rootedList(o.imw), '--ensure-wmw', rootedList(o.wmw), ...(o.verbose ? ['-V'] : [])];
    const code = await runShown('kubestellar', args, { env });
    if (code !== 0) throw new Fail(`kubestellar ${args.join(' ')} failed (exit status ${code})`, code);
    st.ks = 'KubeStellar controllers started';
  }
}

async function deployKube(o, env, st, exports) {
  banner(`Deploy kcp and KubeStellar into Kubernetes, namespace=${o.hostNs}`);
  if (run('kubectl', ['get', 'ns', o.hostNs], { env }).status !== 0) {
    const r = run('kubectl', ['create', 'ns', o.hostNs], { env });
    if (r.status !== 0) throw new Fail(`kubectl create ns ${o.hostNs} failed: ${(r.stderr || '').trim()}`, r.status);
    say(`namespace/${o.hostNs} created`);
  }
  const flags = [...(o.endpoint ? ['--external-endpoint', o.endpoint] : []), ...(o.openshift === 'true' ? ['--openshift', 'true'] : [])];
  let code = await runShown('kubectl', ['kubestellar', 'deploy', ...flags, '-n', o.hostNs], { env });
  if (code !== 0) throw new Fail(`kubectl kubestellar deploy failed (exit status ${code})`, code);
  const kubeconfig = join(o.folder, 'kubestellar.kubeconfig');
  banner(`Waiting for startup and fetching ${kubeconfig}`);
  code = await runShown('kubectl', ['kubestellar', 'get-external-kubeconfig', '-n', o.hostNs, '-o', kubeconfig], { env });
  if (code !== 0) throw new Fail(`kubectl kubestellar get-external-kubeconfig failed (exit status ${code})`, code);
  say(`Export KUBECONFIG environment variable: export KUBECONFIG="${kubeconfig}"`);
  exports.kubeconfig = kubeconfig;
  st.kcp = `kcp and KubeStellar deployed in namespace ${o.hostNs}`;
}

// ---------------------------------------------------------------- main

async function main(argv) {
  const o = parseArgs(argv);
  if (o.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  verbose = o.verbose;
  trace = o.trace;
  const deploy = o.deploy === 'true';
  if (deploy && !which('kubectl')) throw new Fail('kubectl not found on PATH; it is needed to deploy (or pass --deploy false)');

  say('< KubeStellar bootstrap started >----------------');
  if (o.ksVersion === 'latest') {
    o.ksVersion = await resolveLatest(o);
    say(`Latest regular release: ${o.ksVersion}`);
  }
  const env = { ...process.env };
  const exports = {};
  const summary = { installed: [] };
  /** Puts `bin` first on the PATH of what we run, and says so as the original does. */
  const addToPath = (bin, slot, what) => {
    if (`${delimiter}${env.PATH}${delimiter}`.includes(`${delimiter}${bin}${delimiter}`)) return;
    env.PATH = `${bin}${delimiter}${env.PATH ?? ''}`;
    say(`Add ${what} folder to the PATH: export PATH="${bin}:$PATH"`);
    exports[slot] = bin;
  };

  // Decide what to install; then look up every published checksum before downloading
  // anything, so a release that does not exist fails before the first archive arrives.
  const plan = [];
  const kcpFolder = join(o.folder, 'kcp');
  const kcpWhere = which('kcp') && which('kubectl-ws') ? which('kcp') : '';
  if (kcpWhere) {
    plan.push({ banner: 'Ensure kcp is installed', found: `kcp found in the PATH at '${kcpWhere}' ... skip installation.` });
    summary.installed.push('kcp (found on PATH)');
  } else if (verifiedInstall(kcpFolder, o.kcpVersion)) {
    plan.push({
      banner: 'Ensure kcp is installed', found: `kcp+plugins ${o.kcpVersion} already installed in '${kcpFolder}' (verified) ... skip download.`,
      bin: join(kcpFolder, 'bin'), slot: 'kcpPath', what: 'kcp',
    });
    summary.installed.push(`kcp ${o.kcpVersion} (already installed)`);
  } else {
    const pids = kcpStartPids();
    if (pids.length) throw new Fail(`kcp process is running already: pid=${pids.join(' ')} ... add kcp folder to the PATH or stop kcp ... exiting.`, 2);
    plan.push({
      banner: 'Ensure kcp is installed', found: 'kcp not found in the PATH.', bin: join(kcpFolder, 'bin'), slot: 'kcpPath', what: 'kcp',
      install: { title: 'kcp+plugins', folder: kcpFolder, version: o.kcpVersion, archives: kcpArchives(o), what: 'kcp' },
    });
    summary.installed.push(`kcp ${o.kcpVersion} (downloaded)`);
  }

  // KubeStellar's release archive, then this suite ahead of its scripts
  const KS_BANNER = 'Ensure KubeStellar is installed';
  const ksFolder = join(o.folder, 'kubestellar');
  if (CONTROLLERS.every((c) => which(c))) {
    plan.push({ banner: KS_BANNER, found: `KubeStellar found in the PATH at '${which('kubestellar') || which(CONTROLLERS[0])}' ... skip installation.` });
    summary.installed.push('KubeStellar (found on PATH)');
  } else if (verifiedInstall(ksFolder, o.ksVersion)) {
    plan.push({
      banner: KS_BANNER, found: `KubeStellar ${o.ksVersion} already installed in '${ksFolder}' (verified) ... skip download.`,
      bin: join(ksFolder, 'bin'), slot: 'ksPath', what: 'KubeStellar',
    });
    summary.installed.push(`KubeStellar ${o.ksVersion} (already installed)`);
  } else {
    if (runningControllers().length) {
      throw new Fail('KubeStellar processes are running already ... add KubeStellar folder to the PATH or stop KubeStellar with "kubestellar stop" ... exiting.', 5);
    }
    plan.push({
      banner: KS_BANNER, found: 'KubeStellar not found in the PATH.', bin: join(ksFolder, 'bin'), slot: 'ksPath', what: 'KubeStellar',
      install: { title: 'KubeStellar', folder: ksFolder, version: o.ksVersion, archives: kubestellarArchives(o), what: 'KubeStellar' },
    });
    summary.installed.push(`KubeStellar ${o.ksVersion} (downloaded)`);
  }
  const suiteFolder = join(o.folder, SUITE);
  const suite = { bin: join(suiteFolder, 'bin'), slot: 'suitePath', what: SUITE };
  if (verifiedInstall(suiteFolder, o.ksVersion)) {
    suite.found = `${SUITE} ${o.ksVersion} already installed in '${suiteFolder}' (verified) ... skip download.`;
    summary.installed.push(`${SUITE} ${o.ksVersion} (already installed)`);
  } else {
    suite.install = { title: SUITE, folder: suiteFolder, version: o.ksVersion, archives: suiteArchives(o), what: SUITE, npm: true };
    summary.installed.push(`${SUITE} ${o.ksVersion} (downloaded)`);
  }
  plan.push(suite);

  for (const step of plan) if (step.install) await lookUpChecksums(o, step.install.archives, step.install.what);
  for (const step of plan) {
    if (step.banner) banner(step.banner);
    if (step.found) say(step.found);
    if (step.install) {
      await install(o, step.install);
      if (step.install.npm) markBinsExecutable(step.install.folder);
    }
    if (step.bin) addToPath(step.bin, step.slot, step.what);
  }

  const st = {};
  if (deploy && o.kube) await deployKube(o, env, st, exports);
  else if (deploy) await deployBare(o, env, st, exports);

  // The original's closing lines, in its order: kcp's PATH, kcp's KUBECONFIG, KubeStellar's PATH.
  const lines = [];
  if (exports.kcpPath) lines.push(`export PATH="${exports.kcpPath}:$PATH"`);
  if (exports.kubeconfig && !o.kube) lines.push(`export KUBECONFIG="${exports.kubeconfig}"`);
  if (exports.ksPath) lines.push(`export PATH="${exports.ksPath}:$PATH"`);
  if (exports.suitePath) lines.push(`export PATH="${exports.suitePath}:$PATH"`);
  if (exports.kubeconfig && o.kube) lines.push(`export KUBECONFIG="${exports.kubeconfig}"`);
  const out = ['< KubeStellar bootstrap completed successfully >-'];
  if (lines.length) out.push('Please create/update the following environment variables: ', ...lines);
  const running = deploy ? [st.kcp, st.ks].filter(Boolean).join('; ') : 'not deployed (--deploy false)';
  out.push(`Summary: installed ${summary.installed.join(', ')}; ${running}.`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  cleanScratch();
  if (fancy()) process.stderr.write('\x1b[K');
  process.stderr.write(`${PROG}: ${err instanceof Fail ? err.message : err?.message ?? err}\n`);
  process.exitCode = err instanceof Fail ? err.code || 1 : 1;
}
