// kubestellar [flags] init|start|stop [flags]
// Finish KubeStellar's setup in a kcp server (init), and start or stop its central
// controllers as local processes (start = stop + init + launch).
import { runCommand } from '../lib/cli/command.ts';
import { UsageError } from '../lib/cli/errors.ts';
import { summaryOf } from '../lib/cli/commands.ts';

const SUBCOMMANDS = ['init', 'start', 'stop'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

await runCommand(
  {
    name: 'kubestellar',
    summary: summaryOf('kubestellar'),
    usage: '[flags] init|start|stop [flags]',
    description: `init   waits for the kcp server and root:compute, ensures the edge service provider
       workspace root:espw with the edge.kubestellar.io APIExport, augments root:compute,
       and ensures the inventory and workload management workspaces; leaves "root" current.
start  stops the controllers this suite started, does init, then launches
       mailbox-controller, kubestellar-where-resolver and placement-translator (from PATH).
stop   stops the controllers that start launched (tracked by pid files in
       $KUBESTELLAR_RUN_DIR, default ~/.kubestellar/run). The ESPW is left as it is.
Flags may come before and after the subcommand; every flag is accepted with every
subcommand and ignored where it means nothing (as the original). If several subcommand
words are given, the last one wins. --ensure-imw/--ensure-wmw items are taken relative
to root (imw9 and root:imw9 are the same).`,
    flags: {
      'log-folder': { type: 'string', value: 'DIR', description: 'where the controllers log (start only; default ./kubestellar-logs)' },
      'local-kcp': { type: 'boolValue', description: 'expect a local process named kcp (init, start; default true)' },
      'ensure-imw': { type: 'string', value: 'PATHS', description: 'inventory workspaces, comma-separated (default root:imw1; "" for none)' },
      'ensure-wmw': { type: 'string', value: 'PATHS', description: 'workload management workspaces, comma-separated (default root:wmw1; "" for none)' },
      timeout: { type: 'string', value: 'DURATION', description: 'give up waiting for the server after DURATION (default: wait forever)' },
    },
    positionals: { min: 1, names: 'subcommand (init, start or stop)' },
  },
  async ({ positionals, flags }) => {
    const unknown = positionals.find((p) => !SUBCOMMANDS.includes(p as Sub));
    if (unknown !== undefined) throw new UsageError(`unknown subcommand ${JSON.stringify(unknown)}; expected init, start or stop`);
    // The last subcommand word wins, as in the original.
    const sub = positionals[positionals.length - 1] as Sub;
    const { main } = await import('../lib/kubestellar/kubestellar-main.ts');
    return main(sub, {
      logFolder: flags['log-folder'],
      localKcp: flags['local-kcp'] ?? true,
      ensureImw: flags['ensure-imw'] ?? 'root:imw1',
      ensureWmw: flags['ensure-wmw'] ?? 'root:wmw1',
      timeout: flags.timeout,
    });
  },
);
