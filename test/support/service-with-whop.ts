import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import type { TestDatabase } from './test-database.ts';
import { startTestService, type TestService } from './test-service.ts';
import { createWhopTokenIssuer } from './whop-user-token.ts';

export interface ServiceWithWhop {
  service: TestService;
  whop: WhopApiFake;
  /** Mints x-whop-user-token headers the service accepts (its public key is configured). */
  issuer: Awaited<ReturnType<typeof createWhopTokenIssuer>>;
}

/**
 * The whole service talking to the Whop API fake, with creator tokens verifiable (app_test) and
 * the nudge loop slowed down so tests drive outreach themselves. `env` adds or overrides variables.
 */
export async function startServiceWithWhop(database: TestDatabase, env: Record<string, string> = {}): Promise<ServiceWithWhop> {
  const whop = await startWhopApiFake();
  const issuer = await createWhopTokenIssuer();
  const service = await startTestService(database, {
    env: {
      WHOP_API_KEY: 'test_key',
      WHOP_API_BASE_URL: whop.baseURL,
      WHOP_APP_ID: 'app_test',
      WHOP_USER_TOKEN_PUBLIC_KEY: issuer.publicJwk,
      NUDGE_INTERVAL_SECONDS: '3600',
      ...env,
    },
  });
  return { service, whop, issuer };
}
