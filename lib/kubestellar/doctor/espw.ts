// Section 2: the edge service provider workspace and what `kubestellar init` puts in
// root:compute. Names come from the modules that make the objects (init, kinds, wmw),
// so a rename there is checked here without an edit.
import type { ApiClient } from '../../kcp/client.ts';
import { APIEXPORTS, APIRESOURCESCHEMAS, CLUSTERROLEBINDINGS, CLUSTERROLES, type KubeObject } from '../../kcp/resources.ts';
import { COMPUTE_PATH, ESPW_PATH, computeRbac } from '../init.ts';
import { EDGE_EXPORT, EDGE_GROUP, EDGE_KINDS } from '../kinds.ts';
import { KUBE_EXPORTS } from '../wmw.ts';
import { fail, type Check, type Runner } from './runner.ts';
import { kubectlIn } from './util.ts';
import type { ServerChecks } from './server.ts';

export interface ApiExport extends KubeObject {
  spec?: { latestResourceSchemas?: string[] };
  status?: { identityHash?: string; virtualWorkspaces?: { url?: string }[]; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface EspwChecks {
  workspace: Check<void>;
  export: Check<ApiExport>;
  computeExports: Check<void>;
}

const S = 2;
const INIT = 'kubestellar init';
const espwName = ESPW_PATH.slice(ESPW_PATH.lastIndexOf(':') + 1);

export function espwChecks(runner: Runner, server: ServerChecks): EspwChecks {
  const root = async (): Promise<ApiClient> => (await server.credentials.value)!.root;

  const workspace = runner.add<void>({
    name: `ESPW ${ESPW_PATH}`,
    order: [S, 0],
    needs: [server.credentials],
    run: async () => {
      const ws = (await server.credentials.value)!.children.find((w) => w.metadata.name === espwName);
      if (!ws) return fail(`workspace ${ESPW_PATH} does not exist`, INIT);
      if (ws.status?.phase !== 'Ready') return fail(`workspace ${ESPW_PATH} is ${ws.status?.phase ?? 'not ready'}`, `${INIT}   # waits for it to be Ready`);
      return { detail: 'Ready' };
    },
  });

  const exp = runner.add<ApiExport>({
    name: `APIExport ${EDGE_EXPORT}`,
    order: [S, 1],
    needs: [workspace],
    run: async () => {
      const e = await (await root()).forWorkspace(ESPW_PATH).find<ApiExport>(APIEXPORTS, EDGE_EXPORT);
      if (!e) return fail(`${ESPW_PATH} has no APIExport ${EDGE_EXPORT}`, INIT);
      return { detail: `in ${ESPW_PATH}, ${e.spec?.latestResourceSchemas?.length ?? 0} schemas`, value: e };
    },
  });

  runner.add<void>({
    name: `APIExport ${EDGE_EXPORT} schemas`,
    order: [S, 2],
    needs: [exp],
    run: async () => {
      const e = (await exp.value)!;
      const listed = e.spec?.latestResourceSchemas ?? [];
      const schemas = await (await root()).forWorkspace(ESPW_PATH).list<KubeObject & { spec?: { group?: string; names?: { plural?: string } } }>(APIRESOURCESCHEMAS);
      const byName = new Map(schemas.items.map((s) => [s.metadata.name, s]));
      const absent = listed.filter((n) => !byName.has(n));
      if (absent.length) return fail(`the export names schemas that do not exist: ${absent.join(', ')}`, INIT);
      const served = new Set(listed.map((n) => byName.get(n)!).filter((s) => s.spec?.group === EDGE_GROUP).map((s) => s.spec?.names?.plural));
      const missing = EDGE_KINDS.filter((k) => !served.has(k.plural)).map((k) => k.kind);
      if (missing.length) return fail(`the export lacks ${missing.join(', ')}`, INIT);
      return { detail: `all ${EDGE_KINDS.length} kinds: ${EDGE_KINDS.map((k) => k.kind).join(', ')}` };
    },
  });

  const pending = (e: ApiExport, type: string) => {
    const c = e.status?.conditions?.find((x) => x.type === type && x.status !== 'True');
    return c ? ` (${type}: ${[c.reason, c.message].filter(Boolean).join(': ')})` : '';
  };

  runner.add<void>({
    name: `APIExport ${EDGE_EXPORT} identity`,
    order: [S, 3],
    needs: [exp],
    run: async () => {
      const e = (await exp.value)!;
      if (!e.status?.identityHash) return fail(`no identity hash yet${pending(e, 'IdentityValid')}`, `${kubectlIn(await root(), ESPW_PATH)} get apiexport ${EDGE_EXPORT} -o yaml   # kcp's apiexport controller sets status.identityHash; see kcp's log`);
      return { detail: e.status.identityHash };
    },
  });

  runner.add<void>({
    name: `APIExport ${EDGE_EXPORT} virtual workspace`,
    order: [S, 4],
    needs: [exp],
    run: async () => {
      const e = (await exp.value)!;
      const urls = (e.status?.virtualWorkspaces ?? []).map((v) => v.url).filter(Boolean);
      if (!urls.length) return fail(`no virtual workspace URL yet${pending(e, 'VirtualWorkspaceURLsReady')}; the KubeStellar controllers wait for it`, `${kubectlIn(await root(), ESPW_PATH)} get apiexport ${EDGE_EXPORT} -o yaml   # see kcp's virtual-workspaces server and log`);
      return { detail: urls.join(', ') };
    },
  });

  runner.add<void>({
    name: `${COMPUTE_PATH} roles and bindings`,
    order: [S, 5],
    needs: [server.compute],
    run: async () => {
      const c = (await root()).forWorkspace(COMPUTE_PATH);
      const { roles, bindings } = computeRbac();
      type Binding = KubeObject & { roleRef?: { name?: string }; subjects?: { kind: string; name: string }[] };
      const [haveRoles, haveBindings] = await Promise.all([
        Promise.all(roles.map((r) => c.find(CLUSTERROLES, r.metadata.name))),
        Promise.all(bindings.map((b) => c.find<Binding>(CLUSTERROLEBINDINGS, b.metadata.name))),
      ]);
      const problems: string[] = [];
      roles.forEach((r, i) => haveRoles[i] || problems.push(`ClusterRole ${r.metadata.name} missing`));
      bindings.forEach((b, i) => {
        const h = haveBindings[i];
        if (!h) return problems.push(`ClusterRoleBinding ${b.metadata.name} missing`);
        if (h.roleRef?.name !== b.roleRef.name) problems.push(`ClusterRoleBinding ${b.metadata.name} refers to ${h.roleRef?.name}, not ${b.roleRef.name}`);
        for (const s of b.subjects) if (!h.subjects?.some((x) => x.kind === s.kind && x.name === s.name)) problems.push(`ClusterRoleBinding ${b.metadata.name} lacks ${s.kind} ${s.name}`);
      });
      if (problems.length) return fail(problems.join('; '), INIT);
      return { detail: `${roles.length} ClusterRoles, ${bindings.length} ClusterRoleBindings` };
    },
  });

  const computeExports = runner.add<void>({
    name: `${COMPUTE_PATH} APIExports`,
    order: [S, 6],
    needs: [server.compute],
    run: async () => {
      const list = await (await root()).forWorkspace(COMPUTE_PATH).list(APIEXPORTS);
      const have = new Set(list.items.map((e) => e.metadata.name));
      const missing = KUBE_EXPORTS.filter((n) => !have.has(n));
      if (missing.length) return fail(`missing: ${missing.join(', ')}`, INIT);
      return { detail: `all ${KUBE_EXPORTS.length} that a WMW binds` };
    },
  });

  return { workspace, export: exp, computeExports };
}
