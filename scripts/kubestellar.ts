// kubestellar [flags] init|start|stop [flags]
// Finish KubeStellar's setup in a kcp server (init), and start or stop its central
// controllers as local processes (start = stop + init + launch).
import { runCommand } from '../lib/cli/command.ts';
import { UsageError } from '../lib/cli/errors.ts';
import { summaryOf } from '../lib/cli/commands.ts';

const SUBCOMMANDS = ['init', 'start', 'stop'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

/** Which subcommands each flag means something for (the reference's rules). */
const MEANINGFUL: Record<string, readonly Sub[]> = {
  'log-folder': ['start'],
  'local-kcp': ['init', 'start'],
  'ensure-imw': ['init', 'start'],
  'ensure-wmw': ['init', 'start'],
  timeout: ['init', 'start'],
};

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
Flags may come before and after the subcommand.`,
    flags: {
      'log-folder': { type: 'string', value: 'DIR', description: 'where the controllers log (start only; default ./kubestellar-logs)' },
      'local-kcp': { type: 'boolValue', description: 'expect a local process named kcp (init, start; default true)' },
      'ensure-imw': { type: 'string', value: 'PATHS', description: 'inventory workspaces, comma-separated (default root:imw1; "" for none)' },
      'ensure-wmw': { type: 'string', value: 'PATHS', description: 'workload management workspaces, comma-separated (default root:wmw1; "" for none)' },
      timeout: { type: 'string', value: 'DURATION', description: 'give up waiting for the server after DURATION (default: wait forever)' },
    },
    positionals: { min: 1, max: 1, names: 'subcommand (init, start or stop)' },
  },
  async ({ positionals: [raw], flags }) => {
    if (!SUBCOMMANDS.includes(raw as Sub)) throw new UsageError(`unknown subcommand ${JSON.stringify(raw)}; expected init, start or stop`);
    const sub = raw as Sub;
    for (const [flag, subs] of Object.entries(MEANINGFUL)) {
      if ((flags as Record<string, unknown>)[flag] !== undefined && !subs.includes(sub)) {
        throw new UsageError(`the --${flag} flag is not meaningful for the ${sub} subcommand`);
      }
    }
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
