import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The dashboard imports the server's types and pure rules instead of copying them, and must
// never bundle server code with I/O: from src/ it may import src/domain/** (pure: no I/O) and,
// type-only, src/presenters/** (erased at build). `import { type X }` does not count as
// type-only: under verbatimModuleSyntax it leaves `import {} from '…'`, which loads the module.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WEB = join(ROOT, 'web', 'src');
const DOMAIN = join(ROOT, 'src', 'domain');
const PRESENTERS = join(ROOT, 'src', 'presenters');
/** Server runtime packages (package.json dependencies) the browser may load: pure validation only. */
const PURE_SERVER_PACKAGES = new Set(['zod']);
const SERVER_PACKAGES = new Set(Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies));

interface ImportRef {
  specifier: string;
  typeOnly: boolean;
}

/** Every static import / re-export and dynamic import() of a file, and whether it is erased at build. */
function importsOf(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true });
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0]))
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
const isUnder = (path: string, folder: string) => path === folder || path.startsWith(folder + sep);
const shown = (path: string) => relative(ROOT, path).split(sep).join('/');

/**
 * What web/src loads that it must not. Web files: relative imports stay in web/, or reach
 * src/domain/**, or src/presenters/** type-only; no server-only package. Domain modules a web
 * file loads: only other domain modules and pure packages (followed transitively).
 */
function forbiddenImports(files: { path: string; text: string }[], read: (path: string) => string): string[] {
  const problems: string[] = [];
  const domainQueue: string[] = [];
  const seen = new Set<string>();
  const checkPackage = (from: string, specifier: string) => {
    const name = packageOf(specifier);
    if (name.startsWith('node:') || (SERVER_PACKAGES.has(name) && !PURE_SERVER_PACKAGES.has(name))) problems.push(`${shown(from)} imports the server package ${specifier}`);
  };
  for (const file of files) {
    for (const ref of importsOf(file.path, file.text)) {
      if (!ref.specifier.startsWith('.')) {
        checkPackage(file.path, ref.specifier);
        continue;
      }
      const target = resolve(dirname(file.path), ref.specifier);
      if (isUnder(target, WEB)) continue;
      if (isUnder(target, DOMAIN)) {
        if (!ref.typeOnly) domainQueue.push(target);
      } else if (isUnder(target, PRESENTERS)) {
        if (!ref.typeOnly) problems.push(`${shown(file.path)} loads ${shown(target)} at run time: use \`import type\` (presenters do I/O)`);
      } else problems.push(`${shown(file.path)} imports ${shown(target)}: the dashboard may import only src/domain/** and, type-only, src/presenters/**`);
    }
  }
  while (domainQueue.length > 0) {
    const path = domainQueue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const ref of importsOf(path, read(path))) {
      if (ref.typeOnly) continue;
      if (!ref.specifier.startsWith('.')) checkPackage(path, ref.specifier);
      else {
        const target = resolve(dirname(path), ref.specifier);
        if (isUnder(target, DOMAIN)) domainQueue.push(target);
        else problems.push(`${shown(path)} (loaded by the dashboard) imports ${shown(target)} outside src/domain`);
      }
    }
  }
  return problems;
}

function webFiles(): { path: string; text: string }[] {
  return readdirSync(WEB, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ts|tsx)$/.test(name))
    .map((name) => join(WEB, name))
    .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

const readSource = (path: string) => readFileSync(path, 'utf8');

describe('the dashboard bundles no server code with I/O', () => {
  it('web/src imports from src/ only src/domain/** and, type-only, src/presenters/**', () => {
    const files = webFiles();
    expect(files.length).toBeGreaterThan(20);
    expect(forbiddenImports(files, readSource)).toEqual([]);
  }, 60_000);

  it('uses the server types and domain rules it used to copy', () => {
    const text = (name: string) => readFileSync(join(WEB, name), 'utf8');
    expect(text('types.ts')).toContain("from '../../src/presenters/kpis.presenter.ts'");
    expect(text('format.ts')).toContain("from '../../src/domain/money.ts'");
    expect(text('settings-model.ts')).toContain("from '../../src/domain/settings-limits.ts'");
    expect(text('reconciliation-section.tsx')).toContain("import type { ReconciliationRunView } from '../../src/presenters/reconciliation.presenter.ts'");
  });

  // The check itself must catch each way server code could slip in.
  const inWeb = (text: string) => [{ path: join(WEB, 'probe.ts'), text }];
  it.each([
    ["import { presentKpis } from '../../src/presenters/kpis.presenter.ts';", 'loads src/presenters/kpis.presenter.ts at run time'],
    ["import { type KpisView } from '../../src/presenters/kpis.presenter.ts';", 'loads src/presenters/kpis.presenter.ts at run time'],
    ["import { findCurrentSettings } from '../../src/db/repositories/companies.repository.ts';", 'imports src/db/repositories/companies.repository.ts'],
    ["import type { AppDb } from '../../src/db/client.ts';", 'imports src/db/client.ts'],
    ["export { buildApp } from '../../src/http/app.ts';", 'imports src/http/app.ts'],
    ["const m = await import('../../src/services/cases/cancel-case.ts');", 'imports src/services/cases/cancel-case.ts'],
    ["import pg from 'pg';", 'imports the server package pg'],
    ["import { readFileSync } from 'node:fs';", 'imports the server package node:fs'],
  ])('refuses %s', (line, problem) => {
    expect(forbiddenImports(inWeb(line), readSource).join('\n')).toContain(problem);
  });

  it('follows domain modules: one that reached for a repository would be refused', () => {
    const fakeDomain = join(DOMAIN, 'probe.ts');
    const read = (path: string) => (path === fakeDomain ? "import { queryRows } from '../db/client.ts';" : readSource(path));
    expect(forbiddenImports(inWeb("import { x } from '../../src/domain/probe.ts';"), read)).toEqual([
      'src/domain/probe.ts (loaded by the dashboard) imports src/db/client.ts outside src/domain',
    ]);
  });

  it('accepts type-only presenter imports and domain modules', () => {
    const ok = inWeb(
      "import type { KpisView } from '../../src/presenters/kpis.presenter.ts';\nexport type { CompanyView } from '../../src/presenters/company.presenter.ts';\nimport { currencyExponent } from '../../src/domain/money.ts';\nimport React from 'react';",
    );
    expect(forbiddenImports(ok, readSource)).toEqual([]);
  });
});
