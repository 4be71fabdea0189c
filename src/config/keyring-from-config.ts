import { loadKeyring, type Keyring } from '../integrations/crypto/encryption-keys.ts';
import { describeConfigProblems, type Config } from './config.ts';
import { loadOrCreateDevEncryptionKey } from './encryption-key-file.ts';

/**
 * The keyring from ENCRYPTION_KEY (+ ENCRYPTION_KEY_PREVIOUS, ENCRYPTION_HASH_KEY). Outside
 * production a missing key comes from (or is created in) DATA_DIR/encryption-key. Throws an error
 * naming every variable at fault, never a value.
 */
export function keyringFromConfig(config: Config): Keyring {
  const loaded = loadKeyring({
    current: config.ENCRYPTION_KEY,
    previous: config.ENCRYPTION_KEY_PREVIOUS,
    hashKey: config.ENCRYPTION_HASH_KEY,
    nodeEnv: config.NODE_ENV,
    devKeyFile: () => loadOrCreateDevEncryptionKey(config.DATA_DIR).key,
  });
  if (!loaded.ok) throw new Error(describeConfigProblems(loaded.problems));
  return loaded.keyring;
}
