import { readFileSync } from 'node:fs';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV, USER, HEALTHCHECK, EXPOSE, CMD… */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
}

export interface Stage {
  /** The FROM image, e.g. node:22-alpine. */
  image: string;
  /** The AS name, e.g. runner. */
  name?: string;
  instructions: Instruction[];
}

/** Enough of the Dockerfile grammar for our own file: comments, `\` continuations, stages. */
export function parseDockerfile(path: string): Stage[] {
  const joined = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of joined.split('\n')) {
    const match = line.trim().match(/^(\w+)\s+(.*)$/);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      stages.push({ image: image!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${path}: ${keyword} before FROM`);
      stage.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** The image's final stage (what `docker run` starts). */
export function finalStage(stages: Stage[]): Stage {
  const stage = stages.at(-1);
  if (!stage) throw new Error('Dockerfile has no FROM');
  return stage;
}

/** The exec-form CMD of a stage, e.g. ["node", "dist/main.js"]. */
export function execCommand(stage: Stage): string[] {
  const cmd = stage.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  if (!cmd) throw new Error('no CMD');
  return JSON.parse(cmd.args) as string[];
}

/** ENV of a stage, in KEY=value form (the only form our Dockerfile uses). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const pair of i.args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`ENV ${i.args}: use KEY=value`);
      env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** COPY --from=<stage> <src> <dest> lines of a stage. */
export function copiesFrom(stage: Stage, from: string): { source: string; dest: string }[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' && i.args.includes(`--from=${from}`))
    .map((i) => {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      return { source: parts[0]!, dest: parts[1]! };
    });
}

/** The shell command of the HEALTHCHECK (after its options and CMD). */
export function healthcheckCommand(stage: Stage): string {
  const hc = stage.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  if (!hc) throw new Error('no HEALTHCHECK');
  const at = hc.args.indexOf('CMD ');
  if (at < 0) throw new Error(`HEALTHCHECK without CMD: ${hc.args}`);
  return hc.args.slice(at + 4).trim();
}
