// kubectl kubestellar ensure wmw [--with-kube BOOL] [-X] [--dry-run] [kubectl flags] NAME
import { runCommand } from '../lib/cli/command.ts';
import { DRY_RUN_FLAG } from '../lib/cli/args.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { result } from '../lib/cli/output.ts';

await runCommand(
  {
    name: 'kubectl kubestellar ensure wmw',
    summary: summaryOf('kubectl-kubestellar-ensure-wmw'),
    usage: '[--with-kube BOOL] [-X] [--dry-run] [kubectl flags] NAME',
    description: `Ensures the workload management workspace root:NAME exists with an
APIBinding "bind-espw" to the edge API and, with --with-kube true (the default),
one "bind-EXPORT" per Kubernetes API export of root:compute; --with-kube false
deletes those. Idempotent. Afterwards the WMW is the current workspace.`,
    flags: {
      'with-kube': { type: 'boolValue', value: 'BOOL', description: 'bind the Kubernetes workload APIs (default true)' },
      ...DRY_RUN_FLAG,
    },
    kube: { refuse: ['context'] },
    positionals: { min: 1, max: 1, names: 'NAME' },
  },
  async ({ flags, positionals: [name], kube }) => {
    const { validateWorkspaceName } = await import('../lib/kubestellar/validate.ts');
    validateWorkspaceName(name);
    const [{ connect }, { openNavigator }, { ensureWmw }] = await Promise.all([
      import('../lib/kcp/client.ts'),
      import('../lib/kcp/workspace.ts'),
      import('../lib/kubestellar/wmw.ts'),
    ]);
    const nav = await openNavigator(await connect(kube));
    await ensureWmw(nav, name, { withKube: flags['with-kube'] ?? true, dryRun: Boolean(flags['dry-run']), print: result });
  },
);
