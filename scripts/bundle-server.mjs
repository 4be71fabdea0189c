// node scripts/bundle-server.mjs: the server (src/main.ts and everything it imports) as one file,
// dist/server.js, and its entry dist/main.js (what `node dist/main.js`, npm start and the image's CMD
// run). npm run build runs it after tsc (which type-checks and writes dist/cli/*.js for the npm
// scripts); bin/churn-saver.mjs runs it when a source is newer than dist/server.js.
//
// Why: a start loaded ~1,700 files (our 260 and drizzle's, zod's, pg-boss', prom-client's); resolving,
// reading and compiling them was most of start to healthy and ~25 MB of heap (drizzle alone ~1 s of
// CPU). One tree-shaken file loads in a fraction of that.
//
// What stays a package of its own (not bundled):
// - what dd-trace and Sentry instrument by hooking the package as it loads (docs/operations.md
//   "Datadog"): fastify and its plugins, pg, ioredis, pino. Bundled, they would no longer be traced.
// - @electric-sql/pglite: it reads its .wasm and .data files next to its own module.
// - what is loaded only when configured (SENTRY_DSN, WHOP_API_KEY, SMTP_HOST): @sentry/node, dd-trace,
//   @whop/sdk, nodemailer, so a start without them still does not read them.
// Every other production dependency is bundled; a devDependency in the bundle fails the build.
//
// import.meta.url: each of our modules keeps the URL it has in tsc's per-file output (dist/db/migrate.js
// for src/db/migrate.ts), so paths they derive from it (migrations/, dist/web, docs/, node_modules/.cache)
// are the same in the bundle. Source maps: dist/server*.js.map, of our code only; dist/main.js maps
// stack frames through them when a stack is formatted, so traces (logs, Sentry) name src/*.ts and its lines.
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const src = join(root, 'src');
const dist = join(root, 'dist');

export const EXTERNAL_PACKAGES = [
  'fastify', '@fastify/*', 'pg', 'pg-native', 'ioredis', 'pino', 'pino-*',
  '@electric-sql/pglite',
  '@sentry/*', 'dd-trace', '@whop/sdk', 'nodemailer',
];

const packageOf = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
const isExternal = (name) => EXTERNAL_PACKAGES.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));

/** Each of our modules sees import.meta.url as its tsc output's (dist/<same path>.js), relative to the bundle. */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!args.path.startsWith(src + '/') || !text.includes('import.meta.url')) return undefined;
      const asBuilt = './' + relative(src, args.path).replace(/\.ts$/, '.js');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(asBuilt)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      return isExternal(packageOf(args.path)) ? { path: args.path, external: true } : undefined;
    });
  },
};

const result = await build({
  entryPoints: { server: join(src, 'main.ts') },
  outdir: dist,
  bundle: true,
  // What main.ts imports on demand (runtime.ts, drizzle, the Whop SDK's wrapper…) stays a chunk of its
  // own, loaded while the database opens, as with the per-file build. Chunks sit next to server.js
  // (the import.meta.url rewrite below assumes every output file is at the top of dist/).
  splitting: true,
  chunkNames: 'server-[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  // Bundled CommonJS packages (prom-client, proper-lockfile) call require() for Node's own modules.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);" },
  plugins: [ownImportMetaUrl, externalPackages],
});

// No devDependency may reach the image through the bundle: package-lock marks dev-only packages.
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const bundled = new Set(Object.keys(result.metafile.inputs).map((p) => p.match(/(?:^|\/)(node_modules\/(?:@[^/]+\/)?[^/]+)\//)?.[1]).filter(Boolean));
const dev = [...bundled].filter((p) => lock.packages[p]?.dev === true);
if (dev.length > 0) {
  console.error(`bundle-server: dev-only packages in dist/server.js: ${dev.join(', ')} (make them dependencies, or external)`);
  process.exit(1);
}

// Source map of our code only. Mapping the bundled packages' code too made the map ~4x larger, and
// Node holds it decoded once a stack is formatted (+19 MB RSS at start, measured); their frames name
// dist/server.js and the function, ours src/*.ts and the line. Non-ASCII characters (in comments
// esbuild keeps) are escaped: one of them made V8 hold the whole 3.5 MB source as UTF-16.
for (const output of Object.keys(result.metafile.outputs)) {
  const path = join(root, output);
  if (output.endsWith('.map')) writeFileSync(path, JSON.stringify(ourMappingsOnly(JSON.parse(readFileSync(path, 'utf8')))));
  else writeFileSync(path, readFileSync(path, 'utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
// Chunks of an earlier build (their names carry a content hash).
const current = new Set(Object.keys(result.metafile.outputs).map((output) => join(root, output)));
for (const name of readdirSync(dist)) if (/^server-.*\.js(\.map)?$/.test(name) && !current.has(join(dist, name))) rmSync(join(dist, name));

writeFileSync(join(dist, 'main.js'), `// node dist/main.js: written by scripts/bundle-server.mjs. The server is dist/server.js and its chunks.
// Before they load: V8's compile cache (a restart reuses the code the last start compiled: the
// bundle and the packages it imports; in the OS temp folder, NODE_COMPILE_CACHE moves it), and
// stack traces that name src/*.ts for our code. Node's own source-map support
// (process.setSourceMapsEnabled) would read every loaded package's map and measure every module's
// lines at start (+0.3-0.7 s of CPU and 8-40 MB RSS, measured); here a chunk's map is read the first
// time one of its frames is formatted.
import { readFileSync } from 'node:fs';
import { enableCompileCache, SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

enableCompileCache();

const ours = /\\/dist\\/server[^/]*\\.js$/;
const maps = new Map();
function sourceOf(file, line, column) {
  if (!file || !ours.test(file) || !line || !column) return undefined;
  let map = maps.get(file);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(fileURLToPath(file) + '.map', 'utf8')));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  const entry = map?.findEntry(line - 1, column - 1);
  if (!entry?.originalSource) return undefined;
  return \`\${fileURLToPath(new URL(entry.originalSource, file))}:\${entry.originalLine + 1}:\${entry.originalColumn + 1}\`;
}
// V8's own format (the error, then "    at <frame>" per frame), with our frames' places mapped.
Error.prepareStackTrace = (error, frames) => {
  let header;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = '<error>';
  }
  const lines = frames.map((frame) => {
    const text = frame.toString();
    const place = \`\${frame.getFileName()}:\${frame.getLineNumber()}:\${frame.getColumnNumber()}\`;
    const source = sourceOf(frame.getFileName(), frame.getLineNumber(), frame.getColumnNumber());
    return \`    at \${source && text.includes(place) ? text.replace(place, source) : text}\`;
  });
  return [header, ...lines].join('\\n');
};

await import('./server.js');
`);

/** The source map with the segments that point into node_modules dropped (and those sources). */
function ourMappingsOnly(map) {
  const sources = [];
  const newIndex = map.sources.map((source) => (/(^|\/)node_modules\//.test(source) ? -1 : sources.push(source) - 1));
  // A segment is [column, source, line, column, name?]; one with no source maps nothing.
  const lines = decode(map.mappings).map((line) =>
    line.filter((segment) => segment.length > 1 && newIndex[segment[1]] >= 0).map(([column, source, ...rest]) => [column, newIndex[source], ...rest]),
  );
  return { ...map, sources, mappings: encode(lines) };
}
