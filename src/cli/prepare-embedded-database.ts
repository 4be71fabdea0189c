import { writePgliteTemplate } from '../db/pglite-template.ts';

// npm ci runs this (postinstall): prepares the embedded database template so the first
// `npm start` skips PGlite's slow initdb. Never fails the install: start-up works without it.
try {
  for (const path of await writePgliteTemplate()) console.log(`churn-saver: embedded database template ready (${path})`);
} catch (error) {
  console.warn(`churn-saver: embedded database template not prepared (${error instanceof Error ? error.message : String(error)}); the first start will take a few seconds longer`);
}
