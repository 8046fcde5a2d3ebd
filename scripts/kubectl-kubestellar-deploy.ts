// kubectl kubestellar deploy (--external-endpoint HOST:PORT | --openshift BOOL | -X | helm flag)*
// Installs or upgrades the Helm release "kubestellar" of the chart in this package, then
// waits for the core pod to be Ready.
import { runCommand } from '../lib/cli/command.ts';
import { summaryOf } from '../lib/cli/commands.ts';

const argv = process.argv.slice(2);

await runCommand(
  {
    name: 'kubectl kubestellar deploy',
    summary: summaryOf('kubectl-kubestellar-deploy'),
    usage: '(--external-endpoint HOST:PORT | --openshift BOOL | -X | helm flag)*',
    description: `Runs \`helm upgrade --install [helm flags] kubestellar CHART\` with the chart shipped in
this package (values clusterType, EXTERNAL_HOSTNAME, EXTERNAL_PORT and image.tag set
from the flags and this release), then waits until the pod app=kubestellar is Ready.
Every other flag, with its value, goes to helm: -n/--namespace, --kubeconfig,
--kube-context, --set, --timeout (also bounds the wait; default 5m0s), ...
A second deploy upgrades the release. Remove it with \`helm delete kubestellar\`.`,
    flags: {
      'external-endpoint': { type: 'string', value: 'HOST:PORT', description: 'where clients outside the cluster reach kcp (required unless --openshift true)' },
      openshift: { type: 'string', value: 'BOOL', description: 'the hosting cluster is OpenShift: a Route instead of an Ingress (default false)' },
      timeout: { type: 'string', value: 'DURATION', description: "helm's --timeout, and the bound of the wait for the pod (default 5m0s)" },
    },
  },
  async () => {
    const [deploy, { connect }, { waitForCore, DEFAULT_WAIT_MS }, { buildInfo }, { info }] = await Promise.all([
      import('../lib/kubestellar/deploy.ts'),
      import('../lib/kcp/client.ts'),
      import('../lib/kubestellar/core-pod.ts'),
      import('../lib/kubestellar/version.ts'),
      import('../lib/cli/output.ts'),
    ]);
    const a = deploy.parseDeployArgs(argv);
    const helm = deploy.findHelm();
    const chart = await deploy.chartDir();
    const client = await connect(deploy.kubeFlagsOfHelm(a.helmFlags));
    try {
      const namespace = client.conn.namespace;
      const release = buildInfo().release;
      const endpoint = a.external.host ? `${a.external.host}:${a.external.port}` : `the Route's host, port ${a.external.port}`;
      info(`Deploying KubeStellar ${release} to namespace ${namespace} (${a.openshift ? 'OpenShift' : 'Kubernetes'}, external endpoint ${endpoint}) with helm`);
      await deploy.runHelm(helm, ['upgrade', '--install', ...a.helmFlags, deploy.RELEASE, chart, ...deploy.chartValues(a, release)]);
      const timeoutMs = a.timeoutMs ?? DEFAULT_WAIT_MS;
      await waitForCore(client, { namespace, timeoutMs });
      info(`KubeStellar is ready. Fetch a kubeconfig with: kubectl kubestellar get-external-kubeconfig -n ${namespace} -o FILE`);
    } finally {
      client.close();
    }
  },
  argv.filter((x) => x === '-h' || x === '--help' || x === '-X'),
);
