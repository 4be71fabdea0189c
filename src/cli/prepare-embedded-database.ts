import { PGLITE_TEMPLATE_PATH, writePgliteTemplate } from '../db/pglite-template.ts';

// npm ci runs this (postinstall): prepares the embedded database template so the first
// `npm start` skips PGlite's slow initdb. Never fails the install: start-up works without it.
try {
  if (await writePgliteTemplate()) console.log(`churn-saver: embedded database template ready (${PGLITE_TEMPLATE_PATH})`);
} catch (error) {
  console.warn(`churn-saver: embedded database template not prepared (${error instanceof Error ? error.message : String(error)}); the first start will take a few seconds longer`);
}
