import { parseArgs } from 'node:util';

export const DEMO_USAGE = 'usage: npm run demo [-- --reset] [--members N]';

export type DemoArgs =
  | { kind: 'help'; text: string }
  | { kind: 'run'; reset: boolean; members: number | undefined }
  | { kind: 'error'; message: string };

/** `npm run demo` arguments; every problem is one line naming the argument, for exit 1. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let values: { reset?: boolean; members?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { reset: { type: 'boolean' }, members: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    // parseArgs names the argument in its own words; ours keep the usage line beside it.
    const text = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    if (/--members/.test(text) && /missing|ambiguous/.test(text)) return { kind: 'error', message: '--members must be a whole number from 10 to 5000, got nothing' };
    const unknown = /^(?:Unknown option|Unexpected argument) '([^']+)'/.exec(text)?.[1];
    return { kind: 'error', message: unknown ? `unknown argument ${unknown} (${DEMO_USAGE})` : `${text} (${DEMO_USAGE})` };
  }
  if (values.help) {
    return { kind: 'help', text: `${DEMO_USAGE}\n  --reset  delete the demo company biz_demo and seed it again\n  --members N  how many members the story has (10 to 5000; 300 by default)` };
  }
  // --members N: a smaller story seeds in seconds (a quick look, a test), a larger one fills the dashboard.
  const members = values.members === undefined ? undefined : Number(values.members);
  if (members !== undefined && !(/^\d+$/.test(values.members!) && members >= 10 && members <= 5000)) {
    return { kind: 'error', message: `--members must be a whole number from 10 to 5000, got ${values.members}` };
  }
  return { kind: 'run', reset: values.reset ?? false, members };
}
