import type Whop from '@whop/sdk';

/**
 * Verifies Whop's `x-whop-user-token` (ES256, iss urn:whopcom:exp-proxy, aud = our app id) with the
 * official SDK. The SDK does not read a plain header object, so the token string is passed. Keys
 * come from WHOP_USER_TOKEN_PUBLIC_KEY (a JWK JSON) when set, else from Whop's JWKS.
 * Without an app id no token can be valid (the audience check needs it).
 */
export function createUserTokenVerifier(options: { appId: string | undefined; publicKey: string | undefined; apiKey: string | undefined }) {
  if (!options.appId) return async () => null;
  const { appId } = options;
  // The SDK (a hundred modules) is loaded at the first token, not at start-up.
  let whop: Promise<Whop> | undefined;
  const client = () => (whop ??= import('@whop/sdk').then(({ default: Sdk }) => new Sdk({ apiKey: options.apiKey ?? 'unused-for-token-verification', appID: appId, userTokenPublicKey: options.publicKey ?? null })));
  return async (token: string): Promise<{ userId: string } | null> => {
    const verified = await (await client()).verifyUserToken(token, { dontThrow: true });
    return verified && verified.appId === options.appId ? { userId: verified.userId } : null;
  };
}
