// kubectl kubestellar remove location [--imw WS] [-X] [--dry-run] [kubectl flags] NAME
import { runCommand } from '../lib/cli/command.ts';
import { DRY_RUN_FLAG } from '../lib/cli/args.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { result } from '../lib/cli/output.ts';

await runCommand(
  {
    name: 'kubectl kubestellar remove location',
    summary: summaryOf('kubectl-kubestellar-remove-location'),
    usage: '[--imw WS] [-X] [--dry-run] [kubectl flags] NAME',
    description: `Deletes the SyncTarget and the Location named NAME from the inventory
management workspace, whichever exist; does nothing when neither does. Afterwards
the current workspace is the IMW. Flags may appear anywhere.`,
    flags: {
      imw: { type: 'string', value: 'WS', description: 'the inventory management workspace (default: the current one)' },
      ...DRY_RUN_FLAG,
    },
    kube: { refuse: ['context'] },
    positionals: { min: 1, max: 1, names: 'NAME' },
  },
  async ({ flags, positionals: [name], kube }) => {
    const { validateObjectName, validateWorkspaceRef } = await import('../lib/kubestellar/validate.ts');
    validateObjectName(name);
    if (flags.imw !== undefined) validateWorkspaceRef('--imw', flags.imw);
    const [{ connect }, { openNavigator }, { WorkspaceSession }, { removeLocation }] = await Promise.all([
      import('../lib/kcp/client.ts'),
      import('../lib/kcp/workspace.ts'),
      import('../lib/kcp/session.ts'),
      import('../lib/kubestellar/location.ts'),
    ]);
    const client = await connect(kube);
    const session = new WorkspaceSession(await openNavigator(client), Boolean(flags['dry-run']));
    await removeLocation(session, { imw: flags.imw, name, print: result });
  },
);
