import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/client.ts';
import { findCurrentSettings } from '../db/repositories/companies.repository.ts';
import { compareTestVariants, KPI_FORMULAS, type OutcomeCounts } from '../domain/kpi-formulas.ts';
import { selectTemplate } from '../domain/message-template.ts';
import { settingsForVariant } from '../domain/variant-copy.ts';
import { outcomeSql } from './kpi-sql.ts';
import { METRICS_DOC_URL } from './kpis.presenter.ts';

/**
 * The running variant test of one company (#15 §5): what is tested, both texts, and each variant's
 * recovery rate over decided cases with its interval (kpi-formulas.ts compareTestVariants).
 * companyId is argument one; the cases read are the company's own cases of this test only.
 */
export async function presentVariantTest(companyId: string, q: Queryable, now: Date) {
  const current = await findCurrentSettings(q, companyId);
  const test = current.nudge.variant_test;
  if (test === null || test.started_version === null) return { running: false as const, settings_version: current.version, formula: KPI_FORMULAS.variant_test, formulas_url: METRICS_DOC_URL };

  const rows = await queryRows<{ test_variant: 'a' | 'b'; outcome: keyof OutcomeCounts; n: string | number }>(
    q,
    sql`SELECT c.test_variant, ${outcomeSql(now)} AS outcome, count(*) AS n FROM recovery_cases c
        WHERE c.company_id = ${companyId} AND c.variant_test_version = ${test.started_version} AND c.test_variant IS NOT NULL
        GROUP BY 1, 2`,
  );
  const counts = { a: { recovered: 0, lost: 0, deciding: 0 }, b: { recovered: 0, lost: 0, deciding: 0 } };
  for (const r of rows) counts[r.test_variant][r.outcome] += Number(r.n);
  // The texts as the tested template reads them: step 0 stands for "every step" (only step keys differ).
  const step = test.step ?? 0;
  const textOf = (variant: 'a' | 'b') => selectTemplate(settingsForVariant(current.nudge, variant), test.channel, step, test.decline_variant) as unknown as Record<string, string>;
  return {
    running: true as const,
    settings_version: current.version,
    test: { started_version: test.started_version, channel: test.channel, step: test.step, decline_variant: test.decline_variant, texts: { a: textOf('a'), b: textOf('b') } },
    ...compareTestVariants(counts.a, counts.b),
    formula: KPI_FORMULAS.variant_test,
    formulas_url: METRICS_DOC_URL,
  };
}

export type VariantTestView = Awaited<ReturnType<typeof presentVariantTest>>;
