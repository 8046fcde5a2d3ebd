// The command side of prep-for-syncer and prep-for-cluster: where lines go, checking
// the output path before anything is created, writing the manifest (atomically, mode
// 0600: it holds a token), and restoring the workspace the user started in, also after
// a failure.
import { result, info } from '../cli/output.ts';
import type { KubeFlags } from '../cli/args.ts';
import { writeFileAtomic } from '../util/fsutil.ts';
import { checkWritableFile } from '../util/preflight.ts';
import { connect } from '../kcp/client.ts';
import { openNavigator } from '../kcp/workspace.ts';
import { WorkspaceSession } from '../kcp/session.ts';
import { ensureLocation } from './location.ts';
import { prepareSyncer, wroteMessage, defaultSyncerImage } from './syncer.ts';
import { syncerTrust } from './syncer-trust.ts';

export interface PrepFlags {
  imw?: string;
  espw?: string;
  syncerImage?: string;
  output?: string;
  silent: boolean;
  dryRun: boolean;
  /** prep-for-cluster: ensure the location first, with these labels */
  labels?: Map<string, string>;
}

const envSeconds = (name: string): number | undefined => {
  const v = Number(process.env[name]);
  return process.env[name] && Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
};

export async function runPrep(kube: KubeFlags, syncTarget: string, flags: PrepFlags): Promise<void> {
  const output = flags.output ?? `${syncTarget}-syncer.yaml`;
  // Refused before the first request, so that a bad -o creates no object.
  if (output !== '-' && !flags.dryRun) checkWritableFile(output, '-o');
  const client = await connect(kube);
  const nav = await openNavigator(client);
  const session = new WorkspaceSession(nav, flags.dryRun);
  const toStdout = output === '-';
  // Decided before anything is created: a failing probe leaves nothing behind.
  const trust = flags.dryRun ? {} : await syncerTrust(client.conn);
  if (trust.note) info(trust.note);
  // kubectl ws lines go to stdout like the original's, unless stdout carries the manifest
  const printWs = flags.silent ? () => {} : toStdout ? info : result;
  const original = nav.current;
  try {
    let imw = flags.imw;
    if (flags.labels) {
      // -s discards ensure location's lines too, as the original's prep-for-cluster
      await ensureLocation(session, { imw, name: syncTarget, labels: flags.labels, print: flags.silent ? () => {} : toStdout ? info : result });
      imw = session.path;
    }
    const prepared = await prepareSyncer(session, {
      imw,
      espw: flags.espw ?? 'root:espw',
      syncTarget,
      image: flags.syncerImage ?? defaultSyncerImage(),
      caData: trust.caData,
      printWs,
      info,
      mailboxTimeoutMs: envSeconds('KUBESTELLAR_MAILBOX_WAIT_SECONDS'),
    });
    if (prepared.manifest === undefined) {
      info(`Would write WEC manifest to ${output} for namespace ${JSON.stringify(prepared.syncerId)} (dry run)`);
    } else if (toStdout) {
      process.stdout.write(prepared.manifest);
    } else {
      writeFileAtomic(output, prepared.manifest, { mode: 0o600, forceMode: true });
      info(wroteMessage(output, prepared.syncerId));
    }
  } finally {
    if (!flags.dryRun && nav.current !== original) {
      const moved = await nav.use(original);
      printWs(moved.message);
    }
  }
}
