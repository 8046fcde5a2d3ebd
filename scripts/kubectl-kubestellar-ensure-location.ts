// kubectl kubestellar ensure location [--imw WS] [-X] [--dry-run] [kubectl flags] NAME KEY=VALUE...
import { runCommand } from '../lib/cli/command.ts';
import { DRY_RUN_FLAG } from '../lib/cli/args.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { result } from '../lib/cli/output.ts';

await runCommand(
  {
    name: 'kubectl kubestellar ensure location',
    summary: summaryOf('kubectl-kubestellar-ensure-location'),
    usage: '[--imw WS] [-X] [--dry-run] [kubectl flags] NAME KEY=VALUE...',
    description: `Ensures a SyncTarget and a Location named NAME exist in the inventory
management workspace (IMW) with at least the given labels; the SyncTarget also gets
label id=NAME and the Location selects it by that label. Binds the IMW to the edge
API of root:espw when needed and deletes the Location named "default". Idempotent.
Afterwards the current workspace is the IMW. Flags may appear anywhere.`,
    flags: {
      imw: { type: 'string', value: 'WS', description: 'the inventory management workspace (default: the current one)' },
      ...DRY_RUN_FLAG,
    },
    kube: { refuse: ['context'] },
    positionals: { min: 1, names: 'NAME KEY=VALUE...' },
  },
  async ({ flags, positionals: [name, ...labelArgs], kube }) => {
    const { validateObjectName, parseLabels, validateWorkspaceRef } = await import('../lib/kubestellar/validate.ts');
    validateObjectName(name);
    const labels = parseLabels(labelArgs);
    if (flags.imw !== undefined) validateWorkspaceRef('--imw', flags.imw);
    const [{ connect }, { openNavigator }, { WorkspaceSession }, { ensureLocation }] = await Promise.all([
      import('../lib/kcp/client.ts'),
      import('../lib/kcp/workspace.ts'),
      import('../lib/kcp/session.ts'),
      import('../lib/kubestellar/location.ts'),
    ]);
    const client = await connect(kube);
    const session = new WorkspaceSession(await openNavigator(client), Boolean(flags['dry-run']));
    await ensureLocation(session, { imw: flags.imw, name, labels, print: result });
  },
);
