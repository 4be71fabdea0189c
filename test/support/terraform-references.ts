import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getReferencesInExpression, parse } from '@cdktf/hcl2json';

type Json = Record<string, unknown>;
export type ParsedTerraform = { files: { name: string; json: Json }[]; problems: string[] };

/** Parses every .tf file of a directory; a file that does not parse is a problem naming it. */
export async function parseTerraformDir(dir: string): Promise<ParsedTerraform> {
  const files: ParsedTerraform['files'] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()) {
    try {
      files.push({ name, json: (await parse(name, readFileSync(join(dir, name), 'utf8'))) as Json });
    } catch (error) {
      problems.push(`${name}: does not parse: ${String(error).slice(0, 300)}`);
    }
  }
  return { files, problems };
}

const entries = (value: unknown): [string, unknown][] => (value && typeof value === 'object' ? Object.entries(value) : []);

/** Everything the directory declares, as the names expressions use (`aws_vpc.main`, `data.x.y`, `var.x` …). */
export function declaredNames(parsed: ParsedTerraform): Set<string> {
  const names = new Set<string>();
  for (const { json } of parsed.files) {
    for (const [type, byName] of entries(json.resource)) for (const [name] of entries(byName)) names.add(`${type}.${name}`);
    for (const [type, byName] of entries(json.data)) for (const [name] of entries(byName)) names.add(`data.${type}.${name}`);
    for (const [name] of entries(json.variable)) names.add(`var.${name}`);
    for (const [name] of entries(json.module)) names.add(`module.${name}`);
    for (const block of (json.locals as Json[] | undefined) ?? []) for (const [name] of entries(block)) names.add(`local.${name}`);
    // `provider = aws.us_east_1` refers to an aliased provider configuration.
    for (const [name, blocks] of entries(json.provider)) for (const block of (blocks as Json[]) ?? []) if (typeof block.alias === 'string') names.add(`${name}.${block.alias}`);
  }
  return names;
}

/** Roots that are always defined inside a block (count.index, each.value, path.module …). */
const CONTEXT_ROOTS = new Set(['count', 'each', 'self', 'path', 'terraform']);

/**
 * Every reference in every expression string that resolves to nothing declared, as
 * "file: where: reference". Attribute names that HCL writes as bare words (variable `type`,
 * `lifecycle.ignore_changes`) are not references and are skipped.
 */
export async function findUnresolvedReferences(parsed: ParsedTerraform): Promise<string[]> {
  const declared = declaredNames(parsed);
  const unresolved: string[] = [];
  for (const { name: file, json } of parsed.files) {
    const dynamicIterators = new Set<string>();
    const strings: { where: string; text: string }[] = [];
    const walk = (value: unknown, path: string[]) => {
      if (typeof value === 'string') {
        if (value.includes('${')) strings.push({ where: path.join('.'), text: value });
        return;
      }
      if (Array.isArray(value)) return value.forEach((item, i) => walk(item, [...path, String(i)]));
      for (const [key, child] of entries(value)) {
        if (key === 'ignore_changes' || (path[0] === 'variable' && key === 'type')) continue;
        if (path.at(-1) === 'dynamic') dynamicIterators.add(key);
        walk(child, [...path, key]);
      }
    };
    walk(json, []);
    for (const { where, text } of strings) {
      for (const { value } of await getReferencesInExpression(file, text)) {
        const parts = value.split('.');
        const root = parts[0]!;
        if (CONTEXT_ROOTS.has(root) || dynamicIterators.has(root)) continue;
        const key = root === 'data' ? parts.slice(0, 3).join('.') : parts.slice(0, 2).join('.');
        if (!declared.has(key)) unresolved.push(`${file}: ${where}: ${value} (nothing declares ${key})`);
      }
    }
  }
  return unresolved;
}

/** Reads a literal local (a list or map written out in HCL) from the parsed files. */
export function literalLocal(parsed: ParsedTerraform, name: string): unknown {
  for (const { json } of parsed.files) for (const block of (json.locals as Json[] | undefined) ?? []) if (name in block) return block[name];
  return undefined;
}

/** The first block of a resource, e.g. resourceBlock(parsed, 'aws_ecs_task_definition', 'web'). */
export function resourceBlock(parsed: ParsedTerraform, type: string, name: string): Json | undefined {
  for (const { json } of parsed.files) {
    const blocks = ((json.resource as Json | undefined)?.[type] as Json | undefined)?.[name] as Json[] | undefined;
    if (blocks?.[0]) return blocks[0];
  }
  return undefined;
}

/** The default of a declared variable. */
export function variableDefault(parsed: ParsedTerraform, name: string): unknown {
  for (const { json } of parsed.files) {
    const blocks = (json.variable as Json | undefined)?.[name] as Json[] | undefined;
    if (blocks?.[0]) return blocks[0].default;
  }
  return undefined;
}

/** Every block of a resource type, by name: resourceBlocks(parsed, 'aws_route53_record'). */
export function resourceBlocks(parsed: ParsedTerraform, type: string): Record<string, Json> {
  const found: Record<string, Json> = {};
  for (const { json } of parsed.files)
    for (const [name, blocks] of entries((json.resource as Json | undefined)?.[type])) if ((blocks as Json[])[0]) found[name] = (blocks as Json[])[0]!;
  return found;
}

/** The first block of a data source, e.g. dataBlock(parsed, 'aws_route53_zone', 'main'). */
export function dataBlock(parsed: ParsedTerraform, type: string, name: string): Json | undefined {
  for (const { json } of parsed.files) {
    const blocks = ((json.data as Json | undefined)?.[type] as Json | undefined)?.[name] as Json[] | undefined;
    if (blocks?.[0]) return blocks[0];
  }
  return undefined;
}

/**
 * Renders a string local the way Terraform would, from the parsed HCL: `${local.x}` is rendered in
 * turn, any other interpolation must be given in `values` (keyed by its exact expression text),
 * so a change to the template in the .tf files changes what tests get. Throws on anything unknown.
 */
export function renderLocal(parsed: ParsedTerraform, name: string, values: Record<string, string>): string {
  const template = literalLocal(parsed, name);
  if (typeof template !== 'string') throw new Error(`local.${name} is not a string template`);
  return template.replace(/\$\{([^{}]+)\}/g, (_, expression: string) => {
    if (expression in values) return values[expression]!;
    const local = expression.match(/^local\.(\w+)$/);
    if (local) return renderLocal(parsed, local[1]!, values);
    const variable = expression.match(/^var\.(\w+)$/);
    if (variable && typeof variableDefault(parsed, variable[1]!) === 'string') return variableDefault(parsed, variable[1]!) as string;
    throw new Error(`local.${name}: no value for \${${expression}}`);
  });
}

/** Terraform's urlencode: Go's QueryEscape (space as +, all but letters, digits and -_.~ escaped). */
export function terraformUrlencode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}
