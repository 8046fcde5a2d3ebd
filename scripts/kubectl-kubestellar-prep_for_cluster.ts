// kubectl kubestellar prep-for-cluster: ensure location + prep-for-syncer, the union of their flags and arguments.
import { runCommand } from '../lib/cli/command.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { configureOutput } from '../lib/cli/output.ts';

await runCommand(
  {
    name: 'kubectl kubestellar prep-for-cluster',
    summary: summaryOf('kubectl-kubestellar-prep_for_cluster'),
    usage: '[--imw WS] [--espw WS] [--syncer-image REF] [-o FILE] [-s] [-X] [--dry-run] [kubectl flags] NAME KEY=VALUE...',
    description: `Does "kubectl kubestellar ensure location" for NAME and the labels, then
"kubectl kubestellar prep-for-syncer" for the SyncTarget NAME. The current workspace
is restored afterwards, also on failure.`,
    flags: {
      imw: { type: 'string', value: 'WS', description: 'the inventory management workspace (default: the current one)' },
      espw: { type: 'string', value: 'WS', description: 'the edge service provider workspace (default root:espw)' },
      'syncer-image': { type: 'string', value: 'REF', description: 'syncer container image (default quay.io/kubestellar/syncer:latest)' },
      output: { type: 'string', short: 'o', value: 'FILE', description: 'where to write the WEC manifest; - for stdout' },
      s: { type: 'boolean', description: 'exceptionally low info output' },
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
    if (flags.s) configureOutput({ quiet: true });
    const { runPrep } = await import('../lib/kubestellar/prep.ts');
    await runPrep(kube, name, {
      imw: flags.imw,
      espw: flags.espw,
      syncerImage: flags['syncer-image'],
      output: flags.output,
      silent: Boolean(flags.s),
      dryRun: Boolean(flags['dry-run']),
      labels,
    });
  },
);
