/**
 * The demo's story: a few hundred members of one creator whose payments failed over the last
 * 90 days, and what each did next, as the Whop v1 webhook bodies Whop would have sent (the shape of
 * the recorded fixtures in test/fixtures/whop/, which the demo must not import). Deterministic:
 * the same seed and `now` tell the same story. Pure: no I/O, no clock.
 */

export const DEMO_COMPANY_ID = 'biz_demo';
export const DEMO_COMPANY_TITLE = 'Northwind Trading Club';
const COMPANY_ROUTE = 'northwind-trading';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type DemoWebhookType = 'payment.failed' | 'payment.succeeded' | 'membership.activated' | 'membership.deactivated' | 'refund.created' | 'dispute.created';

/** A v1 webhook body as Whop sends it (after signature verification). */
export interface DemoWebhookBody {
  id: string;
  api_version: 'v1';
  type: DemoWebhookType;
  timestamp: string;
  company_id: string;
  data: Record<string, unknown>;
}

export interface DemoProduct {
  id: string;
  title: string;
  route: string;
  planId: string;
  /** Major units, as Whop sends amounts. */
  price: number;
  currency: 'usd' | 'eur';
}

export interface DemoMember {
  membershipId: string;
  userId: string;
  memberId: string;
  username: string;
  name: string;
  /** null: the app has no member:email:read scope for this member (email deliveries are skipped). */
  email: string | null;
  product: DemoProduct;
  joinedAt: Date;
  cardLast4: string;
}

/** One thing that happens in the story, at `at` (Whop's time of the event). */
export type DemoStep =
  | { kind: 'webhook'; at: Date; /** When the delivery reaches us. */ receivedAt: Date; member: DemoMember; body: DemoWebhookBody }
  /** The member follows the unsubscribe link of a nudge email. */
  | { kind: 'unsubscribe'; at: Date; member: DemoMember };

/** How a case ends (or would end, when that lies after `now`). */
export type DemoScenario = 'paid' | 'reactivated' | 'refunded' | 'lost' | 'paid_too_late' | 'cancelled';

export interface DemoStoryOptions {
  now: Date;
  /** Members whose payment failed; about 1.1 cases each (some fail again a month later). Default 300. */
  members?: number;
  /** How far back the first failures go. Default 90. */
  days?: number;
  seed?: number;
}

export interface DemoStory {
  steps: DemoStep[];
  members: DemoMember[];
  /** Planned cases per scenario (some are still open at `now`). */
  scenarios: Record<DemoScenario, number>;
}

const PRODUCTS: readonly (DemoProduct & { weight: number })[] = [
  { id: 'prod_Nw7SignalsQ2x', title: 'Northwind Signals', route: 'northwind-signals', planId: 'plan_Nw7Sig2999m', price: 29.99, currency: 'usd', weight: 30 },
  { id: 'prod_Nw7StarterK4', title: 'Starter Chat', route: 'starter-chat', planId: 'plan_Nw7Sta0999m', price: 9.99, currency: 'usd', weight: 22 },
  { id: 'prod_Nw7ProDeskP9', title: 'Northwind Pro Desk', route: 'pro-desk', planId: 'plan_Nw7Pro4900m', price: 49, currency: 'usd', weight: 18 },
  { id: 'prod_Nw7WeeklyR3v', title: 'Weekly Picks', route: 'weekly-picks', planId: 'plan_Nw7Wee1499m', price: 14.99, currency: 'usd', weight: 14 },
  { id: 'prod_Nw7OptionsZ8', title: 'Options Flow Room', route: 'options-flow', planId: 'plan_Nw7Opt9900m', price: 99, currency: 'usd', weight: 8 },
  { id: 'prod_Nw7EuroDigJ5', title: 'Euro Markets Digest', route: 'euro-digest', planId: 'plan_Nw7Eur1900m', price: 19, currency: 'eur', weight: 5 },
  { id: 'prod_Nw7EuroProW1', title: 'Euro Markets Pro', route: 'euro-pro', planId: 'plan_Nw7Eup3900m', price: 39, currency: 'eur', weight: 3 },
];

/** Whop failure_message texts; null is a failure Whop gave no reason for. */
const DECLINES: readonly (readonly [string | null, number])[] = [
  ['Your card has insufficient funds.', 28],
  ['Your card was declined.', 26],
  ['Your card has expired.', 18],
  ['An error occurred while processing your card. Try again in a little bit.', 9],
  ['The card issuer declined the payment (do_not_honor).', 5],
  ['Your card does not support this type of purchase.', 4],
  [null, 7],
  ['Your card number is incorrect.', 3],
];

const CANCEL_OPTIONS: readonly (readonly [string, string | null])[] = [
  ['too_expensive', 'Too pricey for me right now'],
  ['too_expensive', null],
  ['not_using_it', 'Not trading much this month'],
  ['not_using_it', null],
  ['switching_to_competitor', null],
  ['missing_features', 'Wanted crypto signals too'],
  ['other', 'Taking a break'],
];

const FIRST_NAMES = [
  'Dana', 'Sam', 'Priya', 'Lucas', 'Mei', 'Omar', 'Chloe', 'Mateo', 'Aisha', 'Jonas', 'Sofia', 'Kenji', 'Hannah', 'Diego', 'Zara',
  'Noah', 'Ingrid', 'Tariq', 'Elena', 'Marcus', 'Yuki', 'Fatima', 'Leo', 'Amara', 'Felix', 'Nadia', 'Ravi', 'Grace', 'Mikael', 'Lina',
  'Theo', 'Ana', 'Kwame', 'Julia', 'Arjun', 'Emma', 'Hugo', 'Leila', 'Oscar', 'Camila', 'Ethan', 'Sara', 'Tomás', 'Ivy', 'Malik',
];
const LAST_NAMES = [
  'Reyes', 'Okafor', 'Sharma', 'Moreau', 'Chen', 'Haddad', 'Dubois', 'García', 'Bello', 'Lindqvist', 'Rossi', 'Tanaka', 'Becker', 'Alvarez',
  'Khan', 'Walsh', 'Nilsen', 'Aziz', 'Popescu', 'Brooks', 'Sato', 'Mensah', 'Novak', 'Adeyemi', 'Fischer', 'Petrova', 'Iyer', 'Murphy',
  'Virtanen', 'Santos', 'Keller', 'Costa', 'Owusu', 'Wagner', 'Patel', 'Larsen', 'Morel', 'Farouk', 'Silva', 'Kowalski', 'Hughes', 'Ito',
];

/** A small seeded PRNG (mulberry32): the story is the same on every run. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return {
    next,
    between: (min: number, max: number) => min + next() * (max - min),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    weighted: <T>(items: readonly (readonly [T, number])[]): T => {
      let r = next() * items.reduce((sum, [, w]) => sum + w, 0);
      for (const [item, w] of items) if ((r -= w) < 0) return item;
      return items.at(-1)![0];
    },
    /** A Whop-style id: prefix and `length` letters and digits. */
    id: (prefix: string, length = 14) => `${prefix}${Array.from({ length }, () => ALPHABET[Math.floor(next() * 62)]).join('')}`,
  };
}
type Random = ReturnType<typeof createRandom>;

const SCENARIOS: readonly (readonly [DemoScenario, number])[] = [
  ['paid', 37],
  ['reactivated', 10],
  ['refunded', 5],
  ['lost', 32],
  ['paid_too_late', 4],
  ['cancelled', 12],
];

/**
 * The whole story, in time order. Only what happened before `now` is in it, so cases whose
 * recovery (or loss) lies in the future are still open: the dashboard has every status.
 */
export function planDemoStory(options: DemoStoryOptions): DemoStory {
  const rnd = createRandom(options.seed ?? 20_260_101);
  const now = options.now.getTime();
  const days = options.days ?? 90;
  const start = now - days * DAY;
  const steps: DemoStep[] = [];
  const members: DemoMember[] = [];
  const scenarios: Record<DemoScenario, number> = { paid: 0, reactivated: 0, refunded: 0, lost: 0, paid_too_late: 0, cancelled: 0 };
  const emails = new Set<string>();

  for (let i = 0; i < (options.members ?? 300); i++) {
    const member = newMember(rnd, emails, start);
    members.push(member);
    // Slightly more failures lately (a growing creator); never in the last hour.
    const firstFailure = start + Math.pow(rnd.next(), 0.85) * (days * DAY - HOUR);
    const scenario = rnd.weighted(SCENARIOS);
    scenarios[scenario] += 1;
    steps.push(...caseStory(rnd, member, scenario, firstFailure));
    if (member.email && rnd.chance(0.03)) steps.push({ kind: 'unsubscribe', at: new Date(firstFailure + rnd.between(3, 20) * HOUR), member });
    // A member won back renews a month later, and some of those renewals fail again: a second case.
    if ((scenario === 'paid' || scenario === 'reactivated') && rnd.chance(0.3)) {
      const again = rnd.weighted(SCENARIOS.filter(([s]) => s !== 'cancelled' && s !== 'refunded'));
      scenarios[again] += 1;
      steps.push(...caseStory(rnd, member, again, firstFailure + 30 * DAY + rnd.between(-2, 2) * HOUR));
    }
  }
  const happened = steps.filter((s) => s.at.getTime() < now - 60_000 && (s.kind === 'unsubscribe' || s.receivedAt.getTime() < now));
  happened.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { steps: happened, members, scenarios };
}

function newMember(rnd: Random, emails: Set<string>, start: number): DemoMember {
  const first = rnd.pick(FIRST_NAMES);
  const last = rnd.pick(LAST_NAMES);
  const handle = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[^a-z.]/g, '');
  let email: string | null = `${handle}@example.com`;
  for (let n = 2; emails.has(email); n++) email = `${handle}${n}@example.com`;
  emails.add(email);
  if (rnd.chance(0.03)) email = null;
  return {
    membershipId: rnd.id('mem_'),
    userId: rnd.id('user_'),
    memberId: rnd.id('mber_'),
    username: `${handle.replace('.', '')}${rnd.chance(0.4) ? Math.floor(rnd.between(1, 99)) : ''}`,
    name: `${first} ${last}`,
    email,
    product: rnd.weighted(PRODUCTS.map((p) => [p, p.weight] as const)),
    joinedAt: new Date(start - rnd.between(20, 700) * DAY),
    cardLast4: String(Math.floor(rnd.between(0, 10_000))).padStart(4, '0'),
  };
}

/** The webhooks of one case that opens at `t0` (ms), by scenario. */
function caseStory(rnd: Random, member: DemoMember, scenario: DemoScenario, t0: number): DemoStep[] {
  const out: DemoStep[] = [];
  const paymentId = rnd.id('pay_');
  const amount = member.product.price;
  const decline = rnd.weighted(DECLINES);
  const send = (type: DemoWebhookType, at: number, data: Record<string, unknown>) => {
    // Whop sends a second or two after the fact; the delivery arrives a moment later.
    const sentAt = at + rnd.between(800, 4000);
    const body: DemoWebhookBody = { id: rnd.id('msg_', 24), api_version: 'v1', type, timestamp: new Date(sentAt).toISOString(), company_id: DEMO_COMPANY_ID, data };
    out.push({ kind: 'webhook', at: new Date(at), receivedAt: new Date(sentAt + rnd.between(40, 400)), member, body });
  };
  const payment = { id: paymentId, createdAt: t0 - rnd.between(2, 8) * 1000, amount };
  const fail = (at: number, attempt: number) => send('payment.failed', at, paymentData(member, payment, { failed: { at, attempt, message: decline } }));
  const pay = (at: number, p = payment) => send('payment.succeeded', at, paymentData(member, p, { paidAt: at }));
  const deactivate = (at: number, cancel: readonly [string, string | null] | null) => send('membership.deactivated', at, membershipData(member, 'canceled', at, cancel));
  const activate = (at: number) => send('membership.activated', at, membershipData(member, 'active', at, null));
  /** Whop retries a failed renewal every few days; each failed retry is another payment.failed. */
  const retriesBefore = (until: number) => {
    let attempt = 1;
    for (const day of [3, 5, 7]) {
      const at = t0 + day * DAY + rnd.between(-1, 1) * HOUR;
      if (at >= until || !rnd.chance(0.7)) break;
      fail(at, ++attempt);
    }
  };

  if (scenario === 'cancelled') {
    // The member cancelled (no failed payment): a case opened by membership.deactivated.
    deactivate(t0, rnd.pick(CANCEL_OPTIONS));
    if (rnd.chance(0.35)) {
      const back = t0 + rnd.between(1, 12) * DAY;
      activate(back);
      if (rnd.chance(0.7)) pay(back + rnd.between(2, 20) * 1000, { id: rnd.id('pay_'), createdAt: back, amount });
    }
    return out;
  }

  fail(t0, 1);
  switch (scenario) {
    case 'paid': {
      // Most come back after the first or second nudge; a few only after Whop's later retries.
      const after = rnd.weighted([[rnd.between(0.5, 30) * HOUR, 30], [rnd.between(30, 72) * HOUR, 35], [rnd.between(3, 7) * DAY, 25], [rnd.between(7, 10) * DAY, 10]] as const);
      retriesBefore(t0 + after);
      pay(t0 + after);
      break;
    }
    case 'reactivated': {
      // Whop gave up and deactivated the membership; the member came back with a new card.
      const gone = t0 + rnd.between(24, 60) * HOUR;
      deactivate(gone, null);
      const back = t0 + rnd.between(3, 11) * DAY;
      activate(back);
      if (rnd.chance(0.7)) pay(back + rnd.between(2, 20) * 1000, { id: rnd.id('pay_'), createdAt: back, amount });
      break;
    }
    case 'refunded': {
      const paidAt = t0 + rnd.between(6, 96) * HOUR;
      pay(paidAt);
      const at = paidAt + rnd.between(1, 20) * DAY;
      const partial = rnd.chance(0.2);
      const reversed = partial ? Math.round(amount * 50) / 100 : amount;
      if (rnd.chance(0.25)) send('dispute.created', at, reversalData(member, payment, paidAt, { id: rnd.id('dspt_'), at, amount: reversed, dispute: true }));
      else send('refund.created', at, reversalData(member, payment, paidAt, { id: rnd.id('rfnd_'), at, amount: reversed, dispute: false }));
      break;
    }
    case 'lost':
      retriesBefore(t0 + 8 * DAY);
      if (rnd.chance(0.6)) deactivate(t0 + rnd.between(7.5, 10) * DAY, null);
      break;
    case 'paid_too_late':
      // Paid after the 14-day attribution window: not credited to the case.
      retriesBefore(t0 + 8 * DAY);
      pay(t0 + rnd.between(15, 25) * DAY);
      break;
  }
  return out;
}

function ref(member: DemoMember) {
  return {
    company: { id: DEMO_COMPANY_ID, route: COMPANY_ROUTE, title: DEMO_COMPANY_TITLE },
    user: { id: member.userId, email: member.email, name: member.name, username: member.username },
    member: { id: member.memberId, phone: null },
    plan: { id: member.product.planId, internal_notes: null, metadata: {} },
    product: { id: member.product.id, title: member.product.title, route: member.product.route, metadata: {} },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const usd = (amount: number, currency: string) => (currency === 'usd' ? amount : Math.round(amount * 108) / 100);

/** `data` of payment.failed / payment.succeeded: a Whop Payment. */
function paymentData(
  member: DemoMember,
  payment: { id: string; createdAt: number; amount: number },
  state: { failed: { at: number; attempt: number; message: string | null } } | { paidAt: number },
): Record<string, unknown> {
  const { currency } = member.product;
  const failed = 'failed' in state ? state.failed : null;
  const at = failed ? failed.at : (state as { paidAt: number }).paidAt;
  return {
    id: payment.id,
    status: failed ? 'open' : 'paid',
    substatus: failed ? 'failed' : 'succeeded',
    billing_reason: 'subscription_cycle',
    total: payment.amount,
    subtotal: payment.amount,
    usd_total: usd(payment.amount, currency),
    amount_after_fees: Math.round(payment.amount * 96.1) / 100,
    settlement_amount: null,
    settlement_currency: null,
    refunded_amount: 0,
    tax_amount: 0,
    currency,
    failure_message: failed ? failed.message : null,
    payments_failed: failed ? failed.attempt : 1,
    last_payment_attempt: iso(at - 2000),
    next_payment_attempt: failed ? iso(at + 2 * DAY) : null,
    retryable: Boolean(failed),
    voidable: false,
    refundable: !failed,
    card_brand: member.cardLast4 < '3000' ? 'mastercard' : 'visa',
    card_last4: member.cardLast4,
    payment_method_type: 'card',
    created_at: iso(payment.createdAt),
    updated_at: iso(at - 900),
    paid_at: failed ? null : iso(at),
    refunded_at: null,
    dispute_alerted_at: null,
    ...ref(member),
    membership: { id: member.membershipId, status: failed ? 'past_due' : 'active', phone_number: null },
    promo_code: null,
    metadata: {},
    checkout_configuration_id: null,
    disputes: [],
    refunds: [],
    risk_score: null,
  };
}

/** `data` of membership.activated / membership.deactivated: a Whop Membership. */
function membershipData(member: DemoMember, status: 'active' | 'canceled', at: number, cancel: readonly [string, string | null] | null): Record<string, unknown> {
  const periodStart = status === 'active' ? at : at - 3 * DAY;
  return {
    id: member.membershipId,
    status,
    cancel_at_period_end: false,
    canceled_at: status === 'canceled' ? iso(at - 1500) : null,
    cancel_option: cancel?.[0] ?? null,
    cancellation_reason: cancel?.[1] ?? null,
    renewal_period_start: iso(periodStart),
    renewal_period_end: iso(periodStart + 30 * DAY),
    currency: member.product.currency,
    payment_collection_paused: false,
    manage_url: `https://whop.com/billing/manage/${member.membershipId}`,
    license_key: null,
    checkout_configuration_id: null,
    custom_field_responses: [],
    metadata: {},
    created_at: iso(member.joinedAt.getTime()),
    updated_at: iso(at),
    joined_at: iso(member.joinedAt.getTime()),
    ...ref(member),
    promo_code: null,
  };
}

/** `data` of refund.created / dispute.created: the reversal and a summary of its payment. */
function reversalData(
  member: DemoMember,
  payment: { id: string; amount: number },
  paidAt: number,
  r: { id: string; at: number; amount: number; dispute: boolean },
): Record<string, unknown> {
  const { currency } = member.product;
  const { user, member: mber, plan, product, company } = ref(member);
  const paymentSummary = {
    id: payment.id,
    total: payment.amount,
    subtotal: payment.amount,
    usd_total: usd(payment.amount, currency),
    currency,
    billing_reason: 'subscription_cycle',
    paid_at: iso(paidAt),
    membership: { id: member.membershipId, status: 'active' },
    user,
    member: { id: mber.id },
    plan: { id: plan.id },
    product: { id: product.id, title: product.title },
  };
  if (r.dispute) {
    return {
      id: r.id,
      amount: r.amount,
      currency,
      status: 'needs_response',
      reason: 'subscription_canceled',
      needs_response_by: iso(r.at + 10 * DAY),
      editable: true,
      created_at: iso(r.at),
      company: { id: company.id, title: company.title },
      payment: paymentSummary,
      plan: { id: plan.id },
      product: { id: product.id, title: product.title },
    };
  }
  return {
    id: r.id,
    amount: r.amount,
    currency,
    status: 'succeeded',
    created_at: iso(r.at),
    provider: 'stripe',
    provider_created_at: iso(r.at),
    reference_type: null,
    reference_value: null,
    reference_status: null,
    payment: paymentSummary,
  };
}
