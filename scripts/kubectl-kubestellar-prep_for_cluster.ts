// kubectl kubestellar prep-for-cluster: ensure location + prep-for-syncer, the union of their flags and arguments.
import { runCommand } from '../lib/cli/command.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { PREP_FLAGS, PREP_USAGE_FLAGS, prepFlagsFrom } from '../lib/kubestellar/prep-flags.ts';

await runCommand(
  {
    name: 'kubectl kubestellar prep-for-cluster',
    summary: summaryOf('kubectl-kubestellar-prep_for_cluster'),
    usage: `${PREP_USAGE_FLAGS} NAME KEY=VALUE...`,
    description: `Does "kubectl kubestellar ensure location" for NAME and the labels, then
"kubectl kubestellar prep-for-syncer" for the SyncTarget NAME. The current workspace
is restored afterwards, also on failure.`,
    flags: PREP_FLAGS,
    kube: { refuse: ['context'] },
    positionals: { min: 1, names: 'NAME KEY=VALUE...' },
  },
  async ({ flags, positionals: [name, ...labelArgs], kube }) => {
    const { validateObjectName, parseLabels } = await import('../lib/kubestellar/validate.ts');
    validateObjectName(name);
    const labels = parseLabels(labelArgs);
    const { runPrep } = await import('../lib/kubestellar/prep.ts');
    await runPrep(kube, name, { ...(await prepFlagsFrom(flags)), labels });
  },
);
