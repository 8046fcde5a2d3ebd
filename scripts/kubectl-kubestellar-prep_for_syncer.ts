// kubectl kubestellar prep-for-syncer [--imw WS] [--espw WS] [--syncer-image REF] [-o FILE] [-s|--silent] [-X] [--dry-run] [kubectl flags] SYNCTARGET
import { runCommand } from '../lib/cli/command.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { PREP_FLAGS, PREP_USAGE_FLAGS, prepFlagsFrom } from '../lib/kubestellar/prep-flags.ts';

await runCommand(
  {
    name: 'kubectl kubestellar prep-for-syncer',
    summary: summaryOf('kubectl-kubestellar-prep_for_syncer'),
    usage: `${PREP_USAGE_FLAGS} SYNCTARGET`,
    description: `In the mailbox workspace of the SyncTarget (made by the mailbox controller as a
child of root, or of the ESPW on older cores; waits up to 70 s for it, else exit 5)
ensures the EdgeSyncConfig named after the SyncTarget and the syncer's ServiceAccount,
ClusterRole, ClusterRoleBinding and token Secret (owned by that EdgeSyncConfig), then
writes the manifest to apply in the workload execution cluster (default
SYNCTARGET-syncer.yaml, mode 0600; - for stdout). Exit 2 when --espw has no edge
APIExport. The current workspace is restored afterwards, also on failure.`,
    flags: PREP_FLAGS,
    kube: { refuse: ['context'] },
    positionals: { min: 1, max: 1, names: 'SYNCTARGET' },
  },
  async ({ flags, positionals: [name], kube }) => {
    const { validateObjectName } = await import('../lib/kubestellar/validate.ts');
    validateObjectName(name);
    const { runPrep } = await import('../lib/kubestellar/prep.ts');
    await runPrep(kube, name, await prepFlagsFrom(flags));
  },
);
