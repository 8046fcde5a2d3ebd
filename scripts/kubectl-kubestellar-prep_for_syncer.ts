// kubectl kubestellar prep-for-syncer [--imw WS] [--espw WS] [--syncer-image REF] [-o FILE] [-s|--silent] [-X] [--dry-run] [kubectl flags] SYNCTARGET
import { runCommand } from '../lib/cli/command.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { UsageError } from '../lib/cli/errors.ts';
import { defaultSyncerImage } from '../lib/kubestellar/syncer-image.ts';

await runCommand(
  {
    name: 'kubectl kubestellar prep-for-syncer',
    summary: summaryOf('kubectl-kubestellar-prep_for_syncer'),
    usage: '[--imw WS] [--espw WS] [--syncer-image REF] [-o FILE] [-s|--silent] [-X] [--dry-run] [kubectl flags] SYNCTARGET',
    description: `In the mailbox workspace of the SyncTarget (made by the mailbox controller as a
child of root, or of the ESPW on older cores; waits up to 70 s for it, else exit 5)
ensures the EdgeSyncConfig named after the SyncTarget and the syncer's ServiceAccount,
ClusterRole, ClusterRoleBinding and token Secret (owned by that EdgeSyncConfig), then
writes the manifest to apply in the workload execution cluster (default
SYNCTARGET-syncer.yaml, mode 0600; - for stdout). Exit 2 when --espw has no edge
APIExport. The current workspace is restored afterwards, also on failure.`,
    flags: {
      imw: { type: 'string', value: 'WS', description: 'workspace holding the SyncTarget (default: the current one)' },
      espw: { type: 'string', value: 'WS', description: 'the edge service provider workspace (default root:espw)' },
      'syncer-image': { type: 'string', value: 'REF', description: `syncer container image (default ${defaultSyncerImage()})` },
      output: { type: 'string', short: 'o', value: 'FILE', description: 'where to write the WEC manifest; - for stdout' },
      silent: { type: 'boolean', short: 's', description: 'do not print the workspace moves' },
      'dry-run': { type: 'boolean', description: 'print what would change and change nothing' },
    },
    kube: { refuse: ['context'] },
    positionals: { min: 1, max: 1, names: 'SYNCTARGET' },
  },
  async ({ flags, positionals: [name], kube }) => {
    const { validateObjectName, validateWorkspaceRef } = await import('../lib/kubestellar/validate.ts');
    validateObjectName(name);
    if (flags.imw !== undefined) validateWorkspaceRef('--imw', flags.imw);
    if (flags.espw !== undefined) validateWorkspaceRef('--espw', flags.espw);
    if (flags['syncer-image'] === '') throw new UsageError('--syncer-image needs an image reference, not an empty string');
    const { runPrep } = await import('../lib/kubestellar/prep.ts');
    await runPrep(kube, name, {
      imw: flags.imw,
      espw: flags.espw,
      syncerImage: flags['syncer-image'],
      output: flags.output,
      silent: Boolean(flags.silent),
      dryRun: Boolean(flags['dry-run']),
    });
  },
);
