import { SignJWT, exportJWK, generateKeyPair } from 'jose';

/** A key pair standing in for Whop's: tokens signed here verify with WHOP_USER_TOKEN_PUBLIC_KEY. */
export async function createWhopTokenIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = JSON.stringify({ ...(await exportJWK(publicKey)), alg: 'ES256' });
  return {
    publicJwk,
    /** Mints an x-whop-user-token as Whop's proxy does. */
    async token(userId: string, options: { appId?: string; expiresIn?: string; issuer?: string; key?: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"] } = {}) {
      return new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(options.issuer ?? 'urn:whopcom:exp-proxy')
        .setAudience(options.appId ?? 'app_test')
        .setSubject(userId)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key ?? privateKey);
    },
  };
}
