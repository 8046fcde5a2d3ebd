// kubectl kubestellar SUBCOMMAND ...: dispatches to the subcommands that exist (lib/dispatch.ts).
import { dispatch } from '../lib/dispatch.ts';

await dispatch('kubectl-kubestellar', 'kubectl kubestellar');
