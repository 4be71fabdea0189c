import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The dashboard SPA. The Fastify server serves dist/web and answers every client route
// (/dashboard/…, /admin, /login) with index.html. `npm run dev:web` proxies /api to the
// server on API_TARGET (default http://localhost:3000).
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    // The dashboard imports the server's pure domain modules and (type-only) presenter DTOs from
    // ../src; the dev server may serve files from the whole repository, nothing outside it.
    // test/unit/web-imports.test.ts keeps those imports to src/domain/** and type-only src/presenters/**.
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: { '/api': { target: process.env.API_TARGET ?? 'http://localhost:3000', changeOrigin: false } },
  },
});
