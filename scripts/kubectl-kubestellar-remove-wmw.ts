// kubectl kubestellar remove wmw [-X] [--dry-run] [kubectl flags] NAME
import { runCommand } from '../lib/cli/command.ts';
import { DRY_RUN_FLAG } from '../lib/cli/args.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { result } from '../lib/cli/output.ts';

await runCommand(
  {
    name: 'kubectl kubestellar remove wmw',
    summary: summaryOf('kubectl-kubestellar-remove-wmw'),
    usage: '[-X] [--dry-run] [kubectl flags] NAME',
    description: `Deletes the workload management workspace root:NAME, if it exists.
Afterwards the current workspace is root.`,
    flags: {
      ...DRY_RUN_FLAG,
    },
    kube: { refuse: ['context'] },
    positionals: { min: 1, max: 1, names: 'NAME' },
  },
  async ({ flags, positionals: [name], kube }) => {
    const { validateWorkspaceName } = await import('../lib/kubestellar/validate.ts');
    validateWorkspaceName(name);
    const [{ connect }, { openNavigator }, { removeWmw }] = await Promise.all([
      import('../lib/kcp/client.ts'),
      import('../lib/kcp/workspace.ts'),
      import('../lib/kubestellar/wmw.ts'),
    ]);
    const nav = await openNavigator(await connect(kube));
    await removeWmw(nav, name, { dryRun: Boolean(flags['dry-run']), print: result });
  },
);
