export { companies } from './companies.ts';
export { companySettings } from './company-settings.ts';
export { webhookEvents } from './webhook-events.ts';
export { membershipFacts } from './membership-facts.ts';
export { recoveryCases } from './recovery-cases.ts';
export { caseEvents } from './case-events.ts';
