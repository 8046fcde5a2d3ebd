// The client configurations KubeStellar's Go commands take as flag groups
// (`--<which>-kubeconfig/-context/-cluster/-user`, pkg/client-options in v0.14): the
// default kubeconfig loading rules with a default context of the command's choosing.
import { CommandError } from '../cli/errors.ts';
import { connect, type ApiClient } from '../kcp/client.ts';

export interface ClientOptions {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
}

/** Exit code of the Go commands when a client configuration cannot be made. */
export const CLIENT_CONFIG_EXIT = 2;

/** A client for `opts` (context defaulting to `defaultContext`); a bad configuration exits 2. */
export async function clientFromOptions(which: string, opts: ClientOptions, defaultContext: string): Promise<ApiClient> {
  try {
    return await connect({ kubeconfig: opts.kubeconfig, context: opts.context ?? defaultContext, cluster: opts.cluster, user: opts.user });
  } catch (err) {
    throw new CommandError(`failed to make ${which} client config: ${(err as Error).message}`, CLIENT_CONFIG_EXIT);
  }
}
