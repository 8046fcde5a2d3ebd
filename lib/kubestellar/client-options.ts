// The client configurations KubeStellar's Go commands take as flag groups
// (`--<which>-kubeconfig/-context/-cluster/-user`, pkg/client-options in v0.14): the
// default kubeconfig loading rules with a default context of the command's choosing.
import { CommandError } from '../cli/errors.ts';
import { ApiClient } from '../kcp/client.ts';
import { Kubeconfig } from '../kcp/kubeconfig.ts';
import { resolveConnection } from '../kcp/connection.ts';

export interface ClientOptions {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
}

export interface ClientConfig {
  /** named in the error, as the Go command does: "failed to make <which> client config" */
  which: string;
  opts: ClientOptions;
  defaultContext: string;
}

/** Exit code of the Go commands when a client configuration cannot be made. */
export const CLIENT_CONFIG_EXIT = 2;

/**
 * One client per configuration (context defaulting to each one's default); a kubeconfig
 * file shared by several is read once. A bad configuration exits 2.
 */
export async function clientsFromOptions(configs: readonly ClientConfig[]): Promise<ApiClient[]> {
  const loaded = new Map<string, Promise<Kubeconfig>>();
  return Promise.all(
    configs.map(async ({ which, opts, defaultContext }) => {
      const flags = { kubeconfig: opts.kubeconfig, context: opts.context ?? defaultContext, cluster: opts.cluster, user: opts.user };
      try {
        const key = opts.kubeconfig ?? '';
        let kc = loaded.get(key);
        if (!kc) loaded.set(key, (kc = Kubeconfig.load(flags)));
        const config = await kc;
        return new ApiClient(resolveConnection(config, flags), undefined, undefined, config);
      } catch (err) {
        throw new CommandError(`failed to make ${which} client config: ${(err as Error).message}`, CLIENT_CONFIG_EXIT);
      }
    }),
  );
}
