// Checks a command makes before its first write, so that a refusal changes nothing:
// that a file can be created or appended to, that a port can be listened on.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CommandError, UsageError, describeErrno, quoteArg } from '../cli/errors.ts';

/** FILE can be written (created in an existing directory, or appended to); names what is wrong. */
export function checkWritableFile(path: string, what: string): void {
  if (path === '') throw new UsageError(`${what} must not be empty`);
  const abs = resolve(path);
  let st;
  try {
    st = statSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CommandError(`${what} ${quoteArg(path)}: ${describeErrno(err)}`);
  }
  if (st?.isDirectory()) throw new CommandError(`${what} ${quoteArg(path)} is a directory, not a file`);
  const dir = dirname(abs);
  try {
    if (!statSync(dir).isDirectory()) throw new CommandError(`${what} ${quoteArg(path)}: ${dir} is not a directory`);
    accessSync(st ? abs : dir, constants.W_OK);
  } catch (err) {
    if (err instanceof CommandError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CommandError(`${what} ${quoteArg(path)}: ${code === 'ENOENT' ? `directory ${dir} does not exist` : describeErrno(err)}`);
  }
}

/** Why bind:port cannot be listened on, in one line (a busy or forbidden port is the user's to change). */
export function listenError(bind: string, port: number, err: NodeJS.ErrnoException): CommandError {
  if (err.code === 'EADDRINUSE') return new UsageError(`cannot listen on ${bind}:${port}: the address is already in use`);
  if (err.code === 'EACCES') return new UsageError(`cannot listen on ${bind}:${port}: permission denied`);
  return new CommandError(`cannot listen on ${bind}:${port}: ${describeErrno(err)}`);
}

/** Listens on bind:port for a moment; a one-line error when that is not possible. */
export async function checkPortFree(bind: string, port: number): Promise<void> {
  const { createServer } = await import('node:net');
  await new Promise<void>((ok, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => fail(listenError(bind, port, err)));
    probe.listen({ port, host: bind, exclusive: true }, () => probe.close(() => ok()));
  });
}
