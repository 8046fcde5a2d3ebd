#!/usr/bin/env node
// kubestellar-ensure-kcp-server-creds against easy-rsa doing the same work, in one run:
//   fresh:  an empty directory -> PKI, CA, server key and certificate with SAN DNS:yep.yep
//   re-use: the same command again on the result
// Like with like: ours makes an EC P-256 CA and an EC P-256 server key, so the targets
// compare it with easy-rsa making exactly that (--use-algo=ec --curve=prime256v1 for both),
// and its re-use with easy-rsa + openssl making the same checks (SAN, signature and dates,
// key match). Our CA key type differs from the original's: the v0.14 scripts let easy-rsa
// make its default RSA 2048 CA (only the server key is EC). easy-rsa's defaults and the
// original's mix, and the original's lighter re-use check (the SAN only), are printed for
// information, without a target: they are different work.
// Runs are interleaved; figures are medians of RUNS (env PKI_BENCH_RUNS, default 7).
// Targets: fresh <= 0.5 x easy-rsa EC, re-use <= 1.0 x easy-rsa + openssl, judged on the
// machine as it is (with NODE_EXTRA_CA_CERTS if set; the figures without it are shown too).
// Exits 1 when a target is missed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const ours = join(repo, 'bin', 'kubestellar-ensure-kcp-server-creds');
const runs = Number(process.env.PKI_BENCH_RUNS ?? 7);
const domain = 'yep.yep';
const name = `kcp-DNS-${domain}`;

function findEasyRsa() {
  const candidates = [process.env.EASYRSA_BIN, '/usr/share/easy-rsa/easyrsa', ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'easyrsa'))];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  console.error('bench/pki: easy-rsa not found (apt-get install -y easy-rsa, or set EASYRSA_BIN)');
  process.exit(1);
}
const easyrsa = findEasyRsa();
if (!existsSync(join(repo, 'dist', 'kubestellar-ensure-kcp-server-creds.js'))) spawnSync('node', ['build.mjs'], { cwd: repo, stdio: 'inherit' });

/** Wall time in ms of one command; fails loudly if it fails. */
function timed(cmd, args, cwd, env = {}) {
  const t0 = process.hrtime.bigint();
  const merged = { ...process.env, ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const r = spawnSync(cmd, args, { cwd, env: merged, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const er = (cwd, ...args) => timed(easyrsa, args, cwd, { EASYRSA_BATCH: '1', EASYRSA_PKI: join(cwd, 'pki') }).ms;

const LIKE = 'easy-rsa EC P-256 CA + EC P-256 server (the same keys as ours)';
const variants = {
  [LIKE]: [['--use-algo=ec', '--curve=prime256v1'], ['--use-algo=ec', '--curve=prime256v1']],
  'easy-rsa as the original: RSA 2048 CA, EC server': [[], ['--use-algo=ec']],
  'easy-rsa defaults: RSA 2048 CA and server': [[], []],
};

function easyRsaFresh(dir, [caArgs, serverArgs]) {
  return (
    er(dir, 'init-pki') +
    er(dir, ...caArgs, `--req-cn=easy@${Math.floor(Date.now() / 1000)}`, 'build-ca', 'nopass') +
    er(dir, ...serverArgs, `--subject-alt-name=DNS:${domain}`, 'build-server-full', name, 'nopass')
  );
}

/** The original's re-use check: easy-rsa shows the certificate, the SAN line is picked out. */
function easyRsaReuseAsOriginal(dir) {
  return timed('bash', ['-c', `"$0" show-cert ${name} | grep -A1 'X509v3 Subject Alternative Name' | tail -1 | awk '{ print $1 }'`, easyrsa], dir, {
    EASYRSA_BATCH: '1',
    EASYRSA_PKI: join(dir, 'pki'),
  }).ms;
}

/** The checks ours makes, with easy-rsa and openssl: SAN, signature and dates, key match. */
function easyRsaReuseSameChecks(dir) {
  const script = `set -e
san=$("$0" show-cert ${name} | grep -A1 'X509v3 Subject Alternative Name' | tail -1 | awk '{ print $1 }')
[ "$san" = "DNS:${domain}" ]
openssl verify -CAfile pki/ca.crt pki/issued/${name}.crt >/dev/null
[ "$(openssl pkey -in pki/private/${name}.key -pubout)" = "$(openssl x509 -in pki/issued/${name}.crt -noout -pubkey)" ]`;
  return timed('bash', ['-c', script, easyrsa], dir, { EASYRSA_BATCH: '1', EASYRSA_PKI: join(dir, 'pki') }).ms;
}

// The machine image sets NODE_EXTRA_CA_CERTS to the system bundle, which Node parses at
// every start-up (tens of ms) whether or not TLS is used; ours is also timed without it.
const extraCA = Boolean(process.env.NODE_EXTRA_CA_CERTS);
const noExtraCA = { NODE_EXTRA_CA_CERTS: undefined };
const samples = { oursFresh: [], oursReuse: [], nodeFloor: [], reuseOriginal: [], reuseSame: [], oursFreshNoCA: [], oursReuseNoCA: [], nodeFloorNoCA: [] };
for (const v of Object.keys(variants)) samples[v] = [];

const root = mkdtempSync(join(tmpdir(), 'ks-bench-pki-'));
try {
  // warm-up (file cache, first node start)
  const w = join(root, 'warm');
  timed('mkdir', ['-p', w], root);
  timed('node', [ours, domain], w);
  for (let i = 0; i < runs; i++) {
    const a = join(root, `ours-${i}`);
    timed('mkdir', ['-p', a], root);
    samples.oursFresh.push(timed('node', [ours, domain], a).ms);
    samples.oursReuse.push(timed('node', [ours, domain], a).ms);
    samples.nodeFloor.push(timed('node', ['-e', '0'], a).ms);
    if (extraCA) {
      const c = join(root, `ours-noca-${i}`);
      timed('mkdir', ['-p', c], root);
      samples.oursFreshNoCA.push(timed('node', [ours, domain], c, noExtraCA).ms);
      samples.oursReuseNoCA.push(timed('node', [ours, domain], c, noExtraCA).ms);
      samples.nodeFloorNoCA.push(timed('node', ['-e', '0'], c, noExtraCA).ms);
    }
    for (const [label, args] of Object.entries(variants)) {
      const b = join(root, `er-${i}-${Object.keys(variants).indexOf(label)}`);
      timed('mkdir', ['-p', b], root);
      samples[label].push(easyRsaFresh(b, args));
      if (label === LIKE) {
        samples.reuseOriginal.push(easyRsaReuseAsOriginal(b));
        samples.reuseSame.push(easyRsaReuseSameChecks(b));
      }
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(0).padStart(5)} ms`;
const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.length ? median(v) : NaN]));

console.log(`bench/pki: medians of ${runs} runs (node ${process.version}; easy-rsa at ${easyrsa})`);
console.log('  note: our CA key is EC P-256; the original let easy-rsa make an RSA 2048 CA. Targets compare like with like.');
let missed = 0;
const line = (label, value, ratio, target) => {
  let verdict = '';
  if (ratio !== undefined && target !== undefined) {
    const ok = ratio <= target;
    if (!ok && judged) missed++;
    verdict = `   ours/easy-rsa ${ratio.toFixed(2)}  target <= ${target.toFixed(2)}: ${ok ? 'met' : 'MISSED'}${judged ? '' : ' (not judged)'}`;
  } else if (ratio !== undefined) verdict = `   ours/easy-rsa ${ratio.toFixed(2)}  (different work: no target)`;
  console.log(`  ${label.padEnd(70)} ${ms(value)}${verdict}`);
};
const envs = extraCA
  ? [['as is (NODE_EXTRA_CA_CERTS set): judged', m.oursFresh, m.oursReuse, m.nodeFloor, true], ['without NODE_EXTRA_CA_CERTS: for information', m.oursFreshNoCA, m.oursReuseNoCA, m.nodeFloorNoCA, false]]
  : [['', m.oursFresh, m.oursReuse, m.nodeFloor, true]];
let judged = true;
for (const [envLabel, fresh, reuse, floor, j] of envs) {
  judged = j;
  if (envLabel) console.log(`ours ${envLabel}:`);
  line('node -e 0 (start-up floor)', floor);
  console.log('  fresh (PKI + CA + server pair):');
  line('  ours (EC P-256 CA, EC P-256 server)', fresh);
  line(`  vs ${LIKE}`, m[LIKE], fresh / m[LIKE], 0.5);
  for (const label of Object.keys(variants).filter((l) => l !== LIKE)) line(`  vs ${label}`, m[label], fresh / m[label]);
  console.log('  re-use (everything already there):');
  line('  ours (SAN, CA signature, dates, key match)', reuse);
  line('  vs easy-rsa + openssl making the same checks', m.reuseSame, reuse / m.reuseSame, 1);
  line("  vs the original's show-cert SAN check alone", m.reuseOriginal, reuse / m.reuseOriginal);
}
console.log(missed ? `bench/pki: ${missed} target(s) MISSED` : 'bench/pki: all targets met');
process.exitCode = missed ? 1 : 0;
