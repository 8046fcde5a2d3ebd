// kubectl kubestellar SUBCOMMAND ...: dispatches to the subcommands that exist (lib/cli/dispatch.ts).
import { dispatch } from '../lib/cli/dispatch.ts';

await dispatch('kubectl-kubestellar', 'kubectl kubestellar');
