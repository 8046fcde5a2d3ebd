// Mailbox workspaces: `<logical cluster of the SyncTarget's workspace>-mb-<SyncTarget UID>`,
// made by KubeStellar's mailbox controller. v0.14 makes them children of root; older
// cores made them children of the ESPW, so both places are looked at, root first.
import { poll } from '../util/poll.ts';
import type { ApiClient } from '../kcp/client.ts';
import { isApiError } from '../cli/errors.ts';
import { WORKSPACES, type Workspace } from '../kcp/resources.ts';
import type { WorkspaceSession } from '../kcp/session.ts';

export const MAILBOX_ANNOTATION = 'edge.kubestellar.io/sync-target-name';
/** The binding the mailbox controller makes in each mailbox workspace. */
export const EDGE_BINDING = 'bind-edge';
export const MAILBOX_SEPARATOR = '-mb-';

/** The mailbox workspace's name for a SyncTarget: `<its logical cluster>-mb-<its UID>`. */
export const mailboxName = (cluster: string, syncTargetUid: string): string => `${cluster}${MAILBOX_SEPARATOR}${syncTargetUid}`;

/** Whether a workspace name has the mailbox form (exactly one separator, as v0.14 tells them). */
export const isMailboxName = (name: string): boolean => name.split(MAILBOX_SEPARATOR).length === 2;

export interface FoundMailbox {
  path: string;
  workspace: Workspace;
}

/** Waits for the Ready mailbox workspace `name` under root, else under `espwPath`. */
export async function findMailbox(session: WorkspaceSession, name: string, espwPath: string, timeoutMs: number): Promise<FoundMailbox | undefined> {
  const parents = [...new Set(['root', espwPath])];
  const clients = parents.map((p) => session.clientFor(p));
  return poll(async () => {
    // A parent the user may not read is a place the mailbox is not (found in the other, or reported as missing).
    const found = await Promise.all(
      clients.map((c) =>
        c.find<Workspace>(WORKSPACES, name).catch((err: unknown) => {
          if (isApiError(err, 'Forbidden')) return undefined;
          throw err;
        }),
      ),
    );
    const i = found.findIndex((ws) => ws?.status?.phase === 'Ready');
    return i < 0 ? undefined : { path: `${parents[i]}:${name}`, workspace: found[i]! };
  }, timeoutMs);
}
