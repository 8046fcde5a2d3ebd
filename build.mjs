// Bundles every scripts/*.ts entry into dist/ with esbuild. Shared code and lazily
// imported libraries land in separate chunks, so `--help` loads only what it needs
// (REFERENCE.md: unbundled imports cost tens to hundreds of milliseconds).
import { build } from 'esbuild';
import { readdirSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { relative, join } from 'node:path';
import { execFileSync } from 'node:child_process';

const entryPoints = readdirSync('scripts')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `scripts/${f}`);

function git(...args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

// Facts captured at build time, read by kubestellar-version and kubestellar-release.
const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync('package.json', 'utf8')));
const commit = git('rev-parse', 'HEAD');
const dirty = git('status', '--porcelain', '--untracked-files=no');
const buildInfo = {
  release: `v${pkg.version}`,
  gitCommit: commit ? commit.slice(0, 8) : '',
  gitTreeState: commit ? (dirty ? 'dirty' : 'clean') : '',
  buildDate: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  nodeVersion: process.version,
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

mkdirSync('dist', { recursive: true });
writeFileSync('dist/build-info.json', JSON.stringify(buildInfo, null, 2) + '\n');

const { metafile } = await build({
  metafile: true,
  entryPoints,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: false,
  chunkNames: 'chunks/[name]-[hash]',
  define: { __BUILD_INFO__: JSON.stringify(buildInfo) },
  // Some CommonJS dependencies call require() on node built-ins from inside the ESM bundle.
  banner: {
    js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  },
  logLevel: 'warning',
});

// Drop chunks of earlier builds (after writing, so a concurrent run never sees a gap).
const fresh = new Set(Object.keys(metafile.outputs).map((p) => relative('dist', p)));
for (const f of readdirSync('dist/chunks')) {
  if (!fresh.has(`chunks/${f}`)) rmSync(`dist/chunks/${f}`, { force: true });
}

// The published package has no runtime dependencies: what it needs is bundled above, so the
// licence notices of every bundled package ship with it (dist/THIRD-PARTY-NOTICES.txt).
const bundled = new Map(); // package name -> its folder (nested node_modules included)
for (const input of Object.keys(metafile.inputs)) {
  const m = input.match(/^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//);
  if (m) bundled.set(m[2], m[1]);
}
const notices = [...bundled.keys()].sort().map((name) => {
  const dir = bundled.get(name);
  const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${license ?? 'see package'}`;
  return `${name}@${version} (${license ?? 'unknown'})\n\n${text}\n`;
});
writeFileSync(
  'dist/THIRD-PARTY-NOTICES.txt',
  `kubestellar-zx bundles these packages into dist/.\n\n${notices.join('\n' + '-'.repeat(72) + '\n\n')}`,
);
