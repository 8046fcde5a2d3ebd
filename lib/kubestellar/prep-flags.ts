// The flags prep-for-syncer and prep-for-cluster share (prep-for-cluster is ensure
// location + prep-for-syncer, so it takes all of prep-for-syncer's), parsed once into
// the options runPrep takes. Loaded on the --help path: keep it free of heavy imports.
import { DRY_RUN_FLAG, type FlagDefs, type FlagValues } from '../cli/args.ts';
import { UsageError } from '../cli/errors.ts';
import { defaultSyncerImage } from './syncer-image.ts';
import type { PrepFlags } from './prep.ts';

export const PREP_FLAGS = {
  imw: { type: 'string', value: 'WS', description: 'workspace holding the SyncTarget (default: the current one)' },
  espw: { type: 'string', value: 'WS', description: 'the edge service provider workspace (default root:espw)' },
  'syncer-image': { type: 'string', value: 'REF', description: `syncer container image (default ${defaultSyncerImage()})` },
  output: { type: 'string', short: 'o', value: 'FILE', description: 'where to write the WEC manifest; - for stdout' },
  silent: { type: 'boolean', short: 's', description: 'do not print the workspace moves' },
  ...DRY_RUN_FLAG,
} as const satisfies FlagDefs;

export const PREP_USAGE_FLAGS = '[--imw WS] [--espw WS] [--syncer-image REF] [-o FILE] [-s|--silent] [-X] [--dry-run] [kubectl flags]';

/** Validates the shared flags (before anything is read or written) into runPrep's options. */
export async function prepFlagsFrom(flags: FlagValues<typeof PREP_FLAGS>): Promise<PrepFlags> {
  const { validateWorkspaceRef } = await import('./validate.ts');
  if (flags.imw !== undefined) validateWorkspaceRef('--imw', flags.imw);
  if (flags.espw !== undefined) validateWorkspaceRef('--espw', flags.espw);
  if (flags['syncer-image'] === '') throw new UsageError('--syncer-image must not be empty');
  return {
    imw: flags.imw,
    espw: flags.espw,
    syncerImage: flags['syncer-image'],
    output: flags.output,
    silent: Boolean(flags.silent),
    dryRun: Boolean(flags['dry-run']),
  };
}
