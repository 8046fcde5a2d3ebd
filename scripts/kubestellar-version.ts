// kubestellar-version [buildDate|gitCommit|gitTreeState|platform]
// One build-time property, or all of them as one JSON object.
import { runCommand } from '../lib/cli/command.ts';
import { result } from '../lib/cli/output.ts';
import { versionObject, VERSION_COMPONENTS, type VersionComponent } from '../lib/kubestellar/version.ts';

const usage = `[${VERSION_COMPONENTS.join('|')}]`;

await runCommand(
  {
    name: 'kubestellar-version',
    summary: 'Print information about this build, captured at build time.',
    usage,
    flags: {},
    positionals: { max: 1, names: 'component' },
  },
  ({ positionals: [component] }) => {
    const info = versionObject();
    if (component === undefined) {
      result(JSON.stringify(info));
      return;
    }
    if (!VERSION_COMPONENTS.includes(component as VersionComponent)) {
      // The original's two lines: the complaint, then the usage.
      process.stderr.write(`Invalid component requested: ${JSON.stringify(component)}\nUsage: kubestellar-version ${usage}\n`);
      return 1;
    }
    result(info[component]);
  },
);
