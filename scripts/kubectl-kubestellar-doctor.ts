// kubectl kubestellar doctor [--imw WS]... [--wmw WS]... [--wec-kubeconfig FILE --synctarget NAME]... [--json] [kubectl flags] [-X]
import { runCommand } from '../lib/cli/command.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import { existsSync } from 'node:fs';
import { UsageError, quoteArg } from '../lib/cli/errors.ts';
import { parseDuration } from '../lib/cli/args.ts';

await runCommand(
  {
    name: 'kubectl kubestellar doctor',
    summary: summaryOf('kubectl-kubestellar-doctor'),
    usage: '[--imw WS]... [--wmw WS]... [--wec-kubeconfig FILE --synctarget NAME]... [--json] [kubectl flags] [-X]',
    description: `Checks, reading only, in dependency order: the kubeconfig and the kcp server
(reachable, TLS, credentials, version, root:compute); the ESPW and its edge API
export; what kubestellar init adds to root:compute; each IMW and WMW (the ones
given, else all found under root) and their bindings; the controllers
(mailbox-controller, kubestellar-where-resolver, placement-translator) and their
logs; each SyncTarget/Location pair, its mailbox workspace and the syncer's
identity, token, EdgeSyncConfig and SyncerConfig there; and, for each
--wec-kubeconfig/--synctarget pair, the syncer's namespace, Deployment and
kubeconfig in that workload execution cluster.

Prints one line per check: ok, FAIL (with the cause and the command that fixes
it) or skip (a check it needs did not pass). --json prints one JSON object per
check instead: {"name", "status": "pass"|"fail"|"skip", "detail", "fix"}.
Exit status: 0 when every check passes, 1 when any fails, 2 for a bad command line.`,
    flags: {
      imw: { type: 'list', value: 'WS', description: 'check this inventory management workspace (repeatable; default: all)' },
      wmw: { type: 'list', value: 'WS', description: 'check this workload management workspace (repeatable; default: all)' },
      'wec-kubeconfig': { type: 'list', value: 'FILE', description: 'kubeconfig of a workload execution cluster (pairs with --synctarget)' },
      synctarget: { type: 'list', value: 'NAME', description: 'the SyncTarget whose syncer runs in that cluster' },
      json: { type: 'boolean', description: 'one JSON object per check' },
    },
    kube: true,
    usageExitCode: 2,
  },
  async ({ flags, kube }) => {
    const wecFiles = flags['wec-kubeconfig'] ?? [];
    const targets = flags.synctarget ?? [];
    if (wecFiles.length !== targets.length) throw new UsageError(`give --wec-kubeconfig and --synctarget in pairs (got ${wecFiles.length} and ${targets.length})`);
    // What the command line names is checked here (exit 2); a setup that is broken is what
    // the checks report. A kubeconfig named by --kubeconfig must exist, as for kubectl.
    if (kube.requestTimeout !== undefined) parseDuration(kube.requestTimeout, '--request-timeout');
    for (const file of [kube.kubeconfig, ...wecFiles]) {
      if (file !== undefined && !existsSync(file)) throw new UsageError(`kubeconfig ${quoteArg(file)} does not exist`);
    }
    const [{ parsePathList }, { runDoctor }, report, { result, info }] = await Promise.all([
      import('../lib/kubestellar/init.ts'),
      import('../lib/kubestellar/doctor/index.ts'),
      import('../lib/kubestellar/doctor/report.ts'),
      import('../lib/cli/output.ts'),
    ]);
    const paths = (raw: string[] | undefined, flag: string) => {
      if (!raw) return undefined;
      try {
        return [...new Set(raw.flatMap((r) => parsePathList(r, flag)))];
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    };
    const results = await runDoctor({
      kube,
      imws: paths(flags.imw, '--imw'),
      wmws: paths(flags.wmw, '--wmw'),
      wecs: wecFiles.map((kubeconfig, i) => ({ kubeconfig, syncTarget: targets[i] })),
    });
    for (const r of results) result(flags.json ? report.formatJson(r) : report.formatLine(r));
    info(`kubectl kubestellar doctor: ${report.summary(results)}`);
    return results.some((r) => r.status === 'fail') ? 1 : 0;
  },
);
