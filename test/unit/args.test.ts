import { describe, expect, it } from 'vitest';
import { parseArgs, parseDuration } from '../../lib/cli/args.ts';
import { UsageError } from '../../lib/cli/errors.ts';

const ensureLocation = {
  flags: {
    imw: { type: 'string', value: 'WS', description: 'inventory workspace' },
    'with-kube': { type: 'boolValue', description: 'bind the kube APIs' },
    'dry-run': { type: 'boolean', description: 'change nothing' },
    output: { type: 'string', short: 'o', description: 'output file' },
    s: { type: 'boolean', description: 'quiet' },
  },
  kube: { refuse: ['context'] },
  positionals: { min: 1, names: 'objname label=value...' },
} as const;

describe('parseArgs', () => {
  it('takes flags before, between and after positionals', () => {
    const a = parseArgs(['--imw', 'root:imw1', 'demo1', '-X', 'foo=bar', '--with-kube=false', 'the-word=the-bird'], ensureLocation);
    expect(a.positionals).toEqual(['demo1', 'foo=bar', 'the-word=the-bird']);
    expect(a.flags).toMatchObject({ imw: 'root:imw1', X: true, 'with-kube': false });
  });

  it('accepts --flag=value and -o value and -o=value and -ovalue', () => {
    expect(parseArgs(['--imw=root:x', 'n'], ensureLocation).flags.imw).toBe('root:x');
    expect(parseArgs(['-o', 'f.yaml', 'n'], ensureLocation).flags.output).toBe('f.yaml');
    expect(parseArgs(['-o=f.yaml', 'n'], ensureLocation).flags.output).toBe('f.yaml');
    expect(parseArgs(['-of.yaml', 'n'], ensureLocation).flags.output).toBe('f.yaml');
    expect(parseArgs(['-o', '-', 'n'], ensureLocation).flags.output).toBe('-');
  });

  it('passes kubectl connection flags through to the client', () => {
    const a = parseArgs(
      ['n', '--kubeconfig', '/k', '--cluster=c', '--user', 'u', '-n', 'ns', '--server', 'https://h:6443',
        '--token=t', '--certificate-authority', 'ca.crt', '--insecure-skip-tls-verify', '--request-timeout', '5s'],
      ensureLocation,
    );
    expect(a.kube).toEqual({
      kubeconfig: '/k', cluster: 'c', user: 'u', namespace: 'ns', server: 'https://h:6443', token: 't',
      certificateAuthority: 'ca.crt', insecureSkipTlsVerify: true, requestTimeout: '5s',
    });
  });

  it('lets a command flag shadow a kubectl short flag (-s is quiet, not --server)', () => {
    expect(parseArgs(['-s', 'n'], ensureLocation).flags.s).toBe(true);
  });

  it('refuses --context where the command says so', () => {
    expect(() => parseArgs(['--context', 'root', 'n'], ensureLocation)).toThrow(/--context flag is not supported/);
  });

  it('rejects unknown flags, missing values and bad booleans with a UsageError', () => {
    expect(() => parseArgs(['--bogus', 'n'], ensureLocation)).toThrow(UsageError);
    expect(() => parseArgs(['--bogus', 'n'], ensureLocation)).toThrow('unknown flag --bogus');
    expect(() => parseArgs(['n', '--imw'], ensureLocation)).toThrow('flag --imw needs a value');
    expect(() => parseArgs(['n', '--with-kube', 'maybe'], ensureLocation)).toThrow(/takes true or false/);
  });

  it('counts positionals, and -- ends the flags', () => {
    expect(() => parseArgs([], ensureLocation)).toThrow(/missing objname/);
    expect(parseArgs(['--', '-weird', 'x'], ensureLocation).positionals).toEqual(['-weird', 'x']);
    expect(() => parseArgs(['a', 'b'], { flags: {}, positionals: { min: 1, max: 1, names: 'name' } })).toThrow(/too many/);
  });

  it('skips the argument checks when help is asked for', () => {
    expect(parseArgs(['-h'], ensureLocation).flags.help).toBe(true);
    expect(parseArgs(['--help'], ensureLocation).flags.help).toBe(true);
  });

  it('knows -V/--verbose and -X', () => {
    expect(parseArgs(['-V', 'n'], ensureLocation).flags.verbose).toBe(true);
    expect(parseArgs(['--verbose', 'n'], ensureLocation).flags.verbose).toBe(true);
  });
});

describe('parseDuration', () => {
  it('reads Go durations and bare seconds', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(() => parseDuration('soon')).toThrow(UsageError);
  });
});
