import type pg from 'pg';

/** The bare limit's tables: a fact per delivery and a case per membership, no ORM, no queue. */
export const BARE_TABLES = `CREATE TABLE bare_facts (id bigserial PRIMARY KEY, webhook_id text UNIQUE, company_id text, membership_id text, body jsonb, created_at timestamptz DEFAULT now());
  CREATE TABLE bare_cases (id bigserial PRIMARY KEY, company_id text, membership_id text, failure_count int, last_failure_at timestamptz, UNIQUE (company_id, membership_id))`;

/** One event the bare way: BEGIN; INSERT fact; upsert case; COMMIT (what processing does at least). */
export async function bareFactAndCase(client: pg.Client, d: { body: string; headers: Record<string, string> }): Promise<void> {
  const event = JSON.parse(d.body);
  await client.query('BEGIN');
  await client.query('INSERT INTO bare_facts (webhook_id, company_id, membership_id, body) VALUES ($1, $2, $3, $4)', [d.headers['webhook-id'], event.data.company.id, event.data.membership.id, d.body]);
  await client.query(
    `INSERT INTO bare_cases (company_id, membership_id, failure_count, last_failure_at) VALUES ($1, $2, 1, now())
     ON CONFLICT (company_id, membership_id) DO UPDATE SET failure_count = bare_cases.failure_count + 1, last_failure_at = now()`,
    [event.data.company.id, event.data.membership.id],
  );
  await client.query('COMMIT');
}
