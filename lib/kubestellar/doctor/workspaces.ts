// Section 3: inventory (IMW) and workload management (WMW) workspaces: the ones given,
// else every child of root whose bindings say what it is (an IMW binds the edge API as
// `edge.kubestellar.io`, a WMW as `bind-espw`).
import type { ApiClient } from '../../kcp/client.ts';
import { APIBINDINGS, WORKSPACES, type Workspace } from '../../kcp/resources.ts';
import { COMPUTE_PATH, ESPW_PATH } from '../init.ts';
import { EDGE_EXPORT } from '../kinds.ts';
import { ESPW_BINDING, KUBE_EXPORTS } from '../wmw.ts';
import { isMailboxName } from '../mailbox.ts';
import { fail, type Check, type Runner } from './runner.ts';
import type { EspwChecks } from './espw.ts';
import type { ServerChecks } from './server.ts';
import { bindingProblem, kubectlIn, lastSegment, parentPath, type Binding } from './util.ts';

export interface Imw {
  path: string;
  binding: Check<void>;
}

const S = 3;

/** The IMWs and WMWs under root, told apart by their APIBindings. */
async function discover(root: ApiClient, children: Workspace[]): Promise<{ imws: string[]; wmws: string[] }> {
  const skip = new Set([lastSegment(ESPW_PATH), lastSegment(COMPUTE_PATH)]);
  const candidates = children.filter((w) => !skip.has(w.metadata.name) && !isMailboxName(w.metadata.name) && w.status?.phase === 'Ready');
  const kinds = await Promise.all(
    candidates.map(async (w) => {
      const path = `root:${w.metadata.name}`;
      const names = new Set((await root.forWorkspace(path).list(APIBINDINGS)).items.map((b) => b.metadata.name));
      return { path, imw: names.has(EDGE_EXPORT), wmw: names.has(ESPW_BINDING) };
    }),
  );
  return { imws: kinds.filter((k) => k.imw).map((k) => k.path), wmws: kinds.filter((k) => k.wmw).map((k) => k.path) };
}

async function findWorkspace(root: ApiClient, children: Workspace[], path: string): Promise<Workspace | undefined> {
  const parent = parentPath(path);
  if (parent === 'root') return children.find((w) => w.metadata.name === lastSegment(path));
  return root.forWorkspace(parent).find<Workspace>(WORKSPACES, lastSegment(path));
}

export function workspaceChecks(runner: Runner, server: ServerChecks, espw: EspwChecks, given: { imws?: string[]; wmws?: string[] }): Promise<Imw[]> {
  return (async () => {
    const cred = await server.credentials.value;
    if (!cred) return [];
    const { root, children } = cred;
    let found: { imws: string[]; wmws: string[] } = { imws: [], wmws: [] };
    if (!given.imws || !given.wmws) {
      try {
        found = await discover(root, children);
      } catch (err) {
        const detail = `cannot tell the IMWs and WMWs under root apart: ${(err as Error).message}`;
        runner.add<void>({ name: 'IMWs and WMWs', order: [S], run: async () => fail(detail, 'kubectl kubestellar doctor --imw WS --wmw WS   # name them') });
      }
    }
    const imws = given.imws ?? found.imws;
    const wmws = given.wmws ?? found.wmws;

    const wsCheck = (kind: 'IMW' | 'WMW', path: string, step: number, fix: string) =>
      runner.add<void>({
        name: `${kind} ${path}`,
        order: [S, kind, path, step],
        needs: [server.credentials],
        run: async () => {
          const ws = await findWorkspace(root, children, path);
          if (!ws) return fail(`workspace ${path} does not exist`, fix);
          if (ws.status?.phase !== 'Ready') return fail(`workspace ${path} is ${ws.status?.phase ?? 'not ready'}`, fix);
          return { detail: 'Ready' };
        },
      });

    const bindingCheck = (kind: 'IMW' | 'WMW', path: string, ws: Check<void>, bname: string, fix: string) =>
      runner.add<void>({
        name: `${kind} ${path} binding ${bname}`,
        order: [S, kind, path, 1],
        needs: [ws, espw.export],
        run: async () => {
          const b = await root.forWorkspace(path).find<Binding>(APIBINDINGS, bname);
          const problem = bindingProblem(b, bname, ESPW_PATH, EDGE_EXPORT);
          if (!problem) return { detail: `Bound to ${ESPW_PATH}:${EDGE_EXPORT}` };
          const wrongRef = problem.includes(' imports ');
          return fail(problem, wrongRef ? `${kubectlIn(root, path)} delete apibinding ${bname} && ${fix}` : fix);
        },
      });

    const out: Imw[] = [];
    for (const path of imws) {
      const fix = `kubestellar init --ensure-imw ${path}`;
      const ws = wsCheck('IMW', path, 0, fix);
      out.push({ path, binding: bindingCheck('IMW', path, ws, EDGE_EXPORT, fix) });
    }
    for (const path of wmws) {
      const name = lastSegment(path);
      const fix = parentPath(path) === 'root' ? `kubectl kubestellar ensure wmw ${name}` : `kubectl ws ${parentPath(path)} && kubectl kubestellar ensure wmw ${name}`;
      const ws = wsCheck('WMW', path, 0, fix);
      bindingCheck('WMW', path, ws, ESPW_BINDING, fix);
      runner.add<void>({
        name: `WMW ${path} kube bindings`,
        order: [S, 'WMW', path, 2],
        needs: [ws, espw.computeExports],
        run: async () => {
          const have = new Map((await root.forWorkspace(path).list<Binding>(APIBINDINGS)).items.map((b) => [b.metadata.name, b]));
          const problems = KUBE_EXPORTS.map((e) => bindingProblem(have.get(`bind-${e}`), `bind-${e}`, COMPUTE_PATH, e)).filter((p): p is string => !!p);
          if (problems.length === KUBE_EXPORTS.length && problems.every((p) => p.startsWith('no '))) {
            return fail(`none of the ${KUBE_EXPORTS.length} bindings to the Kubernetes APIs of ${COMPUTE_PATH} (made with --with-kube false?)`, `${fix} --with-kube true`);
          }
          if (problems.length) return fail(problems.join('; '), `${fix} --with-kube true`);
          return { detail: `all ${KUBE_EXPORTS.length} Bound to ${COMPUTE_PATH}` };
        },
      });
    }
    if (!imws.length && !given.imws) {
      runner.add<void>({ name: 'IMWs', order: [S, 'IMW'], needs: [espw.export], run: async () => fail('no workspace under root binds the edge API as an inventory management workspace', 'kubestellar init --ensure-imw root:imw1') });
    }
    return out;
  })();
}
