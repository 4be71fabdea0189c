import cliProgress from 'cli-progress';
import { keyringFromConfig } from '../config/keyring-from-config.ts';
import { censusStoredKeys, describeUnreadableKeys } from '../ops/check-stored-keys.ts';
import { rotateEncryptionKeys } from '../ops/rotate-encryption-keys.ts';
import { openCliDatabase } from './open-cli-database.ts';

/**
 * npm run keys:rotate            re-encrypt every stored value under ENCRYPTION_KEY (the new key),
 *                                reading old values with ENCRYPTION_KEY_PREVIOUS; resumable.
 * npm run keys:rotate -- --check count values per key id; exit 1 if any is not under ENCRYPTION_KEY.
 * npm run keys:rotate -- --generate  print a new key (base64, 32 bytes) and exit.
 */
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log('Usage: npm run keys:rotate [-- --check | --generate | --batch-size N]\n  Set ENCRYPTION_KEY to the new key and ENCRYPTION_KEY_PREVIOUS to the old one, then run it; re-run after an interruption.');
  process.exit(0);
}
if (args.has('--generate')) {
  const { generateEncryptionKey } = await import('../integrations/crypto/encryption-keys.ts');
  console.log(generateEncryptionKey());
  process.exit(0);
}
const batchFlag = process.argv.indexOf('--batch-size');
const batchSize = batchFlag > 0 ? Number(process.argv[batchFlag + 1]) : 500;
if (!Number.isInteger(batchSize) || batchSize < 1) {
  console.error('--batch-size: must be a positive integer');
  process.exit(2);
}

const { config, database } = await openCliDatabase(process.env, { personalData: false });
let keyring;
try {
  keyring = keyringFromConfig(config);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const current = keyring.current.keyId;
console.log(`ENCRYPTION_KEY key id ${current}${keyring.previous ? `; ENCRYPTION_KEY_PREVIOUS key id ${keyring.previous.keyId}` : ''}`);

if (args.has('--check')) {
  const census = await censusStoredKeys(database.sql, keyring);
  for (const [keyId, n] of census.counts) console.log(`  ${keyId === current ? `${keyId} (current)` : keyId}: ${n} value${n === 1 ? '' : 's'}`);
  const stale = [...census.counts].filter(([keyId, n]) => keyId !== current && n > 0);
  const problem = describeUnreadableKeys(census, keyring);
  if (problem) console.error(problem);
  console.log(stale.length === 0 ? 'Every stored value is under ENCRYPTION_KEY.' : `${stale.reduce((a, [, n]) => a + n, 0)} values still need keys:rotate.`);
  await database.close();
  process.exit(stale.length === 0 && !problem ? 0 : 1);
}

const bar = new cliProgress.SingleBar({ format: '{field} [{bar}] {value}/{total} rows, {rewritten} rewritten', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 }, cliProgress.Presets.shades_classic);
let shownField = '';
const result = await rotateEncryptionKeys(database.sql, keyring, {
  batchSize,
  onProgress(p) {
    if (p.field !== shownField) {
      if (shownField) bar.stop();
      shownField = p.field;
      bar.start(p.total, p.done, { field: p.field.padEnd(38), rewritten: p.rewritten });
    } else bar.update(p.done, { rewritten: p.rewritten });
  },
});
if (shownField) bar.stop();
const after = await censusStoredKeys(database.sql, keyring);
await database.close();
const remaining = [...after.counts].filter(([keyId]) => keyId !== current).reduce((a, [, n]) => a + n, 0);
console.log(`Rewrote ${result.rewritten} values under key id ${current}${result.suppressionsMoved ? `; moved ${result.suppressionsMoved} legacy opt-outs` : ''}.`);
for (const u of result.unreadable) console.error(`  ${u.count} values in ${u.field} could not be read with either key: left as they are`);
if (remaining > 0) {
  console.error(`${remaining} values are still under another key (written meanwhile by an instance on the old key?): run keys:rotate again.`);
  process.exit(1);
}
console.log(keyring.previous ? 'Done: every value is under ENCRYPTION_KEY. Remove ENCRYPTION_KEY_PREVIOUS and restart.' : 'Done: every value is under ENCRYPTION_KEY.');
