// kubestellar-release: the semantic version of this release, with its leading "v".
import { runCommand } from '../lib/command.ts';
import { result } from '../lib/output.ts';
import { buildInfo } from '../lib/version.ts';

await runCommand(
  { name: 'kubestellar-release', summary: 'Print the semantic version of this release.', usage: '', flags: {} },
  () => result(buildInfo().release),
);
