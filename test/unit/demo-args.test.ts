import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../../src/cli/demo-args.ts';

// npm run demo's arguments as an operator types them; npm-scripts.test.ts runs the script itself.
describe('npm run demo arguments', () => {
  it('runs the default story, a reset and a sized story', () => {
    expect(parseDemoArgs([])).toEqual({ kind: 'run', reset: false, members: undefined });
    expect(parseDemoArgs(['--reset', '--members', '40'])).toEqual({ kind: 'run', reset: true, members: 40 });
    expect(parseDemoArgs(['--members=5000'])).toEqual({ kind: 'run', reset: false, members: 5000 });
  });

  it('prints the usage for --help and -h', () => {
    for (const flag of ['--help', '-h']) {
      const parsed = parseDemoArgs([flag]);
      expect(parsed.kind).toBe('help');
      expect(parsed.kind === 'help' && parsed.text).toContain('--members N  how many members the story has (10 to 5000; 300 by default)');
    }
  });

  it.each([
    [['--members', 'lots'], '--members must be a whole number from 10 to 5000, got lots'],
    [['--members', '9'], '--members must be a whole number from 10 to 5000, got 9'],
    [['--members', '5001'], '--members must be a whole number from 10 to 5000, got 5001'],
    [['--members', '40.5'], '--members must be a whole number from 10 to 5000, got 40.5'],
    [['--members', '1e2'], '--members must be a whole number from 10 to 5000, got 1e2'],
    [['--members'], '--members must be a whole number from 10 to 5000, got nothing'],
    [['--members', '--reset'], '--members must be a whole number from 10 to 5000, got nothing'],
    [['--rest'], 'unknown argument --rest (usage: npm run demo [-- --reset] [--members N])'],
    [['reset'], 'unknown argument reset (usage: npm run demo [-- --reset] [--members N])'],
  ])('refuses %j naming the problem', (argv, message) => {
    expect(parseDemoArgs(argv)).toEqual({ kind: 'error', message });
  });
});
