import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// npm ci runs this: prepare the embedded database template, then build the dashboard so that
// `npm start` serves it. A production install without dev dependencies (no vite) skips the build:
// the image's builder stage builds it instead.
await import('./prepare-embedded-database.ts');
if (existsSync('node_modules/vite/package.json') && existsSync('web/vite.config.ts')) {
  const built = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  console.log('churn-saver: dashboard built (dist/web)');
} else if (!existsSync('dist/web/index.html')) {
  console.log('churn-saver: dashboard not built (no vite: production install); `npm run build` where dev dependencies are installed builds it');
}
