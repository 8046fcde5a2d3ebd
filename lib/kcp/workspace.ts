// kcp workspace navigation equal to kcp v0.11's `kubectl ws`: it reads the current
// workspace from the current context's server URL and moves by rewriting the
// kubeconfig the way the plugin does (context and cluster `workspace.kcp.io/current`,
// the one before kept as `workspace.kcp.io/previous`), so a real `kubectl ws` keeps
// working on the same file. Messages are the plugin's, for the caller to print.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, CommandError, isApiError } from '../cli/errors.ts';
import { ApiClient, splitClusterUrl } from './client.ts';
import { WORKSPACES, type Workspace } from './resources.ts';
import type { Kubeconfig, KubeconfigView } from './kubeconfig.ts';

export const CURRENT = 'workspace.kcp.io/current';
export const PREVIOUS = 'workspace.kcp.io/previous';

export interface WorkspaceType {
  name: string;
  path?: string;
}

/** `root:universal` for {name: universal, path: root}. */
export const typeString = (t: WorkspaceType) => (t.path ? `${t.path}:${t.name}` : t.name);

/** The plugin's line: `Current workspace is "root:x" (type root:universal).` */
export function currentWorkspaceMessage(path: string, type?: WorkspaceType): string {
  return `Current workspace is ${JSON.stringify(path)}${type ? ` (type ${typeString(type)})` : ''}.`;
}

const SEGMENT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Logical cluster paths: `root`, `root:a:b`, or a bare logical cluster name. */
export function isValidPath(path: string): boolean {
  return path.split(':').every((s) => SEGMENT.test(s));
}

export function parentOf(path: string): string | undefined {
  const i = path.lastIndexOf(':');
  return i < 0 ? undefined : path.slice(0, i);
}

export interface Moved {
  path: string;
  type?: WorkspaceType;
  message: string;
}

export interface CreateOptions {
  type?: string;
  enter?: boolean;
  ignoreExisting?: boolean;
  readyTimeoutMs?: number;
  /** lines as the plugin prints them (it prints to stdout) */
  print: (line: string) => void;
}

/** Navigation over one kubeconfig, with a client for the current context's credentials. */
export class WorkspaceNavigator {
  private path: string;
  /** whether the server has been heard from; a move is never written before it has */
  private reachable = false;

  constructor(
    readonly kubeconfig: Kubeconfig,
    private client: ApiClient,
  ) {
    if (!client.workspace) throw new CommandError(`current URL ${JSON.stringify(client.conn.server)} does not point to a workspace`);
    this.path = client.workspace;
  }

  /** The current workspace path, e.g. `root:imw1`. */
  get current(): string {
    return this.path;
  }

  /** A client for the current workspace. */
  get currentClient(): ApiClient {
    return this.client;
  }

  /** A client for any workspace with the same credentials. */
  clientFor(path: string): ApiClient {
    return this.client.forWorkspace(path);
  }

  /** `kubectl ws .` */
  show(): Moved {
    return { path: this.path, message: currentWorkspaceMessage(this.path) };
  }

  /** `kubectl ws TARGET`: an absolute path, `root`, a child's name, `..` or `-`. */
  async use(target: string): Promise<Moved> {
    if (target === '.') return this.show();
    if (target === '-') {
      await this.checkReachable();
      return this.usePrevious();
    }
    let path: string;
    let type: WorkspaceType | undefined;
    if (target === '..') {
      const parent = parentOf(this.path);
      if (!parent) throw new CommandError(`current workspace ${JSON.stringify(this.path)} has no parent`);
      await this.checkReachable();
      path = parent;
    } else {
      if (!isValidPath(target)) throw new CommandError(`invalid workspace name format: ${target}`);
      if (target === 'root' || target.startsWith('system:')) {
        await this.checkReachable();
        path = target;
      } else if (target.includes(':')) {
        const parent = parentOf(target)!;
        const name = target.slice(parent.length + 1);
        try {
          await this.client.forWorkspace(parent).get(WORKSPACES, name);
        } catch (err) {
          if (isApiError(err, 'NotFound')) throw new CommandError(`workspace ${JSON.stringify(target)} not found`, err.exitCode);
          if (!isApiError(err, 'Forbidden')) throw err;
        }
        path = target;
      } else {
        const ws = await this.getChild(target);
        if (ws.status?.phase !== 'Ready') throw new CommandError(`workspace ${JSON.stringify(target)} is not ready`);
        path = `${this.path}:${target}`;
        type = ws.spec.type;
      }
    }
    this.writeMove(path);
    return { path, type, message: currentWorkspaceMessage(path, type) };
  }

  /**
   * A move that names no workspace to look up (`root`, `..`, `-`) would be written without
   * a word from the server; against a server that cannot be reached, that we cannot trust
   * or that rejects our credentials, the command must fail before it touches the
   * kubeconfig or prints a line. (The other moves ask the server about their target.)
   */
  private async checkReachable(): Promise<void> {
    if (this.reachable) return;
    try {
      await this.client.request({ method: 'GET', path: '/api' });
    } catch (err) {
      // any answer but those (403 where we may not look, 404, ...) shows the server is there
      if (!(err instanceof ApiError) || err.kind === 'Unreachable' || err.kind === 'Timeout' || (err.permanent && err.kind !== 'Forbidden')) throw err;
    }
    this.reachable = true;
  }

  private async getChild(name: string): Promise<Workspace> {
    try {
      return await this.client.get<Workspace>(WORKSPACES, name);
    } catch (err) {
      if (isApiError(err, 'NotFound')) {
        throw new ApiError('NotFound', `workspaces.tenancy.kcp.io ${JSON.stringify(name)} not found in ${JSON.stringify(this.path)}`, 404);
      }
      throw err;
    }
  }

  /** The plugin's kubeconfig edit for a move to `path`. */
  private writeMove(path: string): void {
    const server = `${this.client.base}/clusters/${path}`;
    this.kubeconfig.modify((view) => {
      const { context } = currentContextOf(view, this.kubeconfig);
      const oldCluster = view.clusters[context.cluster ?? ''];
      if (!oldCluster) throw new CommandError(`cluster ${JSON.stringify(context.cluster)} not found in kubeconfig`);
      view.clusters[CURRENT] = { ...oldCluster, server };
      view.contexts[CURRENT] = { ...context, cluster: CURRENT };
      let previous = context;
      if (context.cluster === CURRENT) {
        previous = { ...context, cluster: PREVIOUS };
        view.clusters[PREVIOUS] = oldCluster;
      }
      view.contexts[PREVIOUS] = previous;
      view.currentContext = CURRENT;
    });
    this.moveClient(server, path);
  }

  /** `kubectl ws -`: swap current and previous. */
  private usePrevious(): Moved {
    let server = '';
    this.kubeconfig.modify((view) => {
      const prev = view.contexts[PREVIOUS];
      if (!prev) throw new CommandError('no previous workspace found in kubeconfig');
      let { context: current } = currentContextOf(view, this.kubeconfig);
      const startingPrevCluster = view.clusters[PREVIOUS];
      let nextPrev = { ...prev };
      if (current.cluster === CURRENT) {
        const oldCurrentCluster = view.clusters[CURRENT];
        if (!oldCurrentCluster) throw new CommandError(`cluster ${JSON.stringify(CURRENT)} not found in kubeconfig`);
        current = { ...current, cluster: PREVIOUS };
        view.clusters[PREVIOUS] = oldCurrentCluster;
      }
      if (prev.cluster === PREVIOUS) {
        if (!startingPrevCluster) throw new CommandError(`cluster ${JSON.stringify(PREVIOUS)} not found in kubeconfig`);
        nextPrev = { ...prev, cluster: CURRENT };
        view.clusters[CURRENT] = startingPrevCluster;
      }
      view.contexts[CURRENT] = nextPrev;
      view.contexts[PREVIOUS] = current;
      view.currentContext = CURRENT;
      server = view.clusters[nextPrev.cluster ?? '']?.server ?? '';
    });
    const { workspace } = splitClusterUrl(server);
    if (!workspace) return { path: '', message: `Current workspace is the URL ${JSON.stringify(server)}.` };
    this.moveClient(server, workspace);
    return { path: workspace, message: currentWorkspaceMessage(workspace) };
  }

  private moveClient(server: string, path: string): void {
    const { base } = splitClusterUrl(server);
    this.client = base === this.client.base ? this.client.forWorkspace(path) : new ApiClient({ ...this.client.conn, server }, this.client.retryPolicy);
    this.path = path;
  }

  /**
   * `kubectl ws create NAME [--type T] [--enter] [--ignore-existing]` in the current
   * workspace, waiting until it is Ready.
   */
  async create(name: string, opts: CreateOptions): Promise<Workspace> {
    const type = opts.type ? parseType(opts.type) : undefined;
    const body: Workspace = {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name },
      spec: type ? { type } : {},
    };
    let ws: Workspace;
    let existed = false;
    try {
      ws = await this.client.create<Workspace>(WORKSPACES, body);
    } catch (err) {
      if (!(opts.ignoreExisting && isApiError(err, 'AlreadyExists'))) throw err;
      existed = true;
      ws = await this.client.get<Workspace>(WORKSPACES, name);
    }
    const ref = `Workspace ${JSON.stringify(name)} (type ${typeString(ws.spec.type ?? { name: '' })})`;
    if (existed && type && (ws.spec.type?.name !== type.name || (ws.spec.type?.path ?? '') !== (type.path ?? ''))) {
      throw new CommandError(`workspace ${JSON.stringify(name)} cannot be created with type ${typeString(type)}, it already exists with different type ${typeString(ws.spec.type ?? { name: '' })}`);
    }
    const ready = ws.status?.phase === 'Ready';
    opts.print(`${ref}${existed ? ' already exists' : ' created'}${ready ? '.' : '. Waiting for it to be ready...'}`);
    if (!ready) ws = await this.waitReady(name, opts.readyTimeoutMs ?? 60_000);
    opts.print(`${ref} is ready to use.`);
    if (opts.enter) opts.print((await this.use(name)).message);
    return ws;
  }

  /** Polls the child workspace until its phase is Ready. */
  async waitReady(name: string, timeoutMs: number): Promise<Workspace> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const ws = await this.client.find<Workspace>(WORKSPACES, name);
      if (ws?.status?.phase === 'Ready') return ws;
      if (Date.now() > deadline) {
        throw new ApiError('Timeout', `workspace ${JSON.stringify(name)} in ${JSON.stringify(this.path)} is not ready after ${Math.round(timeoutMs / 1000)} s (phase ${ws?.status?.phase ?? 'unknown'})`);
      }
      await sleep(delay);
    }
  }
}

function currentContextOf(view: KubeconfigView, kc: Kubeconfig) {
  const name = kc.contextName();
  const context = view.contexts[name];
  if (!context) throw new CommandError(`current ${JSON.stringify(name)} context not found`);
  return { name, context };
}

/** `universal` or `root:universal` into a type reference, as the plugin parses --type. */
export function parseType(t: string): WorkspaceType {
  const i = t.lastIndexOf(':');
  return i < 0 ? { name: t.toLowerCase() } : { name: t.slice(i + 1).toLowerCase(), path: t.slice(0, i) };
}

/** Opens the navigator for kubectl's flags (the kubeconfig file is re-read on each move). */
export async function openNavigator(client: ApiClient): Promise<WorkspaceNavigator> {
  if (!client.kubeconfig) throw new CommandError('workspace navigation needs a kubeconfig file');
  return new WorkspaceNavigator(client.kubeconfig, client);
}
