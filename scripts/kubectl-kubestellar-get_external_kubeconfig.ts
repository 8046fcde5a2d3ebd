// kubectl kubestellar get-external-kubeconfig -o FILE [-n NS] [--timeout D] [-X] [kubectl flags]
import { runGetKubeconfig } from '../lib/kubestellar/get-kubeconfig-command.ts';

await runGetKubeconfig('external');
