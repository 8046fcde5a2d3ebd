// kubectl kubestellar prep-for-cluster: ensure location + prep-for-syncer, the union of their flags and arguments.
import { runCommand } from '../lib/cli/command.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { UsageError } from '../lib/cli/errors.ts';
import { defaultSyncerImage } from '../lib/kubestellar/syncer-image.ts';

await runCommand(
  {
    name: 'kubectl kubestellar prep-for-cluster',
    summary: summaryOf('kubectl-kubestellar-prep_for_cluster'),
    usage: '[--imw WS] [--espw WS] [--syncer-image REF] [-o FILE] [-s|--silent] [-X] [--dry-run] [kubectl flags] NAME KEY=VALUE...',
    description: `Does "kubectl kubestellar ensure location" for NAME and the labels, then
"kubectl kubestellar prep-for-syncer" for the SyncTarget NAME. The current workspace
is restored afterwards, also on failure.`,
    flags: {
      imw: { type: 'string', value: 'WS', description: 'the inventory management workspace (default: the current one)' },
      espw: { type: 'string', value: 'WS', description: 'the edge service provider workspace (default root:espw)' },
      'syncer-image': { type: 'string', value: 'REF', description: `syncer container image (default ${defaultSyncerImage()})` },
      output: { type: 'string', short: 'o', value: 'FILE', description: 'where to write the WEC manifest; - for stdout' },
      silent: { type: 'boolean', short: 's', description: 'do not print the workspace moves' },
      'dry-run': { type: 'boolean', description: 'print what would change and change nothing' },
    },
    kube: { refuse: ['context'] },
    positionals: { min: 1, names: 'NAME KEY=VALUE...' },
  },
  async ({ flags, positionals: [name, ...labelArgs], kube }) => {
    const { validateObjectName, validateWorkspaceRef, parseLabels } = await import('../lib/kubestellar/validate.ts');
    validateObjectName(name);
    const labels = parseLabels(labelArgs);
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
      labels,
    });
  },
);
