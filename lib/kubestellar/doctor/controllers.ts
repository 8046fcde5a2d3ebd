// Section 4: the central controllers. A controller runs when the pid record
// `kubestellar start` wrote still names a live process of ours, or when a process of this
// user runs the executable of that name, e.g. started by hand (the rule `stop` uses). Its
// log is the recorded one, else where the process's stdout goes; the last error line
// there is the first clue when it is not running.
import { closeSync, openSync, readSync, readlinkSync, statSync } from 'node:fs';
import { CONTROLLERS, handStarted, readRecord, runDir, verify } from '../controllers.ts';
import { fail, type Runner } from './runner.ts';

const S = 4;
const TAIL_BYTES = 64 * 1024;
/** klog's error lines (`E1122 13:04:05.123 ...`) and anything that says error or fatal */
const ERROR_LINE = /^[EF]\d{4} |\b(error|fatal|panic)\b/i;

/** The last error line of the file's last 64 KiB, if any. */
export function lastErrorLine(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = statSync(file).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) if (ERROR_LINE.test(lines[i])) return lines[i].trim().slice(0, 300);
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Where the process's stdout goes, when that is a file. */
function stdoutFile(pid: number): string | undefined {
  try {
    const target = readlinkSync(`/proc/${pid}/fd/1`);
    return target.startsWith('/') && statSync(target).isFile() ? target : undefined;
  } catch {
    return undefined;
  }
}

export function controllerChecks(runner: Runner): void {
  const dir = runDir();
  CONTROLLERS.forEach((c, i) => {
    runner.add<void>({
      name: `controller ${c.name}`,
      order: [S, i],
      run: async () => {
        const rec = readRecord(dir, c.name);
        const errorOf = (log: string | undefined) => {
          const line = log ? lastErrorLine(log) : undefined;
          return line ? `; last error in ${log}: ${line}` : '';
        };
        if (rec && verify(rec) === 'ours') return { detail: `running, pid ${rec.pid}${rec.logFile ? `, log ${rec.logFile}` : ''}${errorOf(rec.logFile)}` };
        const pids = handStarted(c.name); // the same rule `kubestellar stop` uses
        if (pids.length) {
          const log = stdoutFile(pids[0]);
          return { detail: `running, pid ${pids.join(', ')} (not started by kubestellar start)${log ? `, log ${log}` : ''}${errorOf(log)}` };
        }
        const why = rec ? `its recorded process (pid ${rec.pid}) is gone` : `no pid record in ${dir} and no process runs ${c.name}`;
        return fail(`not running: ${why}${errorOf(rec?.logFile)}`, 'kubestellar start');
      },
    });
  });
}
