// kubestellar-release: the semantic version of this release, with its leading "v".
import { runCommand } from '../lib/cli/command.ts';
import { result } from '../lib/cli/output.ts';
import { buildInfo } from '../lib/kubestellar/version.ts';

await runCommand(
  { name: 'kubestellar-release', summary: 'Print the semantic version of this release.', usage: '', flags: {} },
  () => result(buildInfo().release),
);
