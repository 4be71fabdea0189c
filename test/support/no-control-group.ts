import type { SqlRunner } from '../../src/db/client.ts';

/**
 * Saves holdout 0 for these companies before their first case: tests that expect every member
 * nudged say so explicitly, since by default 10 % of members are held out as a control group.
 */
export async function withoutControlGroup(sql: SqlRunner, companyIds: string[]): Promise<void> {
  for (const companyId of companyIds) {
    await sql.query(`INSERT INTO companies (company_id) VALUES ($1) ON CONFLICT DO NOTHING`, [companyId]);
    await sql.query(`INSERT INTO company_settings (company_id, version, settings) VALUES ($1, 1, '{"holdout_percent": 0}') ON CONFLICT DO NOTHING`, [companyId]);
  }
}
