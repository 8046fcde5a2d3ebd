// A workspace walk for commands that may run as --dry-run: the real thing moves with
// the navigator (rewriting the kubeconfig as `kubectl ws` does and printing its line);
// a dry run resolves the same target and checks that it exists, but leaves the
// kubeconfig alone and addresses the workspace with a client of its own.
import { CommandError, isApiError } from '../cli/errors.ts';
import type { ApiClient } from './client.ts';
import { WORKSPACES, type Workspace } from './resources.ts';
import { currentWorkspaceMessage, parentOf, isValidPath, type Moved, type WorkspaceNavigator } from './workspace.ts';

export type Print = (line: string) => void;

export class WorkspaceSession {
  private dryPath?: string;

  constructor(
    readonly nav: WorkspaceNavigator,
    readonly dryRun = false,
  ) {}

  get path(): string {
    return this.dryPath ?? this.nav.current;
  }

  get client(): ApiClient {
    return this.dryPath ? this.nav.clientFor(this.dryPath) : this.nav.currentClient;
  }

  clientFor(path: string): ApiClient {
    return this.nav.clientFor(path);
  }

  /** `kubectl ws TARGET`; the dry run only resolves and checks. Prints the plugin's line. */
  async enter(target: string, print: Print): Promise<Moved> {
    if (!this.dryRun) {
      const moved = await this.nav.use(target);
      print(moved.message);
      return moved;
    }
    const path = await this.resolve(target);
    this.dryPath = path;
    const moved = { path, message: currentWorkspaceMessage(path) };
    print(`${moved.message.replace(/^Current workspace is/, 'Current workspace would be')} (dry run)`);
    return moved;
  }

  /** The absolute path `target` names from here, after checking the workspace exists. */
  async resolve(target: string): Promise<string> {
    const here = this.path;
    let path: string;
    if (target === '.') return here;
    if (target === '..') {
      const p = parentOf(here);
      if (!p) throw new CommandError(`current workspace ${JSON.stringify(here)} has no parent`);
      return p;
    }
    if (!isValidPath(target)) throw new CommandError(`invalid workspace name format: ${target}`);
    if (target === 'root' || target.includes(':')) path = target;
    else path = `${here}:${target}`;
    const parent = parentOf(path);
    if (parent) {
      const name = path.slice(parent.length + 1);
      try {
        const ws = await this.nav.clientFor(parent).get<Workspace>(WORKSPACES, name);
        if (!target.includes(':') && ws.status?.phase !== 'Ready') throw new CommandError(`workspace ${JSON.stringify(target)} is not ready`);
      } catch (err) {
        if (isApiError(err, 'NotFound')) throw new CommandError(`workspace ${JSON.stringify(path)} not found`, err.exitCode);
        if (!isApiError(err, 'Forbidden')) throw err;
      }
    }
    return path;
  }
}
