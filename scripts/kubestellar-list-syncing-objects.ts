// kubestellar-list-syncing-objects --api-kind KIND [--api-group G] [--api-version V]
//   [--api-resource R] [--json] [--watch] [--all-*|--parent-* client flags]
import { runCommand } from '../lib/cli/command.ts';
import { UsageError } from '../lib/cli/errors.ts';
import { summaryOf } from '../lib/cli/commands.ts';
import type { FlagDefs } from '../lib/cli/args.ts';

const NAME = 'kubestellar-list-syncing-objects';

const ALL = 'access to the chosen objects in all clusters';
const PARENT = 'access to the parent of mailbox workspaces';
const flags = {
  'api-group': { type: 'string', value: 'GROUP', description: 'API group of objects to watch (default is Kubernetes core group)' },
  'api-kind': { type: 'string', value: 'KIND', description: 'kind of objects to watch' },
  'api-resource': { type: 'string', value: 'RESOURCE', description: "API resource (lowercase plural) of objects to watch (defaults to lowercase(kind)+'s')" },
  'api-version': { type: 'string', value: 'VERSION', description: 'API version (just version, no group) of objects to watch (default "v1")' },
  json: { type: 'boolean', description: 'indicates whether to output as lines of JSON rather than YAML' },
  watch: { type: 'boolean', description: 'indicates whether to inform rather than just list' },
  'all-cluster': { type: 'string', value: 'NAME', description: `The name of the kubeconfig cluster to use for ${ALL}` },
  'all-context': { type: 'string', value: 'NAME', description: `The name of the kubeconfig context to use for ${ALL} (default "system:admin")` },
  'all-kubeconfig': { type: 'string', value: 'FILE', description: `Path to the kubeconfig file to use for ${ALL}` },
  'all-user': { type: 'string', value: 'NAME', description: `The name of the kubeconfig user to use for ${ALL}` },
  'parent-cluster': { type: 'string', value: 'NAME', description: `The name of the kubeconfig cluster to use for ${PARENT}` },
  'parent-context': { type: 'string', value: 'NAME', description: `The name of the kubeconfig context to use for ${PARENT} (default "root")` },
  'parent-kubeconfig': { type: 'string', value: 'FILE', description: `Path to the kubeconfig file to use for ${PARENT}` },
  'parent-user': { type: 'string', value: 'NAME', description: `The name of the kubeconfig user to use for ${PARENT}` },
  kubeconfig: { type: 'string', value: 'FILE', description: 'kubeconfig for both clients when --all-kubeconfig/--parent-kubeconfig are not given' },
  v: { type: 'string', value: 'N', description: 'log level (Go style): 2 and up report retries, 6 and up every request' },
} as const satisfies FlagDefs;

await runCommand(
  {
    name: NAME,
    summary: summaryOf(NAME),
    closedStdoutExit: 0, // `… | head -1` is a success for a pure reader
    quietOnSignal: true, // --watch runs until it is stopped
    usage: '--api-kind KIND [--api-group GROUP] [--api-version V] [--api-resource R] [--json] [--watch] [client flags]',
    description: `Lists (or, with --watch, lists and then follows) the objects of one kind in every
mailbox workspace: the Workspaces of the parent (context "root") whose name has the
form X-mb-Y, each read through its logical cluster with the "all" client (context
"system:admin"). Output is YAML, one "---" document per object, or with --json one
compact JSON object per line; keys are sorted. With --watch every object gets an
"Action" field: add, update or delete. Objects are written as they arrive.`,
    flags,
  },
  async ({ flags: f }) => {
    const level = f.v === undefined ? 0 : Number(f.v);
    if (!Number.isInteger(level) || level < 0) throw new UsageError(`flag -v takes a non-negative number, not ${JSON.stringify(f.v)}`);
    const [{ resourceTypeFromFlags, listSyncingObjects, watchSyncingObjects, streamSink }, { clientsFromOptions }, { configureOutput, verbose, isVerbose, info }] = await Promise.all([
      import('../lib/kubestellar/syncing-objects.ts'),
      import('../lib/kubestellar/client-options.ts'),
      import('../lib/cli/output.ts'),
    ]);
    const type = resourceTypeFromFlags({ group: f['api-group'], version: f['api-version'], resource: f['api-resource'], kind: f['api-kind'] });
    configureOutput({ verbose: Boolean(f.verbose) || level >= 2, trace: Boolean(f.X) || level >= 6 });
    const pick = (which: 'all' | 'parent') => ({
      kubeconfig: f[`${which}-kubeconfig`] ?? f.kubeconfig,
      context: f[`${which}-context`],
      cluster: f[`${which}-cluster`],
      user: f[`${which}-user`],
    });
    const [parent, all] = await clientsFromOptions([
      { which: 'parent', opts: pick('parent'), defaultContext: 'root' },
      { which: 'all-cluster', opts: pick('all'), defaultContext: 'system:admin' },
    ]);
    const sink = streamSink(f.json ? 'json' : 'yaml');
    try {
      if (f.watch) {
        // trouble while watching is retried; say so, but at most once per 10 s unless verbose
        let saidAt = 0;
        const problem = (m: string) => {
          if (!isVerbose() && Date.now() - saidAt < 10_000) return;
          saidAt = Date.now();
          info(`${NAME}: ${m}`);
        };
        await watchSyncingObjects({ parent, all, type, sink, problem });
      }
      else verbose(`${NAME}: ${await listSyncingObjects({ parent, all, type, sink })} objects`);
    } finally {
      parent.close();
      all.close();
    }
  },
);
