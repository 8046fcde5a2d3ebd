// Where text goes: results on stdout, everything else on stderr. Colour and spinners
// only when stderr is a terminal and NO_COLOR is unset, so pipelines stay clean.
import { styleText } from 'node:util';

export interface OutputOptions {
  verbose?: boolean;
  trace?: boolean;
  quiet?: boolean;
}

const state: Required<OutputOptions> = { verbose: false, trace: false, quiet: false };

export function configureOutput(opts: OutputOptions): void {
  Object.assign(state, Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)));
}

export function isTracing(): boolean {
  return state.trace;
}

export function isVerbose(): boolean {
  return state.verbose;
}

export function decorated(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
}

type Style = 'dim' | 'cyan' | 'yellow' | 'red' | 'green' | 'bold';
export type Palette = Record<Style, (text: string) => string>;
const styles: Style[] = ['dim', 'cyan', 'yellow', 'red', 'green', 'bold'];
let palette: Palette | undefined;
/**
 * Colours for stderr; a no-op palette when stderr is not a decorated terminal. node:util's
 * styleText does the escaping (chalk cost ~8 ms of start-up for these few colours); we decide
 * when, since styleText would look at stdout, not stderr.
 */
export function colors(): Palette {
  if (!palette) {
    const on = decorated();
    palette = Object.fromEntries(
      styles.map((s) => [s, on ? (t: string) => styleText(s, t, { validateStream: false }) : (t: string) => t]),
    ) as Palette;
  }
  return palette;
}

/** A result line on stdout. */
export function result(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** A progress or status line on stderr (suppressed by -s where a command offers it). */
export function info(text: string): void {
  if (!state.quiet) process.stderr.write(text + '\n');
}

/** A line for -V/--verbose. */
export function verbose(text: string): void {
  if (state.verbose) process.stderr.write(text + '\n');
}

/** A line for -X: every step and API request, like the originals' `set -x`. */
export function trace(text: string): void {
  if (state.trace) process.stderr.write(colors().dim(`+ ${text}`) + '\n');
}

export function warn(text: string): void {
  process.stderr.write(colors().yellow(text) + '\n');
}

export interface Progress {
  update(text: string): void;
  stop(finalText?: string): void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Progress for a wait: a spinner on a decorated terminal; otherwise the first line and
 * then at most one line per `everyMs`, so logs are not flooded.
 */
export function progress(text: string, everyMs = 10_000): Progress {
  if (state.quiet) return { update() {}, stop() {} };
  if (decorated()) {
    let current = text;
    let i = 0;
    const draw = () => process.stderr.write(`\r\x1b[K${colors().cyan(frames[i++ % frames.length])} ${current}`);
    draw();
    const timer = setInterval(draw, 80);
    timer.unref();
    return {
      update(t) {
        current = t;
      },
      stop(finalText) {
        clearInterval(timer);
        process.stderr.write('\r\x1b[K' + (finalText ? finalText + '\n' : ''));
      },
    };
  }
  process.stderr.write(text + '\n');
  let last = Date.now();
  return {
    update(t) {
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        process.stderr.write(t + '\n');
      }
    },
    stop(finalText) {
      if (finalText) process.stderr.write(finalText + '\n');
    },
  };
}
